"""Hugging Face ``transformers.Trainer`` through labrails (extra ``labrails[hf]``).

Three lines of labrails around a Trainer:

```python
with labrails.start_run("de-risk") as run:
    args = labrails.hf.training_args(run, per_device_train_batch_size=8)   # writes into the run directory
    trainer = Trainer(model=model, args=args, train_dataset=train, eval_dataset=val, processing_class=tok)
    labrails.hf.attach(run, trainer)     # preflight, then LabrailsCallback + early stopping
    trainer.train()
```

- args.py: ``training_args`` (TrainingArguments for the run) and ``early_stopping``.
- callback.py: ``LabrailsCallback``: metrics.jsonl, train.log, progress with ETA, best checkpoint in run.json.
- preflight.py: ``preflight``: the silent failures found before the first step, each a review item with numbers.
- trainer.py: ``attach``: all of the above on an existing Trainer.

transformers is imported inside these modules' functions, so ``import labrails.hf`` alone is cheap.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "training_args": "labrails.hf.args",
    "early_stopping": "labrails.hf.args",
    "LabrailsCallback": "labrails.hf.callback",
    "preflight": "labrails.hf.preflight",
    "attach": "labrails.hf.trainer",
}


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'labrails.hf' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
