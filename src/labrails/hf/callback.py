"""``LabrailsCallback``: a ``transformers.Trainer`` (or a TRL trainer built on it) logging as a labrails run.

- sets the run's total steps; step 1 is reported at once, then s/step and ETA (``run.progress``);
- every logged value goes to logs/metrics.jsonl: training values under split ``train``, ``eval_*`` under
  ``val`` with the prefix dropped (``eval_loss`` -> ``loss``/val), so plots and reviews read them like any run's;
- HF's timing bookkeeping (``*_runtime``, ``*_per_second``, ``total_flos``) stays out of metrics and plots:
  it is kept in run.json under ``hf.timing``;
- logs the effective batch size and writes the resolved TrainingArguments to ``training_args.json`` at start;
- mirrors the ``transformers`` logger into train.log while training;
- records the best checkpoint, the best metric and where early stopping fired in run.json (``hf``).

This module imports transformers at import time (the callback subclasses ``TrainerCallback``); it is
loaded only when ``labrails.hf.LabrailsCallback`` is first used.
"""

from __future__ import annotations

import logging
import math
import time
from typing import TYPE_CHECKING, Any

from transformers import TrainerCallback

from labrails.core.fsutil import write_json
from labrails.core.runinfo import write_run_json

if TYPE_CHECKING:
    from labrails.tracking.run import Run

# Keys HF logs that describe the machine's speed, not the model: kept out of metrics.jsonl and plots.
TIMING_SUFFIXES = ("_runtime", "_samples_per_second", "_steps_per_second", "_tokens_per_second")
TIMING_KEYS = {"total_flos", "epoch", "num_input_tokens_seen"}
# Whole-run summaries HF logs once at the end; recorded in run.json, not as a point on a curve.
SUMMARY_KEYS = {"train_loss"}


def split_logs(logs: dict[str, Any]) -> tuple[dict[str, dict[str, float]], dict[str, Any]]:
    """HF's log dict -> ({split: {name: value}}, bookkeeping). ``eval_loss`` becomes ``loss`` in val."""
    by_split: dict[str, dict[str, float]] = {}
    kept: dict[str, Any] = {}
    for key, value in logs.items():
        if key in TIMING_KEYS or key in SUMMARY_KEYS or key.endswith(TIMING_SUFFIXES):
            kept[key] = value
            continue
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            kept[key] = value
            continue
        if key.startswith("eval_"):
            by_split.setdefault("val", {})[key.removeprefix("eval_")] = float(value)
        elif key.startswith("test_"):
            by_split.setdefault("test", {})[key.removeprefix("test_")] = float(value)
        else:
            by_split.setdefault("train", {})[key] = float(value)
    return by_split, kept


def effective_batch(args) -> dict[str, int]:
    world = max(1, int(getattr(args, "world_size", 1) or 1))
    per_device, accumulation = int(args.per_device_train_batch_size), int(args.gradient_accumulation_steps)
    return {"per_device": per_device, "accumulation": accumulation, "world_size": world,
            "effective": per_device * accumulation * world}


class _ToRunLog(logging.Handler):
    """Forwards ``transformers``' log records into the run's train.log."""

    def __init__(self, run: Run):
        super().__init__(level=logging.INFO)
        self.run = run

    def emit(self, record: logging.LogRecord) -> None:
        try:
            # Warnings reach the terminal too; HF's chatter (INFO) goes to train.log only.
            level = "WARNING" if record.levelno >= logging.WARNING else "DEBUG"
            self.run.log.log(level, f"[transformers] {record.getMessage()}")
        except Exception:  # a log line must never break training
            pass


class LabrailsCallback(TrainerCallback):
    """Log a Trainer's progress, metrics and outcome into ``run``. ``every_s``: seconds between progress lines."""

    def __init__(self, run: Run, *, early_stopping=None, every_s: float | None = None, stop_at_budget: bool | None = None):
        self.run = run
        self.early_stopping = early_stopping  # the EarlyStoppingCallback whose firing run.json records
        hf = run.config.get("hf") or {}
        self.every_s = every_s if every_s is not None else float((run.config.get("train") or {}).get("log_every_s", 10))
        self.stop_at_budget = hf.get("stop_at_budget", False) if stop_at_budget is None else stop_at_budget
        self._first_step = 0
        self._last_train: dict[str, float] = {}
        self._handler: _ToRunLog | None = None
        self._saved_levels: list = []
        self._every_step = False
        self._logged_step = -1
        self._t0 = time.monotonic()

    # ------------------------------------------------------------------ start
    def on_train_begin(self, args, state, control, **kwargs):
        if not state.is_world_process_zero:
            return
        self._t0 = time.monotonic()
        self._first_step = self._logged_step = state.global_step  # > 0 when resuming from a checkpoint
        self._every_step = args.logging_strategy == "steps" and args.logging_steps == 1
        self.run.set_total_steps(max(1, state.max_steps - self._first_step), every_s=self.every_s)
        batch = effective_batch(args)
        resolved = {k: v for k, v in args.to_dict().items() if not k.endswith("_token")}
        write_json(self.run.dir / "training_args.json", resolved)
        hf = self.run.info.setdefault("hf", {})
        hf.update(batch=batch, max_steps=state.max_steps, training_args="training_args.json")
        self.run.log.info(
            f"Trainer: {state.max_steps} optimizer steps, effective batch {batch['effective']} "
            f"(per device {batch['per_device']} x accumulation {batch['accumulation']} x world size {batch['world_size']}), "
            f"lr {args.learning_rate:g}, eval/save every {args.eval_steps or args.eval_strategy}, "
            f"best by {args.metric_for_best_model} ({'higher' if args.greater_is_better else 'lower'} is better); "
            f"all arguments in training_args.json")
        self._mirror_transformers_log()
        write_run_json(self.run.dir, self.run.info)

    def _mirror_transformers_log(self) -> None:
        """INFO and up from ``transformers`` into train.log; its own stderr handler keeps its level."""
        self._handler = _ToRunLog(self.run)
        hf_logger = logging.getLogger("transformers")
        self._saved_levels = [(hf_logger, hf_logger.level)]
        for handler in hf_logger.handlers:
            self._saved_levels.append((handler, handler.level))
            if handler.level == logging.NOTSET:
                handler.setLevel(hf_logger.getEffectiveLevel())
        hf_logger.addHandler(self._handler)
        hf_logger.setLevel(min(logging.INFO, hf_logger.getEffectiveLevel()))
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # "Writing model shards" bars on every save: noise in the terminal

    def _unmirror(self) -> None:
        if self._handler is None:
            return
        logging.getLogger("transformers").removeHandler(self._handler)
        for owner, level in self._saved_levels:
            owner.setLevel(level)
        self._handler = None

    # ------------------------------------------------------------------ every step
    def on_log(self, args, state, control, logs=None, **kwargs):
        if not state.is_world_process_zero or not logs:
            return
        by_split, kept = split_logs(logs)
        epoch = int(math.floor(state.epoch)) if state.epoch is not None else None
        for split, values in by_split.items():
            self.run.log_metrics(values, step=state.global_step, epoch=epoch, split=split)
        if "train" in by_split and "loss" in by_split["train"]:
            self._last_train = by_split["train"]
            if self._every_step and state.global_step > self._logged_step:
                self._step_done(state)
        if "val" in by_split:
            shown = ", ".join(f"{k} {v:.4g}" for k, v in by_split["val"].items())
            self.run.log.info(f"step {state.global_step} (epoch {state.epoch or 0:.2f}): val {shown}")
        timing = {k: v for k, v in kept.items() if k not in ("epoch",)}
        if timing:
            self.run.info.setdefault("hf", {}).setdefault("timing", {}).update(timing)

    def _step_done(self, state) -> None:
        self._logged_step = state.global_step
        loss = self._last_train.get("loss")
        self.run.progress(state.global_step - self._first_step, **({"loss": loss} if loss is not None else {}))
        # Every step in train.log (the terminal gets the progress lines only).
        shown = ", ".join(f"{k} {v:.4g}" for k, v in self._last_train.items())
        self.run.log.debug(f"step {state.global_step}: {shown}")

    def on_step_end(self, args, state, control, **kwargs):
        if not state.is_world_process_zero:
            return
        # HF logs after on_step_end: with a record every step, on_log reports the step with its loss.
        if not self._every_step:
            self._step_done(state)
        budget = self.run.info.get("budget_seconds")
        if self.stop_at_budget and budget and time.monotonic() - self._t0 > budget:
            self.run.log.warning(f"stopping at step {state.global_step}: the profile's budget of {budget} s is spent")
            self.run.info.setdefault("hf", {})["stopped_at_budget"] = {"step": state.global_step, "epoch": state.epoch}
            control.should_training_stop = True

    # ------------------------------------------------------------------ end
    def on_train_end(self, args, state, control, **kwargs):
        self._unmirror()
        if not state.is_world_process_zero:
            return
        hf = self.run.info.setdefault("hf", {})
        hf.update(best_checkpoint=state.best_model_checkpoint, best_metric=state.best_metric,
                  best_metric_name=args.metric_for_best_model, steps_run=state.global_step,
                  epochs_run=round(state.epoch or 0.0, 4))
        patience = getattr(self.early_stopping, "early_stopping_patience", None)
        if patience and getattr(self.early_stopping, "early_stopping_patience_counter", 0) >= patience:
            hf["early_stopping"] = {"step": state.global_step, "epoch": round(state.epoch or 0.0, 4), "patience": patience}
            self.run.log.info(f"early stopping fired at step {state.global_step} (epoch {state.epoch:.2f}): "
                              f"{args.metric_for_best_model} did not improve for {patience} evaluations")
        if state.best_model_checkpoint:
            self.run.log.info(f"best checkpoint {state.best_model_checkpoint} "
                              f"({args.metric_for_best_model} {state.best_metric:.4g})")
        write_run_json(self.run.dir, self.run.info)
