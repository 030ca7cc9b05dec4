"""``generate``: batch inference for an evaluation run, logged, parsed and drilled into.

```python
result = labrails.llm.generate(
    run, engine, records,                       # records: dicts (or a DataFrame), one per input
    template=lambda r: [{"role": "user", "content": f"Word: {r['word']}"}],   # chat messages, or a str
    parse=lambda text: text.strip() if text.strip() in ("positive", "negative") else None,
    ids="id", ground_truth="label", max_new_tokens=8,
)
result.metrics["accuracy"], result.parse_failures, result.truncated
```

What it does, in order:
1. renders each record with the tokenizer's chat template (``tokenize=False``) and keeps that exact text as
   the logged input (``input_text``); tokenizes it once, so both engines see the same ids;
2. orders the prompts so shared prefixes are adjacent (a sort on the token ids: prefix caching reuses them),
   generates in chunks with a progress line after each (n/total, prompts/s, ETA, parse failures and
   truncations so far), then restores the original order;
3. keeps every raw output with its ``finish_reason``, flags truncations (``length``), parses each output with
   ``parse`` (``None`` = a parse failure, kept with its raw text), and writes the drill-down under eval/
   (predictions.parquet, raw_outputs.parquet with input_text, one INPUT/OUTPUT/METADATA file per input,
   worst group first) plus eval/generation.json (lengths, truncations, the engine);
4. records the model, engine and version, sampling parameters and ``max_model_len`` in run.json (``llm``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Sequence

from labrails.core.errors import LabrailsError
from labrails.core.fsutil import write_json
from labrails.core.runinfo import write_run_json
from labrails.llm.engines import Completion, Sampling

if TYPE_CHECKING:
    from labrails.tracking.run import Run

Template = Callable[[dict], "list[dict[str, str]] | str"] | str


@dataclass
class Result:
    """What ``generate`` produced, in the records' order."""

    input_text: list[str]
    raw_output: list[str]
    finish_reason: list[str]
    prediction: list[Any]
    parse_ok: list[bool]
    prompt_tokens: list[int]
    output_tokens: list[int]
    metrics: dict[str, Any]
    seconds: float

    @property
    def parse_failures(self) -> int:
        return sum(not ok for ok in self.parse_ok)

    @property
    def truncated(self) -> int:
        return sum(r == "length" for r in self.finish_reason)


def _rows(records) -> list[dict]:
    if hasattr(records, "to_dict") and hasattr(records, "columns"):
        return records.to_dict("records")
    rows = list(records)
    if rows and not isinstance(rows[0], dict):
        raise LabrailsError(f"records must be dicts (or a DataFrame), got {type(rows[0]).__name__}",
                            fix="pass [{'text': ...}, ...] or a pandas DataFrame")
    return rows


def render(tokenizer, record: dict, template: Template) -> str:
    """The exact prompt text: the template's messages through the chat template, or a plain string."""
    if isinstance(template, str):
        try:
            return template.format(**record)
        except KeyError as exc:
            raise LabrailsError(f"template names {exc} but a record has no such field",
                                fix=f"use one of the record's fields: {', '.join(record)}") from None
    made = template(record)
    if isinstance(made, str):
        return made
    if getattr(tokenizer, "chat_template", None) is None:
        raise LabrailsError("the template returned chat messages but the tokenizer has no chat template",
                            fix="return a plain string from the template, or use a tokenizer with a chat_template")
    return tokenizer.apply_chat_template(made, tokenize=False, add_generation_prompt=True)


def prefix_order(token_ids: Sequence[Sequence[int]]) -> list[int]:
    """Indices that put prompts sharing a prefix next to each other (lexicographic on token ids)."""
    return sorted(range(len(token_ids)), key=lambda i: tuple(token_ids[i]))


def _column(rows: list[dict], spec, default=None) -> list | None:
    if spec is None:
        return default
    if isinstance(spec, str):
        missing = [i for i, r in enumerate(rows) if spec not in r]
        if missing:
            raise LabrailsError(f"record {missing[0]} has no field {spec!r}", fix=f"give every record a {spec!r} field")
        return [r[spec] for r in rows]
    values = list(spec)
    if len(values) != len(rows):
        raise LabrailsError(f"{len(values)} values for {len(rows)} records", fix="give one value per record")
    return values


def _run_chunks(run: Run, engine, ids: list[list[int]], order: list[int], sampling: Sampling, parse, chunk_size: int):
    """Generate in prefix order, chunk by chunk, logging progress; return completions and parses by record index."""
    total = len(ids)
    done: dict[int, Completion] = {}
    parsed: dict[int, Any] = {}
    failures = truncated = 0
    started = time.monotonic()
    for first in range(0, total, chunk_size):
        chunk = order[first:first + chunk_size]
        for i, completion in zip(chunk, engine.generate([ids[i] for i in chunk], sampling), strict=True):
            done[i] = completion
            try:
                parsed[i] = parse(completion.text)
            except Exception as exc:  # the user's parser failing on one output is a parse failure, not a crash
                run.log.debug(f"parse raised {type(exc).__name__}: {exc} on {completion.text[:80]!r}")
                parsed[i] = None
            failures += parsed[i] is None
            truncated += completion.finish_reason == "length"
        n, took = len(done), time.monotonic() - started
        rate = n / max(took, 1e-9)
        run.log.info(f"generated {n}/{total} ({rate:.1f} prompts/s, ETA {(total - n) / rate:.0f} s), "
                     f"parse failures so far {failures}, truncated {truncated}")
    return done, parsed, time.monotonic() - started


def generate(run: Run, engine, records, *, template: Template, parse: Callable[[str], Any], ids=None,
             ground_truth=None, group=None, input_id: str = "prompt", max_new_tokens: int = 64,
             temperature: float = 0.0, top_p: float = 1.0, stop: Sequence[str] = (), seed: int | None = None,
             chunk_size: int = 256, task: str = "classification", valid_labels: Sequence[Any] | None = None,
             valid_range: tuple[float, float] | None = None, write: bool = True) -> Result:
    """Generate one answer per record, parse it, and write the drill-down; see the module docstring.

    ``ids``, ``ground_truth``, ``group``: a record field name or one value per record (``ids`` defaults to
    the record's position). ``valid_labels``/``valid_range``: what a parsed prediction may be; the review
    counts what falls outside. ``write=False`` returns the result without writing the drill-down.
    """
    rows = _rows(records)
    if not rows:
        raise LabrailsError("generate got no records", fix="pass at least one record")
    if chunk_size < 1:
        raise LabrailsError(f"chunk_size must be at least 1, got {chunk_size}", fix="e.g. chunk_size=256")
    sampling = Sampling(max_new_tokens=max_new_tokens, temperature=temperature, top_p=top_p, stop=list(stop),
                        seed=run.config.get("seed", 0) if seed is None else seed)
    tokenizer = engine.tokenizer
    texts = [render(tokenizer, r, template) for r in rows]
    token_ids = [tokenizer(t, add_special_tokens=False)["input_ids"] for t in texts]
    engine.prepare(max(map(len, token_ids)), sampling)
    record_engine(run, engine, sampling, n=len(rows))
    order = prefix_order(token_ids)
    run.log.info(f"generating {len(rows)} answers with {engine.name} ({engine.model_id}), {chunk_size} per chunk, "
                 f"prompts {min(map(len, token_ids))}-{max(map(len, token_ids))} tokens, max {max_new_tokens} new")
    done, parsed, seconds = _run_chunks(run, engine, token_ids, order, sampling, parse, chunk_size)
    n = len(rows)
    completions = [done[i] for i in range(n)]
    result = Result(
        input_text=texts, raw_output=[c.text for c in completions], finish_reason=[c.finish_reason for c in completions],
        prediction=[parsed[i] for i in range(n)], parse_ok=[parsed[i] is not None for i in range(n)],
        prompt_tokens=[c.prompt_tokens for c in completions], output_tokens=[c.output_tokens for c in completions],
        metrics={}, seconds=seconds)
    if write:
        write_outputs(run, result, rows, ids=ids, ground_truth=ground_truth, group=group, input_id=input_id,
                      task=task, valid_labels=valid_labels, valid_range=valid_range, engine=engine)
    return result


def record_engine(run: Run, engine, sampling: Sampling, *, n: int) -> None:
    run.info["llm"] = {**engine.describe(), "sampling": sampling.as_dict(), "n_prompts": n}
    write_run_json(run.dir, run.info)


def write_outputs(run: Run, result: Result, rows: list[dict], *, ids, ground_truth, group, input_id, task,
                  valid_labels, valid_range, engine) -> None:
    from labrails.tracking.predictions import write_predictions

    n = len(rows)
    truth = _column(rows, ground_truth, [None] * n)
    extra: dict[str, list] = {}
    if valid_range is not None:
        extra = {"valid_min": [valid_range[0]] * n, "valid_max": [valid_range[1]] * n}
    if valid_labels is not None:
        allowed = set(valid_labels)
        extra["valid_label"] = [p is None or p in allowed for p in result.prediction]
    summary = write_predictions(
        run, task=task, sample_ids=_column(rows, ids, list(range(n))), ground_truth=truth, prediction=result.prediction,
        group=_column(rows, group), input_id=[input_id] * n, input_text=result.input_text, raw_output=result.raw_output,
        parse_ok=result.parse_ok, finish_reason=result.finish_reason, truncated=[r == "length" for r in result.finish_reason],
        prompt_tokens=result.prompt_tokens, output_tokens=result.output_tokens, **extra)
    _add_to_raw_outputs(run.dir / "eval" / "raw_outputs.parquet", result)
    lengths = sorted(result.prompt_tokens)
    info = run.info.get("llm", {})
    generation = {
        "n": n, "seconds": round(result.seconds, 3), "prompts_per_s": round(n / max(result.seconds, 1e-9), 2),
        "truncated": result.truncated, "parse_failures": result.parse_failures,
        "prompt_tokens": {"min": lengths[0], "p50": lengths[n // 2], "p95": lengths[min(n - 1, int(0.95 * n))],
                          "max": lengths[-1]},
        "max_model_len": info.get("max_model_len"), "max_new_tokens": info.get("sampling", {}).get("max_new_tokens"),
        "valid_labels": list(valid_labels) if valid_labels is not None else None,
        "engine": engine.name, "model": engine.model_id,
    }
    write_json(run.dir / "eval" / "generation.json", generation)
    result.metrics = dict(summary.metrics)
    run.info["llm"].update(truncated=result.truncated, parse_failures=result.parse_failures,
                           seconds=generation["seconds"])
    write_run_json(run.dir, run.info)


def _add_to_raw_outputs(path, result: Result) -> None:
    """raw_outputs.parquet keeps each output's finish_reason and token counts beside its text (rows are in the
    records' order, as the drill-down wrote them)."""
    import pandas as pd

    raw = pd.read_parquet(path)
    raw["finish_reason"] = result.finish_reason
    raw["prompt_tokens"] = result.prompt_tokens
    raw["output_tokens"] = result.output_tokens
    tmp = path.with_suffix(".parquet.tmp")
    raw.to_parquet(tmp, index=False)
    tmp.replace(path)
