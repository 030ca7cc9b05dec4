"""Batch inference for LLM evaluation runs (extras ``labrails[hf]``, ``labrails[vllm]``).

```python
engine = labrails.llm.VLLMEngine(model_dir)          # or HFEngine(model, tokenizer), or TorchEngine(model, tok)
result = labrails.llm.generate(run, engine, records, template=..., parse=..., ground_truth="label")
```

- batch.py: ``generate`` (chat template -> prefix-sorted chunks -> parse -> drill-down under eval/).
- engines.py: ``VLLMEngine``, ``HFEngine``, ``Sampling``.
- torch_engine.py: ``TorchEngine`` (a plain PyTorch model), ``CallableTokenizer`` (your encode/decode functions).
- tiny.py: ``train_tokenizer``, ``build_causal_lm``, ``save_model``: small models made locally, nothing downloaded.

Heavy packages (torch, transformers, vllm) load when a function needs them.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "generate": "labrails.llm.batch",
    "prefix_order": "labrails.llm.batch",
    "Result": "labrails.llm.batch",
    "HFEngine": "labrails.llm.engines",
    "VLLMEngine": "labrails.llm.engines",
    "Sampling": "labrails.llm.engines",
    "TorchEngine": "labrails.llm.torch_engine",
    "CallableTokenizer": "labrails.llm.torch_engine",
    "train_tokenizer": "labrails.llm.tiny",
    "build_causal_lm": "labrails.llm.tiny",
    "save_model": "labrails.llm.tiny",
}


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'labrails.llm' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
