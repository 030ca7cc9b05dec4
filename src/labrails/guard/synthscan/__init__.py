"""Static scan of a launch script, and the local modules it imports, for fabricated data.

Agents under pressure sometimes swap the real dataset for ``make_classification``, random arrays or
templated strings and then report the run as if it had used real data. Before a full run starts, the
decision engine calls :func:`scan_script`; every :class:`Hit` is something the agent must either
remove or move under a de-risk branch (``if cfg.profile == "de-risk":``), where small fabricated data is
the point.

The scan runs on the agent's hook path, so it is stdlib only and reads each file once. It is a
heuristic: it looks for data-shaped names (``X``, ``labels``, ``texts``...) receiving values whose only
source is a random generator or a string template, rather than tracking real data flow. Noise that
perturbs existing data (augmentation, diffusion noise, dropout), random indices, seeds and weight
initialisation are left alone because they are not assigned to data names or always involve real data.
"""

from __future__ import annotations

from labrails.guard.synthscan.hit import RULES, Hit
from labrails.guard.synthscan.scan import scan_script, scan_source

__all__ = ["RULES", "Hit", "scan_script", "scan_source"]
