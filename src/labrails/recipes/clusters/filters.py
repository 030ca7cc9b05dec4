"""Cluster filtering: the ``clusters:`` section of a config, checked, and the two rules it sets.

```yaml
clusters:
  embed: false                  # this run embeds and clusters its training examples when it ends
  min_cluster_size: 10          # HDBSCAN's parameters for that
  min_samples: null
  pca_components: null
  assignments: null             # the run (or glob under runs/) whose clusters/ the rules below read
  exclude_clusters: []          # drop every member of these clusters; -1 is HDBSCAN's noise
  min_cluster_probability: 0.0  # drop examples whose membership probability is below this
```

The rules apply in that order: ``exclude_clusters``, then ``min_cluster_probability`` (noise has
probability 0, so any threshold above 0 drops it too). Before either, the assignments must describe
this run's data: the same split file (sha256), the same dataset fingerprint, every training id present.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from labrails.core.errors import ConfigError
from labrails.core.schema import BOOL, INT, LIST, MAP, NULL, NUMBER, TEXT, Key, Map, apply_defaults, validate
from labrails.recipes.cartography.dynamics import _clean_ids, _preview
from labrails.recipes.clusters.artifact import MAKE_FIX, Assignments, describe_missing, missing_ids

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

SECTION = "clusters"
RULES = ("exclude_clusters", "min_cluster_probability")


def _probability(value: Any) -> bool:
    return 0.0 <= value <= 1.0


CLUSTERS_SCHEMA = Map(
    Key("embed", BOOL, default=False, message="{where} must be true or false", fix="e.g. clusters.embed: true"),
    Key("min_cluster_size", INT, default=10, test=lambda v: v >= 2, message="{where} must be an integer >= 2, got {value}",
        fix="HDBSCAN's smallest cluster, e.g. clusters.min_cluster_size: 10"),
    Key("min_samples", (INT, NULL), default=None, test=lambda v: v is None or v >= 1,
        message="{where} must be a positive integer or null, got {value}", fix="e.g. clusters.min_samples: 5, or null"),
    Key("pca_components", (INT, NULL), default=None, test=lambda v: v is None or v >= 2,
        message="{where} must be an integer >= 2 or null, got {value}", fix="null clusters the embeddings as they are"),
    Key("assignments", (TEXT, NULL), default=None, message="{where} must be a run directory, a glob under runs/ or null",
        fix='e.g. clusters.assignments: "runs/*-full-baseline-seed{seed}"'),
    Key("exclude_clusters", LIST, default=[], items=INT, test=lambda v: all(isinstance(c, int) and not isinstance(c, bool) and c >= -1 for c in v),
        message="{where} must be a list of cluster ids (integers, -1 for noise), got {value}",
        fix="e.g. clusters.exclude_clusters: [-1] (drop HDBSCAN's noise points)"),
    Key("min_cluster_probability", NUMBER, default=0.0, test=_probability,
        message="{where} must be a probability in [0, 1], got {value}",
        fix="e.g. clusters.min_cluster_probability: 0.5 (0 keeps every example)"),
    known="the clusters section has",
)
_DOCUMENT = Map(Key(SECTION, (MAP, NULL), schema=CLUSTERS_SCHEMA, message="{where} must be a mapping",
                    fix="see the clusters: section of the cartography template's config.yaml"), extra=True)


def check_section(values: Mapping[str, Any], *, path: Path | str | None = None, where: str | None = None) -> dict[str, Any] | None:
    """The ``clusters:`` section of resolved config ``values``, validated and with defaults filled; None when
    the config has none. ``where`` prefixes the message (a sweep names the configuration)."""
    section = values.get(SECTION)
    if section is None:
        return None
    try:
        validate({SECTION: section}, _DOCUMENT, path=path)
    except ConfigError as exc:
        if where is None:
            raise
        raise ConfigError(f"{where}: {exc.message}", path=exc.path, fix=exc.fix) from None
    return apply_defaults(section, CLUSTERS_SCHEMA)


def filters_active(section: Mapping[str, Any] | None) -> bool:
    """True when a rule would drop anything, i.e. when the run needs cluster assignments."""
    return bool(section) and bool(section.get("exclude_clusters") or (section.get("min_cluster_probability") or 0) > 0)


def check_provenance(assignments: Assignments, *, train_ids: Sequence[int | str], split_sha256: str | None = None,
                     data_fingerprint: str | None = None, key: str = "clusters.assignments") -> None:
    """The assignments describe this run's data: same split file, same dataset, every training id present."""
    made = assignments.provenance
    where = f"made by runs/{made.get('run')}" if made.get("run") else "of unknown origin"
    fix = f"point {key} at clusters made on this split and data; " + MAKE_FIX
    if split_sha256 and made.get("split_sha256") and made["split_sha256"] != split_sha256:
        raise ConfigError(f"{key}: {assignments.path.name} ({where}) was made on another split: split file sha "
                          f"{made['split_sha256'][:19]}..., this run's is {split_sha256[:19]}...", path=assignments.path, fix=fix)
    if data_fingerprint and made.get("data_fingerprint") and made["data_fingerprint"] != data_fingerprint:
        raise ConfigError(f"{key}: {assignments.path.name} ({where}) was made on another dataset: fingerprint "
                          f"{made['data_fingerprint'][:19]}..., this run's is {data_fingerprint[:19]}...", path=assignments.path, fix=fix)
    ids = _clean_ids(train_ids)
    absent = missing_ids(assignments, ids)
    if absent:
        raise ConfigError(f"{key}: {describe_missing(assignments, absent, len(ids))}: it was made on another split or dataset",
                          path=assignments.path, fix=fix)


def check_rules(section: Mapping[str, Any], assignments: Assignments, *, config_path: Path | str | None = None) -> None:
    """Every excluded cluster exists in the assignments (a typo would silently exclude nothing)."""
    known = assignments.cluster_ids
    unknown = [c for c in section.get("exclude_clusters") or [] if c not in known]
    if unknown:
        raise ConfigError(
            f"clusters.exclude_clusters names cluster(s) {_preview(unknown)} that {assignments.path} does not have "
            f"(it has {', '.join(map(str, known))})",
            path=config_path, fix="list only clusters that exist (see clusters/summary.json or clusters.webp of that run)")


def apply_rules(section: Mapping[str, Any], assignments: Assignments, train_ids: Sequence[int | str]) -> list[tuple[str, list, str]]:
    """The ids each rule keeps, in order: ``[(rule, kept_ids, what it did), ...]``, each a subset of the last."""
    ids = _clean_ids(train_ids)
    out: list[tuple[str, list, str]] = []
    exclude = set(section.get("exclude_clusters") or [])
    if exclude:
        ids = [i for i in ids if assignments.cluster[i] not in exclude]
        out.append(("clusters.exclude_clusters", ids, f"dropped members of cluster(s) {sorted(exclude)}"))
    threshold = float(section.get("min_cluster_probability") or 0.0)
    if threshold > 0:
        ids = [i for i in ids if assignments.probability[i] >= threshold]
        out.append(("clusters.min_cluster_probability", ids, f"dropped examples with membership probability < {threshold}"))
    return out
