"""TrainingArguments for a labrails run, and early stopping with the patience from config.yaml.

The values come, in order of precedence, from the call's overrides, the ``hf:`` section of config.yaml
(any TrainingArguments field, plus ``early_stopping_patience``), and the defaults below, which make a
Trainer behave like a labrails run: checkpoints under the run directory, a log record from step 1,
evaluation and saving on one schedule, the best checkpoint (by the spec's metric) loaded at the end,
no progress bars or third-party trackers.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from labrails.core.errors import ConfigError, MissingDependency

if TYPE_CHECKING:
    from labrails.tracking.run import Run

# Keys of the config's hf: section that are labrails' own, not TrainingArguments fields.
OWN_KEYS = ("early_stopping_patience", "early_stopping_threshold", "stop_at_budget", "effective_batch_size")
DEFAULT_PATIENCE = 3


def _transformers():
    try:
        import transformers
    except ImportError:
        raise MissingDependency("transformers", "hf") from None
    return transformers


def _has_cuda() -> bool:
    import torch

    return torch.cuda.is_available()


def hf_config(run: Run) -> dict[str, Any]:
    section = run.config.get("hf") or {}
    if not isinstance(section, dict):
        raise ConfigError("'hf' must be a mapping of TrainingArguments fields", path=run.experiment.config_path,
                          fix="e.g. hf: {per_device_train_batch_size: 8, num_train_epochs: 3}")
    return dict(section)


def best_metric(run: Run, given: str | None = None) -> tuple[str, bool]:
    """The metric that picks the best checkpoint and its direction: the one given, else the spec's primary
    metric without its split prefix (test_accuracy -> accuracy, read as eval_accuracy), else the loss."""
    if given:
        return given, not given.removeprefix("eval_").endswith("loss")
    primary = run.spec.primary_metric if run.spec is not None else {}
    name = primary.get("name")
    if name and not str(name).upper().startswith("TODO"):
        for prefix in ("test_", "val_", "eval_"):
            name = name.removeprefix(prefix)
        return name, primary.get("direction", "higher") != "lower"
    return "loss", False


def training_args(run: Run, **overrides: Any):
    """``transformers.TrainingArguments`` that write into ``run.dir`` and log, evaluate and save like a run."""
    transformers = _transformers()
    fields = {f.name for f in dataclasses.fields(transformers.TrainingArguments) if f.init}
    section = hf_config(run)
    unknown = sorted(k for k in section if k not in fields and k not in OWN_KEYS)
    if unknown:
        raise ConfigError(f"hf.{unknown[0]} is not a TrainingArguments field", path=run.experiment.config_path,
                          fix=f"remove it or use a TrainingArguments field name (e.g. {', '.join(sorted(fields)[:5])}, ...)")
    bad = sorted(k for k in overrides if k not in fields)
    if bad:
        raise ConfigError(f"training_args({bad[0]}=...) is not a TrainingArguments field",
                          fix="pass TrainingArguments fields only; labrails' own settings live in config.yaml's hf: section")
    values = {k: v for k, v in section.items() if k not in OWN_KEYS} | overrides
    metric, higher = best_metric(run, values.get("metric_for_best_model"))
    schedule = values.get("eval_strategy", "steps")
    defaults = {
        "output_dir": str(run.checkpoints),
        "logging_strategy": "steps", "logging_steps": 1, "logging_first_step": True,
        "eval_strategy": schedule, "save_strategy": schedule,
        "load_best_model_at_end": True, "metric_for_best_model": metric, "greater_is_better": higher,
        "save_total_limit": 2,
        "seed": run.config.get("seed", 42),
        "report_to": "none", "disable_tqdm": True,
        "dataloader_pin_memory": _has_cuda(),  # pinning without a GPU only warns
    }
    if schedule == "steps":
        defaults["eval_steps"] = defaults["save_steps"] = values.get("eval_steps", 50)
    args = transformers.TrainingArguments(**(defaults | values))
    # Evaluate and save on the same schedule, or the best checkpoint may not exist when it is wanted.
    if args.load_best_model_at_end and (args.save_strategy != args.eval_strategy or
                                        (args.eval_strategy == "steps" and args.save_steps % args.eval_steps)):
        raise ConfigError(f"save_strategy {args.save_strategy}/{args.save_steps} does not follow eval_strategy "
                          f"{args.eval_strategy}/{args.eval_steps}", path=run.experiment.config_path,
                          fix="save on the evaluation schedule (labrails sets both from hf.eval_strategy and hf.eval_steps)")
    return args


def early_stopping(run: Run):
    """``EarlyStoppingCallback`` with ``hf.early_stopping_patience`` (default 3) evaluations of patience."""
    transformers = _transformers()
    section = hf_config(run)
    patience = section.get("early_stopping_patience", DEFAULT_PATIENCE)
    if not isinstance(patience, int) or patience < 1:
        raise ConfigError(f"hf.early_stopping_patience must be a whole number >= 1, not {patience!r}",
                          path=run.experiment.config_path, fix="e.g. early_stopping_patience: 3")
    return transformers.EarlyStoppingCallback(early_stopping_patience=patience,
                                              early_stopping_threshold=section.get("early_stopping_threshold", 0.0))
