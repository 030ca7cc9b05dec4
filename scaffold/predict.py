#!/usr/bin/env -S uv run --script
# /// script
# requires-python = ">=3.11"
# dependencies = [
#     "labrails",
#     "torch>=2.3",
#     "scikit-learn>=1.3",
#     "numpy>=1.26",
#     "pandas>=2.0",
#     "typer>=0.12",
# ]
# ///
"""Ask a tiny language model which cultivar a wine comes from, and read its free-text answers.

    uv run predict.py de-risk    # ~15 s on a laptop CPU: half the training split, 120 small steps
    uv run predict.py full       # the real run: every training wine, early stopping on val loss

The workflow of an LLM evaluation, small enough for a CPU: each wine of scikit-learn's bundled wine data
(178 wines, 3 cultivars, 13 measurements; nothing is downloaded) becomes a templated text prompt; a
character-level transformer, trained here from scratch on "prompt -> Answer: <cultivar>" strings, writes
an answer after each test prompt (greedy decoding); a regex reads the cultivar out of that text. An answer
the regex cannot read is a parse failure: it is kept with its raw text, counted, and scored as wrong.
The answers come from labrails.llm.generate with a TorchEngine (this model, its encode/decode functions):
chunks with progress lines, raw outputs with their finish_reason (stop: the answer line ended; length: cut
at generate.max_new_tokens), the drill-down under eval/ (worst group first) and the LLM review checks.

Setting it up (the experiment's config.yaml holds this script's profiles):

    labrails new wine-llm --template wine-llm --hypothesis "a tiny char LM names the cultivar of >= 85% of test wines" \\
        --success "test_accuracy >= 0.85"
    cd wine-llm && uv run predict.py de-risk

Config: the experiment's config.yaml (shipped as scaffold/predict_config.yaml). This file reads top to bottom:
the script's fixed choices, the pieces (data and prompts, model, training, generation and parsing, test),
then main(), which runs them in order: run -> data -> model -> training loop -> test -> outputs and review.
"""

from __future__ import annotations

import math
import re
import string
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import typer

import labrails

# -----------------------------------------------------------------------------
# Fixed choices. The knobs a run may change live in config.yaml (sections data, model, optim, train,
# generate), where a profile or a sweep can override them and the run's identity records them; what is
# here is part of the code, so changing it changes the run's code version.
# I/O
HERE = Path(__file__).resolve().parent      # the experiment: config.yaml, the split file, runs/
DATA_SOURCE = "sklearn.datasets.load_wine"  # recorded in data.json; spec.yaml names the same source
TEMPLATE = "wine-v1"                        # the input_id of every generation in the drill-down
# data: (name in the prompt, fixed-width format). Every prompt gets the same layout, so each measurement
# sits at the same character position: a model this small learns far faster when it need not search for it.
MEASUREMENTS = (
    ("alcohol", "5.2f"), ("malic_acid", "4.2f"), ("ash", "4.2f"), ("alcalinity", "4.1f"), ("magnesium", "3.0f"),
    ("phenols", "4.2f"), ("flavanoids", "4.2f"), ("nonflavanoid", "4.2f"), ("proanthocyanins", "4.2f"),
    ("color", "5.2f"), ("hue", "4.2f"), ("od280", "4.2f"), ("proline", "4.0f"),
)
ANSWER = re.compile(r"Answer:\s*(\w+)")    # what the parser reads out of a generation
STOP = "\n"                                 # an answer is one line: generation stops at its end
# model: a GPT-style decoder over characters. The vocabulary is fixed in advance (printable ASCII), so
# the model can write anything, including answers that do not parse.
PAD = "\x00"
VOCAB = PAD + "".join(sorted(set(string.printable) - set("\t\r\x0b\x0c")))
STOI = {c: i for i, c in enumerate(VOCAB)}
# optimizer and training
GRAD_CLIP = 1.0                             # max gradient norm per step: one bad batch cannot undo training
MIN_IMPROVEMENT = 1e-4                      # a val loss must beat the best by this much to count
# system: config.yaml's train.device ("auto" takes a GPU when there is one) and train.threads (torch CPU threads)

app = typer.Typer(add_completion=False)


# -----------------------------------------------------------------------------
# data and prompts: one wine is one unit of independence, so the split is per wine, stratified by
# cultivar, saved once to the split file and reused by every later run.

def load_wine_table():
    from sklearn.datasets import load_wine

    wine = load_wine()
    ids = np.arange(len(wine.target))  # stable ids: row numbers of the bundled dataset
    return wine.data, wine.target.astype(np.int64), ids, [str(n) for n in wine.target_names]


def render_prompt(measurements) -> str:
    values = " ".join(f"{name}={value:{fmt}}" for (name, fmt), value in zip(MEASUREMENTS, measurements, strict=True))
    return f"Wine: {values}\nWhich cultivar?\n"


def render_answer(label: str) -> str:
    return f"Answer: {label}\n"


def parse_answer(generation: str, classes) -> str | None:
    """The cultivar named after 'Answer:', or None when there is none or it is not a known cultivar."""
    found = ANSWER.search(generation)
    return found.group(1) if found and found.group(1) in classes else None


def load_or_make_split(cfg, y, ids):
    path = HERE / cfg["data"]["split_file"]
    if not path.exists():
        import pandas as pd

        table = pd.DataFrame({"id": ids, "label": y})
        split = labrails.split.make_split(
            table, id_col="id", strategy="stratified", label_col="label",
            test_size=cfg["data"]["test_fraction"], val_size=cfg["data"]["val_fraction"], seed=cfg["seed"],
        )
        labrails.split.save_split(split, path)
    split = labrails.split.load_split(path)
    return path, {part: np.asarray(split[part], dtype=np.int64) for part in ("train", "val", "test")}


def stratified_subset(train_ids, y, fraction, seed):
    """A representative subset: the same share of every cultivar, not the first N rows (the bundled data
    is sorted by cultivar, so the first rows are all class_0)."""
    if fraction >= 1.0:
        return train_ids
    from sklearn.model_selection import train_test_split

    kept, _ = train_test_split(train_ids, train_size=fraction, stratify=y[train_ids], random_state=seed)
    return np.sort(kept)


class Data(NamedTuple):
    """Prompts, answers and cultivar names of each part of the split; ``prompts`` holds every wine's."""

    prompts: list[str]
    train_ids: np.ndarray
    tr_p: list[str]
    tr_a: list[str]
    va_p: list[str]
    va_a: list[str]
    va_y: list[str]
    test_ids: np.ndarray
    te_p: list[str]
    te_y: list[str]
    classes: list[str]


def to_prompts(X, y, classes, train_ids, split):
    prompts = [render_prompt(x) for x in X]
    answers = [render_answer(classes[c]) for c in y]

    def pick(rows):
        return [prompts[i] for i in rows], [answers[i] for i in rows], [classes[y[i]] for i in rows]

    (tr_p, tr_a, _), (va_p, va_a, va_y), (te_p, _, te_y) = pick(train_ids), pick(split["val"]), pick(split["test"])
    return Data(prompts, train_ids, tr_p, tr_a, va_p, va_a, va_y, split["test"], te_p, te_y, classes)


def record_data(run, cfg, X, y, data, split_path):
    """data.json: where the data came from, its fingerprint, and what each split holds."""
    fraction = cfg["data"]["train_fraction_used"]
    run.record_data(
        source=DATA_SOURCE, fingerprint_of=(X, y),
        rows={"train": len(data.train_ids), "val": len(data.va_p), "test": len(data.test_ids)},
        class_counts={data.classes[c]: int(n) for c, n in zip(*np.unique(y[data.train_ids], return_counts=True))},
        subset=None if fraction >= 1 else f"stratified {fraction:.0%} of the training split",
        split_file=split_path,
    )


# -----------------------------------------------------------------------------
# model: a GPT-style decoder over characters.

def encode(text: str) -> list[int]:
    return [STOI[c] for c in text]


def decode(codes) -> str:
    return "".join("<pad>" if c == 0 else VOCAB[c] for c in codes)


class Block(nn.Module):
    """Pre-norm causal self-attention + MLP. ``cache`` keeps the keys and values already computed, so
    generating one more character costs one position, not the whole prompt again."""

    def __init__(self, d_model: int, heads: int, dropout: float):
        super().__init__()
        self.heads = heads
        self.norm1, self.norm2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(), nn.Linear(4 * d_model, d_model))
        self.drop = nn.Dropout(dropout)

    def forward(self, h, cache: dict | None = None):
        b, t, d = h.shape
        q, k, v = (z.view(b, t, self.heads, d // self.heads).transpose(1, 2) for z in self.qkv(self.norm1(h)).split(d, dim=2))
        fresh = cache is None or "k" not in cache
        if not fresh:
            k, v = torch.cat([cache["k"], k], dim=2), torch.cat([cache["v"], v], dim=2)
        if cache is not None:
            cache["k"], cache["v"] = k, v
        # A fresh sequence attends causally; one new position after the cache may see all of it.
        att = F.scaled_dot_product_attention(q, k, v, is_causal=fresh and t > 1)
        h = h + self.drop(self.proj(att.transpose(1, 2).reshape(b, t, d)))
        return h + self.drop(self.mlp(self.norm2(h)))


class CharLM(nn.Module):
    """Characters in, next-character logits out: codes [batch, length] -> logits [batch, length, vocabulary].

    With ``cache`` (a dict, empty for a new batch: the form labrails.llm.TorchEngine passes) the model keeps
    each layer's keys and values and the length so far, so a later call gives only the new characters."""

    def __init__(self, max_len: int, d_model: int, layers: int, heads: int, dropout: float):
        super().__init__()
        self.max_len = max_len
        self.tok = nn.Embedding(len(VOCAB), d_model)
        self.pos = nn.Embedding(max_len, d_model)
        self.blocks = nn.ModuleList(Block(d_model, heads, dropout) for _ in range(layers))
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, len(VOCAB))

    def forward(self, codes, cache: dict | None = None):
        start = 0 if cache is None else cache.get("length", 0)
        h = self.tok(codes) + self.pos(torch.arange(start, start + codes.shape[1], device=codes.device))
        for i, block in enumerate(self.blocks):
            h = block(h, None if cache is None else cache.setdefault(i, {}))
        if cache is not None:
            cache["length"] = start + codes.shape[1]
        return self.head(self.norm(h))


def answer_loss(model, prompts, answers, device):
    """Cross-entropy on the answer characters only: the measurements are the input, not something to
    predict, and a tiny model should not spend itself memorising them (completion-only fine-tuning)."""
    seqs = [encode(p + a) for p, a in zip(prompts, answers, strict=True)]
    width = max(map(len, seqs))
    codes = torch.zeros(len(seqs), width, dtype=torch.long)
    scored = torch.zeros(len(seqs), width, dtype=torch.bool)
    for row, (seq, prompt) in enumerate(zip(seqs, prompts, strict=True)):
        codes[row, : len(seq)] = torch.tensor(seq)
        scored[row, len(prompt) : len(seq)] = True
    codes, scored = codes.to(device), scored.to(device)
    logits = model(codes[:, :-1])
    losses = F.cross_entropy(logits.transpose(1, 2), codes[:, 1:], reduction="none")
    return losses[scored[:, 1:]].mean()


def pick_device(setting: str) -> torch.device:
    if setting == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(setting)


def describe_metrics(run):
    """What each reported number means and which way is better: the review and the report read these."""
    run.describe_metric("test_accuracy", direction="higher",
                        meaning="share of test wines whose generated answer names the right cultivar (a parse failure is wrong)")
    run.describe_metric("test_macro_f1", direction="higher", meaning="F1 averaged over the 3 cultivars, parse failures as misses")
    run.describe_metric("test_parse_failure_rate", direction="lower",
                        meaning="share of test generations the answer regex could not read")


# -----------------------------------------------------------------------------
# generation and parsing

def generation_settings(cfg) -> labrails.llm.Sampling:
    """config.yaml's generate section as sampling parameters, checked before any training time is spent."""
    g = cfg["generate"]
    for key, ok, wanted in (("max_new_tokens", g["max_new_tokens"] >= 1, "at least 1 (an answer is 15 characters)"),
                            ("chunk_size", g["chunk_size"] >= 1, "at least 1"),
                            ("temperature", g["temperature"] >= 0, "0 (greedy) or more")):
        if not ok:
            raise labrails.LabrailsError(f"generate.{key} is {g[key]}, but it must be {wanted}", path=HERE / "config.yaml",
                                         fix=f"set generate.{key} in config.yaml (or --set generate.{key}=...) to {wanted}")
    return labrails.llm.Sampling(max_new_tokens=g["max_new_tokens"], temperature=g["temperature"], stop=[STOP],
                                 seed=cfg["seed"])


def make_engine(model):
    """The model behind labrails.llm's engine interface: greedy at temperature 0, else sampled; each answer
    ends at STOP or is cut at max_new_tokens (or at the model's context, which fits the longest of both).
    CharLM.forward takes a cache, so the engine reads each prompt once."""
    return labrails.llm.TorchEngine(model, labrails.llm.CallableTokenizer(encode, decode), max_len=model.max_len,
                                    model_id=f"CharLM {sum(p.numel() for p in model.parameters()):,} parameters")


def answer(engine, prompts, sampling) -> list[str]:
    """Val answers, straight from the engine (the test answers go through labrails.llm.generate)."""
    return [c.text for c in engine.generate([encode(p) for p in prompts], sampling)]


def evaluate(model, engine, prompts, answers, labels, classes, sampling, device):
    model.eval()
    with torch.no_grad():
        loss = answer_loss(model, prompts, answers, device).item()
    generations = answer(engine, prompts, sampling)
    parsed = [parse_answer(g, classes) for g in generations]
    accuracy = float(np.mean([p == t for p, t in zip(parsed, labels, strict=True)]))
    failures = sum(p is None for p in parsed)
    model.train()
    return loss, accuracy, failures, generations, parsed


# -----------------------------------------------------------------------------
# training: random batches of prompt -> answer strings; every eval_every steps the val answers are
# generated and parsed (loss alone does not say the answers can be read), a checkpoint is saved, and
# early stopping watches the val loss.

class Loop:
    """Where training stands; a resumed run starts after the step its checkpoint recorded."""

    def __init__(self, step: int = 0, best_val: float = math.inf, bad_evals: int = 0):
        self.step = step               # the last step completed
        self.best_val = best_val
        self.bad_evals = bad_evals     # evaluations since the val loss last improved


def resume_or_start(run, model, opt, device) -> Loop:
    """An identical run that crashed left checkpoints/last.pt: carry on from it."""
    if run.resume_from is None:
        return Loop()
    state = torch.load(run.resume_from, map_location=device, weights_only=False)
    model.load_state_dict(state["model"])
    opt.load_state_dict(state["optimizer"])
    run.log.info(f"resumed from {run.resume_from} at step {state['step'] + 1}")
    return Loop(step=state["step"], best_val=state["best_val_loss"], bad_evals=state["bad_evals"])


def train_step(model, opt, prompts, answers, device) -> float:
    loss = answer_loss(model, prompts, answers, device)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP)
    opt.step()
    return loss.item()


def save_checkpoints(run, cfg, model, opt, loop, improved):
    """last.pt at every evaluation (what a crashed run resumes from), best.pt when val loss improved."""
    state = {"model": model.state_dict(), "optimizer": opt.state_dict(), "step": loop.step, "max_len": model.max_len,
             "best_val_loss": loop.best_val, "bad_evals": loop.bad_evals, "config": cfg}
    torch.save(state, run.checkpoint_path("last.pt"))
    if improved:
        torch.save(state, run.checkpoint_path("best.pt"))


def validate(run, cfg, model, opt, data, loop, device) -> bool:
    """Val loss and parsed val answers, logged; a checkpoint; True when early stopping says stop."""
    val_loss, val_acc, val_fail, val_gen, _ = evaluate(model, make_engine(model), data.va_p, data.va_a, data.va_y,
                                                       data.classes, generation_settings(cfg), device)
    run.log_metrics({"loss": val_loss, "accuracy": val_acc, "parse_failure_rate": val_fail / len(data.va_p)},
                    step=loop.step, split="val")
    run.log.info(f"step {loop.step}: val loss {val_loss:.4f}, val accuracy {val_acc:.4f}, "
                 f"parse failures {val_fail}/{len(data.va_p)}, e.g. {val_gen[0]!r}")
    improved = val_loss < loop.best_val - MIN_IMPROVEMENT
    loop.best_val, loop.bad_evals = (val_loss, 0) if improved else (loop.best_val, loop.bad_evals + 1)
    save_checkpoints(run, cfg, model, opt, loop, improved)
    if loop.bad_evals >= cfg["train"]["patience"]:
        run.log.info(f"early stop: val loss has not improved for {loop.bad_evals} evaluations (best {loop.best_val:.4f})")
        return True
    return False


def train(run, cfg, model, opt, data, loop, device):
    t, batch = cfg["train"], cfg["optim"]["batch_size"]
    first = loop.step + 1
    run.set_total_steps(t["max_steps"] - first + 1, every_s=t["log_every_s"])
    gen = torch.Generator().manual_seed(cfg["seed"] + first)
    order: list[int] = []
    for step in range(first, t["max_steps"] + 1):
        if len(order) < batch:  # every training wine once per pass, in a fresh order each pass
            order += torch.randperm(len(data.tr_p), generator=gen).tolist()
        picked, order = order[:batch], order[batch:]
        loss = train_step(model, opt, [data.tr_p[i] for i in picked], [data.tr_a[i] for i in picked], device)
        loop.step = step
        if step == 1 and run.resume_from is None:
            run.check_initial_loss(loss, len(VOCAB))  # ~log(vocabulary size) at initialisation
        run.log_metrics({"loss": loss}, step=step, split="train")
        run.progress(step - first + 1, loss=loss)

        if step % t["eval_every"] and step != t["max_steps"]:
            continue
        if validate(run, cfg, model, opt, data, loop, device):
            break


# -----------------------------------------------------------------------------
# test: the best checkpoint answers every test prompt once, through labrails.llm.generate: chunks with
# progress lines, every raw output with its finish_reason, the parse, the drill-down under eval/.

def evaluate_on_test(run, cfg, model, data, loop, device):
    best = torch.load(run.checkpoint_path("best.pt"), map_location=device, weights_only=False)
    model.load_state_dict(best["model"])
    sampling = generation_settings(cfg)
    records = [{"id": int(i), "prompt": p, "label": y, "group": f"cultivar {y}"}
               for i, p, y in zip(data.test_ids, data.te_p, data.te_y, strict=True)]
    # One row per test wine with its prompt and raw generation: the drill-down the review reads; accuracy
    # and macro-F1 come back from it, parse failures counted as wrong.
    result = labrails.llm.generate(
        run, make_engine(model), records, template=lambda r: r["prompt"], parse=lambda text: parse_answer(text, data.classes),
        ids="id", ground_truth="label", group="group", input_id=TEMPLATE, valid_labels=data.classes,
        max_new_tokens=sampling.max_new_tokens, temperature=sampling.temperature, stop=sampling.stop,
        seed=sampling.seed, chunk_size=cfg["generate"]["chunk_size"])
    metrics = {
        "test_accuracy": result.metrics["accuracy"],
        "test_macro_f1": result.metrics["macro_f1"],
        "test_parse_failure_rate": result.parse_failures / len(data.te_p),
        "test_parse_failures": result.parse_failures,
        "test_truncation_rate": result.truncated / len(data.te_p),
        "best_val_loss": loop.best_val,
        "best_step": best["step"],
        "steps_run": loop.step,
        "n_test": len(data.te_p),
    }
    run.log_metrics({k: metrics[k] for k in ("test_accuracy", "test_macro_f1", "test_parse_failure_rate")},
                    step=loop.step, split="test")
    return metrics


# -----------------------------------------------------------------------------

@app.command()
def main(
    name: str = typer.Argument(..., help="Descriptive run name; its prefix picks the profile (de-risk..., full...)."),
    profile: str = typer.Option(None, help="Profile from config.yaml, when the name does not start with one."),
    force: bool = typer.Option(False, help="Run even if an identical run (same config, same code) already completed."),
    set_: list[str] = typer.Option([], "--set", help="Change a config.yaml setting for this run: --set optim.lr=3e-4 (repeatable, typed)."),
):
    # The run: labrails resolves config.yaml for the profile, refuses a duplicate of a completed run
    # (exit 0) or a bad config (exit 2), and creates runs/<timestamp>-<name>/ with the frozen config,
    # git and environment snapshots. Inside `with run:` an exception marks the run failed.
    run = labrails.start_run_or_exit(name, profile=profile, force=force, script=__file__, overrides=set_)
    with run:
        cfg = run.config
        generation_settings(cfg)  # a bad generate setting stops the run here (exit 2), not after training
        labrails.seed_everything(cfg["seed"], log=run.log)
        device = pick_device(cfg["train"]["device"])
        torch.set_num_threads(cfg["train"]["threads"])

        # Data -> prompts: the saved split, the profile's share of its training part, every wine as a
        # templated prompt; one example is logged so the exact text the model sees is on record.
        X, y, ids, classes = load_wine_table()
        split_path, split = load_or_make_split(cfg, y, ids)
        train_ids = stratified_subset(split["train"], y, cfg["data"]["train_fraction_used"], cfg["seed"])
        data = to_prompts(X, y, classes, train_ids, split)
        record_data(run, cfg, X, y, data, split_path)
        run.log.info(f"prompt template {TEMPLATE}, {len(data.te_p[0])} characters; "
                     f"first training example:\n{data.tr_p[0]}{data.tr_a[0]}")

        # Model and optimizer: the context fits the longest prompt plus the longest answer allowed.
        max_len = max(map(len, data.prompts)) + cfg["generate"]["max_new_tokens"]
        m = cfg["model"]
        model = CharLM(max_len, m["d_model"], m["layers"], m["heads"], m["dropout"]).to(device)
        opt = torch.optim.AdamW(model.parameters(), lr=cfg["optim"]["lr"], weight_decay=cfg["optim"]["weight_decay"])
        run.log.info(f"model: {sum(p.numel() for p in model.parameters()):,} parameters on {device}; "
                     f"vocabulary {len(VOCAB)} characters, context {max_len}")
        describe_metrics(run)
        loop = resume_or_start(run, model, opt, device)

        # Training loop: val loss decides when to stop and which checkpoint is best.
        train(run, cfg, model, opt, data, loop, device)

        # Test: once, on the best checkpoint, so the test split never steers a choice.
        run.finish(evaluate_on_test(run, cfg, model, data, loop, device))

    # Outputs drawn only from what was logged, then the post-run review, blockers first
    # (`labrails review RUN` re-runs it).
    labrails.plot_run(run.dir)
    review = labrails.review.review_run(run.dir)
    print(f"\nrun directory: {run.dir}\nreview: {review['headline']}  (details: {run.dir / 'review.md'})")


if __name__ == "__main__":
    app()
