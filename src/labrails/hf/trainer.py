"""``attach(run, trainer)``: everything labrails does for a Trainer, on one line before ``trainer.train()``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from labrails.tracking.run import Run


def attach(run: Run, trainer, *, texts=None, early_stopping: bool | None = None) -> list[dict[str, Any]]:
    """Preflight the trainer's model, tokenizer and first real batches; add ``LabrailsCallback`` and (when
    the best checkpoint is kept) early stopping; drop HF's stdout printer. Returns the preflight findings.

    ``texts``: the untokenized training texts, for an exact truncation count.
    """
    from transformers import EarlyStoppingCallback, PrinterCallback, ProgressCallback

    from labrails.hf.args import early_stopping as make_early_stopping
    from labrails.hf.callback import LabrailsCallback
    from labrails.hf.preflight import preflight

    args = trainer.args
    metric = (args.metric_for_best_model or "loss").removeprefix("eval_")
    if args.load_best_model_at_end and trainer.compute_metrics is None and metric != "loss":
        # Without compute_metrics an evaluation reports only the loss; HF would stop at the first one.
        run.log.warning(f"the best checkpoint is chosen by eval loss: the Trainer has no compute_metrics to report "
                        f"{metric!r} (spec.yaml's primary metric); pass compute_metrics to choose by {metric!r}")
        args.metric_for_best_model, args.greater_is_better = "loss", False
    tokenizer = getattr(trainer, "processing_class", None) or getattr(trainer, "tokenizer", None)
    findings = preflight(run, trainer.model, tokenizer, trainer.train_dataset, args,
                         loader=trainer.get_train_dataloader(), texts=texts)
    # HF prints every log dict to stdout; train.log and metrics.jsonl get them through the callback instead.
    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)
    stopper = next((cb for cb in trainer.callback_handler.callbacks if isinstance(cb, EarlyStoppingCallback)), None)
    wanted = args.load_best_model_at_end and args.eval_strategy != "no" if early_stopping is None else early_stopping
    if stopper is None and wanted:
        stopper = make_early_stopping(run)
        trainer.add_callback(stopper)
    trainer.add_callback(LabrailsCallback(run, early_stopping=stopper))
    return findings
