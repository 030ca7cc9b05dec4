"""Every data strategy of a config in one plan, applied in one documented order.

A configuration may filter by clusters, filter by cartography, and smooth or weight the loss, all at
once. ``plan_training`` applies them in this order, each to what the one before it kept:

1. ``clusters.exclude_clusters``          drop members of the listed clusters (-1: noise)
2. ``clusters.min_cluster_probability``   drop examples whose cluster membership is weaker
3. ``cartography.filter``                 keep the most ambiguous ``top_fraction`` of what is left (plus
                                          easy/hard examples as configured)
4. ``cartography.smoothing``              a label-smoothing epsilon per kept example (by variability)
5. ``cartography.weighting``              a loss weight per kept example, mean 1 over the kept examples

Filters come first so that smoothing and weights describe the examples actually trained on (a weight
normalised over examples that were then dropped would change the loss scale). Cluster rules come
before the cartography filter because they remove examples that are noise in the model's own
representation, while ``top_fraction`` is a share: of the examples that survived the cluster rules.

The plan records what each rule removed, from which classes (``record_plan`` writes it to the run's
``data/strategy.json``, which the review's ``filtering`` check reads).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from labrails.core.errors import ConfigError
from labrails.core.fsutil import write_json
from labrails.recipes.cartography.dynamics import _clean_ids
from labrails.recipes.cartography.strategies import StrategyPlan, apply_strategy, strategy_parts
from labrails.recipes.clusters.artifact import MAKE_FIX, load_assignments, sha256_file
from labrails.recipes.clusters.filters import apply_rules, check_provenance, check_rules, check_section, filters_active

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

ORDER = ("clusters.exclude_clusters", "clusters.min_cluster_probability", "cartography.filter",
         "cartography.smoothing", "cartography.weighting")
STRATEGY_FILE = Path("data") / "strategy.json"


def _count_labels(ids: Sequence[Any], label_of: Mapping[Any, Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for i in ids:
        key = str(label_of[i])
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (len(kv[0]), kv[0])))


def _removal(rule: str, before: Sequence[Any], after: Sequence[Any], label_of: Mapping[Any, Any], *, detail: str,
             source: str | None) -> dict[str, Any]:
    kept = set(after)
    removed = [i for i in before if i not in kept]
    return {"rule": rule, "source": source, "detail": detail, "before": len(before), "removed": len(removed),
            "kept": len(after), "removed_by_class": _count_labels(removed, label_of)}


def _stats(arr: Any) -> dict[str, float]:
    return {"min": float(arr.min()), "mean": float(arr.mean()), "max": float(arr.max())} if len(arr) else {}


def plan_training(config: Mapping[str, Any], train_ids: Sequence[int | str], labels: Sequence[Any], *,
                  split_file: Path | str | None = None, data_fingerprint: str | None = None,
                  resolve: Callable[[str], str | Path] | None = None,
                  config_path: Path | str | None = None) -> StrategyPlan | None:
    """The ids to train on, with per-example smoothing and weights, from a resolved config's ``clusters:``
    and ``cartography:`` sections; None when neither changes anything (train on everything, plain loss).

    ``labels`` are aligned with ``train_ids`` (for the per-class counts of what each rule removed).
    ``split_file`` and ``data_fingerprint`` describe this run's data: cluster assignments made on another
    split or dataset are refused. ``resolve`` turns a configured path or glob (``runs/*-full-baseline``)
    into the path to read (the scaffold picks the newest match); by default it is used as given.
    """
    resolve = resolve or (lambda value: value)
    train = _clean_ids(train_ids)
    if len(labels) != len(train):
        raise ConfigError(f"{len(train)} training ids but {len(labels)} labels", fix="pass one label per training id, in order")
    label_of = dict(zip(train, [x.item() if hasattr(x, "item") else x for x in labels]))
    section = check_section(config, path=config_path)
    carto = config.get("cartography") if isinstance(config.get("cartography"), dict) else None
    carto_parts = strategy_parts(carto.get("strategy", "none")) if carto else ()
    if not filters_active(section) and not carto_parts:
        return None

    ids, steps, names = train, [], []
    if filters_active(section):
        ids, cluster_steps = _cluster_rules(section, ids, label_of, split_file=split_file, data_fingerprint=data_fingerprint,
                                            resolve=resolve, config_path=config_path)
        steps += cluster_steps
        names.append("clusters")
    eps = weights = None
    source = None
    if carto_parts:
        options = {k: v for k, v in carto.items() if k != "log_dynamics"}
        if options.get("dynamics"):
            options["dynamics"] = str(resolve(options["dynamics"]))
        plan = apply_strategy(options, None, ids)
        source = plan.source
        if "filter" in carto_parts:
            steps.append(_removal("cartography.filter", ids, plan.ids, label_of, source=source,
                                  detail=f"kept the most ambiguous {options.get('top_fraction', 0.33)} of {len(ids)} examples"
                                         f" (keep_easy={options.get('keep_easy', False)}, keep_hard={options.get('keep_hard', False)})"))
        ids, eps, weights = plan.ids, plan.eps, plan.weights
        if eps is not None:
            steps.append({"rule": "cartography.smoothing", "source": source, "detail": "label smoothing by variability",
                          "kept": len(ids), "removed": 0, "eps": _stats(eps)})
        if weights is not None:
            steps.append({"rule": "cartography.weighting", "source": source, "detail": "loss weight by variability",
                          "kept": len(ids), "removed": 0, "weights": _stats(weights)})
        names += list(carto_parts)
    result = StrategyPlan("+".join(names), ids, eps=eps, weights=weights, source=source, n_train=len(train), steps=steps)
    result.classes = {"before": _count_labels(train, label_of), "after": _count_labels(ids, label_of)}
    return result


def _cluster_rules(section: Mapping[str, Any], ids: list, label_of: Mapping[Any, Any], *, split_file, data_fingerprint,
                   resolve, config_path) -> tuple[list, list[dict[str, Any]]]:
    if not section.get("assignments"):
        rules = [r for r in ("exclude_clusters", "min_cluster_probability") if section.get(r)]
        raise ConfigError(f"clusters.{rules[0]} is set but clusters.assignments is not: there is nothing to filter by",
                          path=config_path, fix="set clusters.assignments to a run made with `clusters.embed: true` "
                                                "(e.g. \"runs/*-full-baseline-seed{seed}\"); " + MAKE_FIX)
    assignments = load_assignments(resolve(section["assignments"]))
    split_sha = None
    if split_file is not None and Path(split_file).is_file():
        from labrails.tracking.provenance import fingerprint

        split_sha = fingerprint(Path(split_file))
    check_provenance(assignments, train_ids=ids, split_sha256=split_sha, data_fingerprint=data_fingerprint)
    check_rules(section, assignments, config_path=config_path)
    source = f"{assignments.path} (sha256 {sha256_file(assignments.path)[:12]})"
    steps = []
    before = ids
    for rule, kept, detail in apply_rules(section, assignments, ids):
        steps.append(_removal(rule, before, kept, label_of, detail=detail, source=source))
        before = kept
    return before, steps


def record_plan(run_dir: Path | str, plan: StrategyPlan | None) -> Path | None:
    """Write ``data/strategy.json`` in the run: the order, each rule's removals by class, the classes before
    and after. Nothing is written for a run without a plan."""
    if plan is None:
        return None
    out = Path(run_dir) / STRATEGY_FILE
    out.parent.mkdir(parents=True, exist_ok=True)
    write_json(out, {"order": list(ORDER), **plan.summary()})
    return out
