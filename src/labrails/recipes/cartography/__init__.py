"""Dataset cartography: training dynamics, data maps and the training strategies built on them.

After Swayamdipta et al. (2020), "Dataset Cartography: Mapping and Diagnosing Datasets with Training
Dynamics". A baseline run logs, for every training example and every epoch, the probability the model
gives the gold label and whether its prediction is right (``dynamics``); from that table each example
gets a confidence, a variability, a correctness and a region (``datamap``); a later run trains on the
ambiguous examples only, or smooths or weights each example by its variability (``strategies``).

``labrails new NAME --template cartography`` starts an experiment whose train.py uses all three.
"""

from __future__ import annotations

from labrails.recipes.cartography.datamap import (
    DEFAULT_AMBIGUOUS_FRACTION,
    DEFAULT_EASY_THRESHOLD,
    REGIONS,
    compute_map,
    plot_data_map,
)
from labrails.recipes.cartography.dynamics import (
    DYNAMICS_FILE,
    Dynamics,
    DynamicsLogger,
    load_dynamics,
    resolve_dynamics_path,
)
from labrails.recipes.cartography.strategies import (
    CONFIG_DEFAULTS,
    STRATEGIES,
    StrategyPlan,
    apply_strategy,
    select_ambiguous,
    smoothed_cross_entropy,
    smoothing_from_variability,
    strategy_parts,
    weights_from_variability,
)

__all__ = [
    "CONFIG_DEFAULTS",
    "DEFAULT_AMBIGUOUS_FRACTION",
    "DEFAULT_EASY_THRESHOLD",
    "DYNAMICS_FILE",
    "REGIONS",
    "STRATEGIES",
    "Dynamics",
    "DynamicsLogger",
    "StrategyPlan",
    "apply_strategy",
    "compute_map",
    "load_dynamics",
    "plot_data_map",
    "resolve_dynamics_path",
    "select_ambiguous",
    "smoothed_cross_entropy",
    "smoothing_from_variability",
    "strategy_parts",
    "weights_from_variability",
]
