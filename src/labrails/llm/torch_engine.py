"""``TorchEngine``: ``labrails.llm.generate`` over a plain PyTorch model and your own encode/decode functions.

The model is any module (or callable) that maps token ids ``[batch, length]`` to logits
``[batch, length, vocab]`` (a tensor, or an output with ``.logits``). Decoding is greedy at temperature 0,
else sampled (temperature, top-p, seeded); a prompt's answer ends at a stop string or the tokenizer's EOS
(``finish_reason`` ``stop``; the stop string and EOS are not part of the text) or at ``max_new_tokens`` or
the model's context (``length``).

```python
tok = labrails.llm.CallableTokenizer(encode, decode)       # str -> list[int], list[int] -> str
engine = labrails.llm.TorchEngine(model, tok, max_len=model.max_len)
result = labrails.llm.generate(run, engine, records, template=lambda r: r["prompt"], parse=..., stop=["\\n"])
```

Prompts of one length are batched together, so no padding, attention mask or position ids are asked of the
model. Each new token re-reads the whole sequence, unless the model's ``forward`` takes a ``cache`` argument:
then the engine passes an empty dict with the prompts, which the model fills (keys, values, the length so
far), and afterwards only each new token with that dict, one position per step. Either way this engine is
for small models; large ones belong to ``HFEngine`` or ``VLLMEngine``.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Sequence

from labrails.core.errors import LabrailsError, MissingDependency
from labrails.llm.engines import Completion, Sampling, _cut_at_stop, _version


class CallableTokenizer:
    """The tokenizer face ``generate`` needs, over two functions: ``encode(text) -> ids``, ``decode(ids) -> text``.

    Templates must return plain strings: there is no chat template.
    """

    chat_template = None
    pad_token_id = None

    def __init__(self, encode: Callable[[str], Sequence[int]], decode: Callable[[list[int]], str], *,
                 eos_token_id: int | None = None):
        self.encode, self._decode, self.eos_token_id = encode, decode, eos_token_id

    def __call__(self, text: str, add_special_tokens: bool = False) -> dict[str, list[int]]:
        return {"input_ids": [int(i) for i in self.encode(text)]}

    def decode(self, ids: Sequence[int], skip_special_tokens: bool = True) -> str:
        return self._decode([int(i) for i in ids if not (skip_special_tokens and i == self.eos_token_id)])


class TorchEngine:
    """Token-by-token decoding of a plain PyTorch model; see the module docstring."""

    name = "torch"

    def __init__(self, model, tokenizer: CallableTokenizer, *, max_len: int | None = None, batch_size: int = 64,
                 device=None, model_id: str | None = None):
        try:
            import torch
        except ImportError:
            raise MissingDependency("torch", "torch") from None
        if not callable(getattr(tokenizer, "decode", None)) or not callable(tokenizer):
            raise LabrailsError("TorchEngine needs a tokenizer with encode and decode",
                                fix="wrap your functions: labrails.llm.CallableTokenizer(encode, decode)")
        if batch_size < 1:
            raise LabrailsError(f"batch_size must be at least 1, got {batch_size}", fix="e.g. batch_size=64")
        first = next(iter(model.parameters()), None) if hasattr(model, "parameters") else None
        if device is None:
            device = first.device if first is not None else "cpu"
        self.device = torch.device(device)
        self.dtype = str(first.dtype).removeprefix("torch.") if first is not None else None
        self.model, self.tokenizer, self.batch_size, self.context = model, tokenizer, batch_size, max_len
        self.model_id = model_id or type(model).__name__
        self.incremental = _takes_cache(model)
        self.max_model_len: int | None = max_len
        self._prompts_done = 0  # offsets the sampling seed, so chunks do not replay one random stream

    def prepare(self, longest_prompt: int, sampling: Sampling) -> None:
        if self.context is not None and longest_prompt >= self.context:
            raise LabrailsError(f"a prompt of {longest_prompt} tokens leaves no room in the model's context of "
                                f"{self.context}", fix="shorten the prompts or build the model with a longer context")
        wanted = longest_prompt + sampling.max_new_tokens
        self.max_model_len = wanted if self.context is None else min(wanted, self.context)

    def describe(self) -> dict[str, Any]:
        return {"engine": "torch", "engine_version": _version("torch"), "model": self.model_id, "dtype": self.dtype,
                "device": str(self.device), "max_model_len": self.max_model_len, "kv_cache": self.incremental}

    def generate(self, prompts: list[list[int]], sampling: Sampling) -> list[Completion]:
        import torch

        out: list[Completion | None] = [None] * len(prompts)
        by_length: dict[int, list[int]] = {}
        for i, p in enumerate(prompts):  # one length per batch: no padding for the model to get wrong
            by_length.setdefault(len(p), []).append(i)
        sampler = torch.Generator(device=self.device).manual_seed(sampling.seed + self._prompts_done)
        was_training = getattr(self.model, "training", False)
        if hasattr(self.model, "eval"):
            self.model.eval()
        try:
            with torch.no_grad():
                for rows in by_length.values():
                    for start in range(0, len(rows), self.batch_size):
                        batch = rows[start:start + self.batch_size]
                        done = self._decode_batch([prompts[i] for i in batch], sampling, sampler)
                        for i, completion in zip(batch, done, strict=True):
                            out[i] = completion
        finally:
            if was_training:
                self.model.train()
        self._prompts_done += len(prompts)
        return out  # type: ignore[return-value]

    def _decode_batch(self, prompts: list[list[int]], sampling: Sampling, sampler) -> list[Completion]:
        import torch

        length = len(prompts[0])
        limit = sampling.max_new_tokens if self.context is None else min(sampling.max_new_tokens, self.context - length)
        new: list[list[int]] = [[] for _ in prompts]
        reason: list[str | None] = [None] * len(prompts)
        # With a cache the model keeps every row to the end (its cache cannot drop one); without, finished
        # rows leave the batch.
        cache: dict | None = {} if self.incremental else None
        computed = list(range(len(prompts)))
        seqs = torch.tensor(prompts, dtype=torch.long, device=self.device)
        logits = self._last_logits(seqs, cache) if limit > 0 else None
        for step in range(max(limit, 0)):
            nxt = self._pick(logits, sampling, sampler)
            for row, token in zip(computed, nxt.tolist(), strict=True):
                if reason[row] is None:
                    new[row].append(token)
                    if token == self.tokenizer.eos_token_id or self._stopped(new[row], sampling.stop):
                        reason[row] = "stop"
            if step == limit - 1 or all(reason):
                break
            if cache is not None:
                logits = self._last_logits(nxt[:, None], cache)
                continue
            keep = [at for at, row in enumerate(computed) if reason[row] is None]
            seqs = torch.cat([seqs, nxt[:, None]], dim=1)[keep]
            computed = [computed[at] for at in keep]
            logits = self._last_logits(seqs, None)
        completions = []
        for p, tokens, why in zip(prompts, new, reason, strict=True):
            ended_by_eos = why == "stop" and tokens[-1] == self.tokenizer.eos_token_id
            text = self.tokenizer.decode(tokens[:-1] if ended_by_eos else tokens)
            text, _ = _cut_at_stop(text, sampling.stop)
            completions.append(Completion(text, why or "length", len(p), len(tokens)))
        return completions

    def _last_logits(self, ids, cache: dict | None):
        out = self.model(ids) if cache is None else self.model(ids, cache=cache)
        return (out.logits if hasattr(out, "logits") else out)[:, -1].float()

    @staticmethod
    def _pick(logits, sampling: Sampling, sampler):
        import torch

        if sampling.temperature <= 0:
            return logits.argmax(-1)
        probs = torch.softmax(logits / sampling.temperature, dim=-1)
        if sampling.top_p < 1.0:
            ordered, index = probs.sort(dim=-1, descending=True)
            # keep the smallest set of tokens whose mass reaches top_p (the most likely one always stays)
            outside = ordered.cumsum(-1) - ordered >= sampling.top_p
            probs = torch.zeros_like(probs).scatter(-1, index, ordered.masked_fill(outside, 0.0))
        return torch.multinomial(probs, 1, generator=sampler)[:, 0]

    def _stopped(self, tokens: list[int], stop: list[str]) -> bool:
        if not stop:
            return False
        text = self.tokenizer.decode(tokens)
        return any(s and s in text for s in stop)


def _takes_cache(model) -> bool:
    try:
        return "cache" in inspect.signature(getattr(model, "forward", model)).parameters
    except (TypeError, ValueError):  # a builtin or C-extension callable: no signature to read
        return False
