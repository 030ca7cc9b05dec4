"""Preflight: the silent failures of fine-tuning, found before the first step and reported with numbers.

Each check looks at the model, the tokenizer, the arguments and the first batches the Trainer will
actually see (drawn through its data loader and collator, with the random state restored afterwards):

| check | severity | what it finds |
|---|---|---|
| pad-is-eos | warning | ``pad_token == eos_token``: collators mask padding out of the labels, so EOS is never a target |
| padding | warning | more than half of the tokens in a batch are padding (compute spent on nothing) |
| truncation | warning | more than 5% of the examples are cut at ``max_length`` |
| position-limit | blocker | ``max_length`` above the model's position embeddings |
| device-map | blocker/warning | a model loaded with ``device_map`` (e.g. "auto") being trained |
| vocab-range | blocker | token ids at or above the embedding size (or negative) |
| one-class | warning/blocker | every label in the first batches (or the whole training set) is one class |
| effective-batch | note/warning | per-device x accumulation x world size, and where it differs from config's ``hf.effective_batch_size`` |

Findings go to run.json (``preflight``), train.log and the review. A blocker stops a run of any profile
but de-risk before its first step (``LabrailsError``); a de-risk run carries on so the whole path can be
seen, and its review fails.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from labrails.core.errors import LabrailsError
from labrails.core.runinfo import write_run_json

if TYPE_CHECKING:
    from labrails.tracking.run import Run

PADDING_WARN = 0.5
TRUNCATION_WARN = 0.05
FIRST_BATCHES = 4


def finding(check: str, severity: str, message: str, **numbers: Any) -> dict[str, Any]:
    return {"check": check, "severity": severity, "message": message, "numbers": numbers}


# ----------------------------------------------------------------------------------------- the checks
def check_pad_is_eos(tokenizer, batches) -> list[dict]:
    pad, eos = getattr(tokenizer, "pad_token_id", None), getattr(tokenizer, "eos_token_id", None)
    if pad is None or eos is None or pad != eos:
        return []
    real_eos = sum(int(((b["input_ids"] == eos) & _mask(b).bool()).sum()) for b in batches)
    masked = sum(int(((b["input_ids"] == eos) & (b["labels"] == -100)).sum()) for b in batches
                 if "labels" in b and b["labels"].shape == b["input_ids"].shape)
    rows = sum(len(b["input_ids"]) for b in batches)
    return [finding(
        "pad-is-eos", "warning",
        f"pad_token is eos_token ({tokenizer.eos_token!r}, id {eos}): {real_eos} real EOS token(s) in the first {rows} "
        f"examples look like padding, {masked} of them with their label masked (-100); a causal LM trained so never "
        "learns to stop, and last-token classifiers pool at the first EOS. Add a pad token "
        "(tokenizer.add_special_tokens({'pad_token': '<pad>'}); model.resize_token_embeddings(len(tokenizer)))",
        pad_token_id=pad, eos_token_id=eos, real_eos_tokens=real_eos, eos_labels_masked=masked, examples=rows)]


def check_lengths(model, batches, texts, tokenizer) -> list[dict]:
    import torch

    out = []
    width = max(int(b["input_ids"].shape[1]) for b in batches)
    real = torch.cat([_mask(b).sum(1) for b in batches]).float()
    total = sum(int(b["input_ids"].numel()) for b in batches)
    pad_share = 1 - float(real.sum()) / max(total, 1)
    p50, p95 = (float(real.quantile(q)) for q in (0.5, 0.95))
    numbers = dict(padding_share=round(pad_share, 4), tokens=total, padded_length=width, length_p50=p50,
                   length_p95=p95, length_max=float(real.max()))
    if pad_share > PADDING_WARN:
        out.append(finding(
            "padding", "warning",
            f"{pad_share:.0%} of the tokens in the first batches are padding (batches {width} wide, real lengths median "
            f"{p50:.0f}, p95 {p95:.0f}, max {real.max():.0f}): each step computes {1 / max(1 - pad_share, 1e-9):.1f}x the "
            f"tokens it learns from. Pad to the longest in the batch (DataCollatorWithPadding) or set max_length near "
            f"the p95 ({p95:.0f})", **numbers))
    limit = position_limit(model)
    if limit is not None and width > limit:
        out.append(finding("position-limit", "blocker",
                           f"batches are {width} tokens wide but the model has {limit} positions: positions past {limit} "
                           "index outside the position table (a crash, or on GPU a device-side assert). "
                           f"Set max_length <= {limit}", padded_length=width, position_limit=limit))
    if texts is not None and tokenizer is not None:
        full = [len(ids) for ids in tokenizer(list(texts), add_special_tokens=True, truncation=False)["input_ids"]]
        cut = sum(n > width for n in full)
        share, how = cut / max(len(full), 1), f"of {len(full)} examples are longer than {width} tokens and get cut"
    elif all(int(_mask(b).sum(1).max()) == b["input_ids"].shape[1] for b in batches):
        # Padded to the longest in each batch: some row always fills it, so filling says nothing about cutting.
        cut, share, how = 0, 0.0, ""
    else:  # padded to a fixed length: a row that fills the whole window is the best sign it was cut
        cut = int((real >= width).sum())
        share, how = cut / max(len(real), 1), f"of the first {len(real)} examples fill all {width} positions (likely cut)"
    numbers.update(truncated=cut, truncated_share=round(share, 4))
    if share > TRUNCATION_WARN:
        out.append(finding("truncation", "warning",
                           f"{cut} ({share:.0%}) {how}: the end of each (often the answer or label) is lost. Raise "
                           "max_length or shorten the inputs", truncated=cut, truncated_share=round(share, 4),
                           max_length=width))
    out.append(finding("lengths", "note",
                       f"first batches: {pad_share:.0%} padding, lengths median {p50:.0f}, p95 {p95:.0f}, "
                       f"max {real.max():.0f} of {width}; {cut} truncated", **numbers))
    return out


def check_device_map(model, training: bool = True) -> list[dict]:
    device_map = getattr(model, "hf_device_map", None)
    if not device_map or not training:
        return []
    devices = sorted({str(d) for d in device_map.values()})
    severity = "blocker" if len(devices) > 1 or any(d in ("disk", "meta") for d in devices) else "warning"
    return [finding("device-map", severity,
                    f"the model was loaded with a device_map (e.g. device_map='auto'; {len(device_map)} module(s) on "
                    f"{', '.join(devices)}) and is being trained: layers run one device at a time, offloaded weights do "
                    "not train, and data parallelism is off. Load it without device_map and let the Trainer place it",
                    devices=devices, modules=len(device_map))]


def check_vocab_range(model, batches) -> list[dict]:
    size = model.get_input_embeddings().num_embeddings
    ids = [b["input_ids"] for b in batches]
    high = max(int(i.max()) for i in ids)
    low = min(int(i.min()) for i in ids)
    bad = sum(int(((i >= size) | (i < 0)).sum()) for i in ids)
    if not bad:
        return []
    return [finding("vocab-range", "blocker",
                    f"{bad} token id(s) in the first batches are outside the embedding table (ids {low}..{high}, "
                    f"table size {size}): a crash on CPU, a device-side assert on GPU. After adding tokens, call "
                    "model.resize_token_embeddings(len(tokenizer))", out_of_range=bad, max_id=high, min_id=low,
                    embedding_size=size)]


def check_one_class(batches, dataset) -> list[dict]:
    labels = [b["labels"] for b in batches if "labels" in b and b["labels"].dim() == 1]
    if not labels:
        return []
    import torch

    seen = torch.cat(labels)
    seen = seen[seen != -100]
    whole = _dataset_labels(dataset)
    if whole is not None and len(set(whole)) == 1 and len(whole) > 1:
        return [finding("one-class", "blocker", f"all {len(whole)} training labels are {whole[0]!r}: nothing to learn",
                        classes=1, examples=len(whole))]
    if len(seen) > 1 and len(torch.unique(seen)) == 1:
        classes = len(set(whole)) if whole is not None else None
        return [finding("one-class", "warning",
                        f"all {len(seen)} labels in the first {len(labels)} batches are {int(seen[0])}"
                        + (f" though the training set has {classes} classes" if classes else "")
                        + ": the data is in label order (sorted or grouped) and not shuffled; the first steps learn a "
                        "constant. Shuffle (train_sampling_strategy='random', the default, or shuffle the dataset)",
                        first_labels=len(seen), label=int(seen[0]), classes_in_training_set=classes)]
    return []


def check_effective_batch(run: Run, args) -> list[dict]:
    from labrails.hf.callback import effective_batch

    b = effective_batch(args)
    expected = (run.config.get("hf") or {}).get("effective_batch_size")
    text = (f"effective batch {b['effective']} = {b['per_device']} per device x {b['accumulation']} accumulation "
            f"x {b['world_size']} process(es)")
    if expected is not None and int(expected) != b["effective"]:
        return [finding("effective-batch", "warning",
                        f"{text}, but config.yaml's hf.effective_batch_size is {expected}: the learning rate and the "
                        "number of optimizer steps were tuned for another batch. Change gradient_accumulation_steps "
                        "or the per-device batch so the product matches", expected=int(expected), **b)]
    severity = "warning" if b["world_size"] > 1 and expected is None else "note"
    tail = ("; it grows with the number of processes: declare hf.effective_batch_size to pin it" if severity == "warning"
            else "")
    return [finding("effective-batch", severity, text + tail, **b)]


# ----------------------------------------------------------------------------------------- helpers
def position_limit(model) -> int | None:
    config = getattr(model, "config", None)
    for name in ("max_position_embeddings", "n_positions", "max_sequence_length"):
        value = getattr(config, name, None)
        if isinstance(value, int) and value > 0:
            return value
    return None


def _mask(batch):
    import torch

    if "attention_mask" in batch:
        return batch["attention_mask"]
    return torch.ones_like(batch["input_ids"])


def _dataset_labels(dataset) -> list | None:
    try:
        n = len(dataset)
    except TypeError:
        return None
    out = []
    for i in range(min(n, 10_000)):
        row = dataset[i]
        label = row.get("labels", row.get("label")) if isinstance(row, dict) else None
        if label is None or hasattr(label, "__len__") and not isinstance(label, str):
            if hasattr(label, "dim") and label.dim() == 0:
                label = int(label)
            else:
                return None
        out.append(label)
    return out


def first_batches(loader, n: int = FIRST_BATCHES) -> list[dict]:
    """The first ``n`` batches of ``loader``, leaving torch's random state as it was (training is unchanged)."""
    import torch

    state = torch.random.get_rng_state()
    try:
        batches = []
        for batch in loader:
            batches.append({k: v for k, v in batch.items() if hasattr(v, "dim")})
            if len(batches) >= n:
                break
    finally:
        torch.random.set_rng_state(state)
    return batches


def default_loader(dataset, tokenizer, args, collator=None):
    """A data loader like the Trainer's: its batch size, its default collator, shuffled unless sequential."""
    import torch
    from transformers import DataCollatorWithPadding, default_data_collator

    if collator is None:
        collator = DataCollatorWithPadding(tokenizer) if tokenizer is not None else default_data_collator
    shuffle = getattr(args, "train_sampling_strategy", "random") == "random" and hasattr(dataset, "__len__")
    generator = torch.Generator().manual_seed(int(args.seed))
    return torch.utils.data.DataLoader(dataset, batch_size=args.per_device_train_batch_size, shuffle=shuffle,
                                       collate_fn=collator, generator=generator if shuffle else None)


# ----------------------------------------------------------------------------------------- entry point
def preflight(run: Run, model, tokenizer, train_dataset, args, *, collator=None, loader=None, texts=None,
              n_batches: int = FIRST_BATCHES) -> list[dict[str, Any]]:
    """Run every check; record the findings in run.json (``preflight``) and train.log; return them.

    ``loader``: the Trainer's own train data loader (``attach`` passes it); otherwise one is built like the
    Trainer's from ``train_dataset``, ``args`` and ``collator``. ``texts``: the untokenized training texts,
    for an exact truncation count. Blockers raise ``LabrailsError`` unless the run is a de-risk run.
    """
    loader = loader if loader is not None else default_loader(train_dataset, tokenizer, args, collator)
    batches = first_batches(loader, n_batches)
    if not batches or not all("input_ids" in b for b in batches):
        raise LabrailsError("preflight needs batches with input_ids; the training data gave none",
                            fix="tokenize the dataset (input_ids, attention_mask, labels) before building the Trainer")
    findings = [
        *check_pad_is_eos(tokenizer, batches), *check_lengths(model, batches, texts, tokenizer),
        *check_device_map(model), *check_vocab_range(model, batches), *check_one_class(batches, train_dataset),
        *check_effective_batch(run, args),
    ]
    run.info["preflight"] = findings
    write_run_json(run.dir, run.info)
    for f in findings:
        log = run.log.warning if f["severity"] in ("blocker", "warning") else run.log.info
        log(f"preflight [{f['severity']}] {f['check']}: {f['message']}")
    blockers = [f for f in findings if f["severity"] == "blocker"]
    if blockers and run.profile != "de-risk":
        raise LabrailsError(f"preflight found {len(blockers)} blocker(s) before the first step: "
                            + "; ".join(f"{f['check']}: {f['message']}" for f in blockers),
                            fix="fix them (each message says how), then de-risk again")
    return findings
