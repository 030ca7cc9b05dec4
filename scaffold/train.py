#!/usr/bin/env -S uv run --script
# /// script
# requires-python = ">=3.11"
# dependencies = [
#     "labrails",
#     "torch>=2.3",
#     "scikit-learn>=1.3",
#     "numpy>=1.26",
#     "typer>=0.12",
# ]
# ///
"""Train a small MLP on scikit-learn's handwritten digits, the labrails way.

    uv run train.py de-risk      # under a minute: a stratified 30% of the training split, 4 epochs
    uv run train.py full         # the real experiment: all the data, early stopping on val loss

Every knob lives in config.yaml (one profile per kind of run). This file reads top to bottom: the
script's fixed choices, the pieces (data, model, training, test), then main(), which runs them in
order: run -> data -> model -> training loop -> test -> outputs and review. Edit it freely: it is yours.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import typer

import labrails

# -----------------------------------------------------------------------------
# Fixed choices. The knobs a run may change live in config.yaml (sections data, model, optim, train),
# where a profile or a sweep can override them and the run's identity records them; what is here is
# part of the code, so changing it changes the run's code version.
# I/O
HERE = Path(__file__).resolve().parent        # the experiment: config.yaml, the split file, runs/
DATA_SOURCE = "sklearn.datasets.load_digits"  # recorded in data.json; spec.yaml names the same source
# data
PIXEL_MAX = 16.0                              # digits' pixel intensities run 0..16; the model sees 0..1
# model: two hidden layers (class MLP), config.yaml sets their width and dropout
# optimizer and training
MIN_IMPROVEMENT = 1e-4                        # a val loss must beat the best by this much to count
# system: config.yaml's train.device; "auto" takes a GPU when there is one

app = typer.Typer(add_completion=False)


# -----------------------------------------------------------------------------
# data: digits ships inside scikit-learn, so nothing is downloaded. One image is one unit of
# independence, so the split is per image, stratified by class, saved once to split.json and reused
# by every later run and script (never re-split on the fly).

def load_digits_table():
    from sklearn.datasets import load_digits

    digits = load_digits()
    X = (digits.data / PIXEL_MAX).astype(np.float32)
    y = digits.target.astype(np.int64)
    ids = np.arange(len(y))                       # stable ids: row numbers of the bundled dataset
    return X, y, ids


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
    """A representative subset: the same share of every class, not the first N rows."""
    if fraction >= 1.0:
        return train_ids
    from sklearn.model_selection import train_test_split

    kept, _ = train_test_split(train_ids, train_size=fraction, stratify=y[train_ids], random_state=seed)
    return np.sort(kept)


class Data(NamedTuple):
    """The arrays each stage uses; the ids are row numbers of the bundled dataset."""

    train_ids: np.ndarray
    Xtr: np.ndarray
    ytr: np.ndarray
    Xva: np.ndarray
    yva: np.ndarray
    test_ids: np.ndarray
    Xte: np.ndarray
    yte: np.ndarray
    n_classes: int


def select(X, y, train_ids, split):
    return Data(train_ids, X[train_ids], y[train_ids], X[split["val"]], y[split["val"]],
                split["test"], X[split["test"]], y[split["test"]], n_classes=int(y.max()) + 1)


def record_data(run, cfg, X, y, data, split_path):
    """data.json: where the data came from, its fingerprint, and what each split holds."""
    fraction = cfg["data"]["train_fraction_used"]
    run.record_data(
        source=DATA_SOURCE, fingerprint_of=(X, y),
        rows={"train": len(data.train_ids), "val": len(data.yva), "test": len(data.yte)},
        class_counts={int(c): int(n) for c, n in zip(*np.unique(data.ytr, return_counts=True))},
        subset=None if fraction >= 1 else f"stratified {fraction:.0%} of the training split",
        split_file=split_path,
    )


# -----------------------------------------------------------------------------
# model: two hidden layers are plenty for 8x8 digits.

class MLP(nn.Module):
    def __init__(self, n_in: int, n_classes: int, hidden: int, dropout: float):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(n_in, hidden), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden, n_classes),
        )

    def forward(self, x):
        return self.net(x)


def pick_device(setting: str) -> torch.device:
    if setting == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(setting)


def describe_metrics(run):
    """What each reported number means and which way is better: the review and the report read these."""
    run.describe_metric("test_accuracy", direction="higher", meaning="share of held-out test images classified correctly")
    run.describe_metric("test_macro_f1", direction="higher", meaning="F1 averaged over the 10 classes, each class counted equally")
    run.describe_metric("test_loss", direction="lower", meaning="mean cross-entropy on the test split")


# -----------------------------------------------------------------------------
# training: mini-batches in a seeded shuffled order, gradient accumulation, a val evaluation every
# epoch, early stopping on val loss, and a checkpoint as often as config.yaml's train.checkpoint_every_s
# asks (a save costs as much as several steps of this small model, so not every epoch by default).

class Loop:
    """Where training stands; a resumed run starts after the epoch its checkpoint recorded."""

    def __init__(self, epoch: int = 0, best_val: float = math.inf, bad_epochs: int = 0, best_model=None,
                 best_epoch: int = 0):
        self.epoch = epoch             # the last epoch completed
        self.step = 0                  # counted from this run's start, also when resumed
        self.best_val = best_val
        self.bad_epochs = bad_epochs   # epochs since the val loss last improved
        self.best_model = best_model   # the weights of the best epoch so far (kept in memory)
        self.best_epoch = best_epoch
        self.saved_at = time.monotonic()


def resume_or_start(run, model, opt, device) -> Loop:
    """An identical run that crashed left checkpoints/last.pt: carry on from it."""
    if run.resume_from is None:
        return Loop()
    state = torch.load(run.resume_from, map_location=device, weights_only=False)
    model.load_state_dict(state["model"])
    opt.load_state_dict(state["optimizer"])
    run.log.info(f"resumed from {run.resume_from} at epoch {state['epoch'] + 1}")
    return Loop(epoch=state["epoch"], best_val=state["best_val_loss"], bad_epochs=state["bad_epochs"],
                best_model=state.get("best_model"), best_epoch=state.get("best_epoch", state["epoch"]))


@torch.no_grad()
def evaluate(model, X, y, device):
    model.eval()
    logits = model(torch.from_numpy(X).to(device))
    targets = torch.from_numpy(y).to(device)
    loss = F.cross_entropy(logits, targets).item()
    pred = logits.argmax(1)
    return loss, (pred == targets).float().mean().item(), pred.cpu().numpy()


def train_one_epoch(run, cfg, model, opt, Xtr, ytr, loop, epoch, gen, n_classes):
    model.train()
    batch, accum = cfg["optim"]["batch_size"], cfg["optim"]["grad_accum_steps"]
    steps_per_epoch = math.ceil(len(ytr) / batch)
    order = torch.randperm(len(ytr), generator=gen).to(Xtr.device)
    for i in range(steps_per_epoch):
        idx = order[i * batch:(i + 1) * batch]
        loss = F.cross_entropy(model(Xtr[idx]), ytr[idx])
        (loss / accum if accum > 1 else loss).backward()  # a mean over the accumulated batches
        if (i + 1) % accum == 0 or i + 1 == steps_per_epoch:
            opt.step()
            opt.zero_grad(set_to_none=True)
        loop.step += 1
        value = loss.item()
        if loop.step == 1 and run.resume_from is None:
            run.check_initial_loss(value, n_classes)  # ~log(10) = 2.30 at initialisation
        run.log_metrics({"loss": value}, step=loop.step, epoch=epoch, split="train")
        run.progress(loop.step, epoch=epoch, loss=value)


def save_checkpoint(run, cfg, model, opt, loop, name="last.pt"):
    """last.pt: what a crashed run resumes from (it carries the best weights too); best.pt at the end."""
    best = loop.best_model if loop.best_model is not None else model.state_dict()
    state = {"model": best if name == "best.pt" else model.state_dict(), "optimizer": opt.state_dict(),
             "epoch": loop.best_epoch if name == "best.pt" else loop.epoch, "best_val_loss": loop.best_val,
             "bad_epochs": loop.bad_epochs, "best_model": best, "best_epoch": loop.best_epoch, "config": cfg}
    path = run.checkpoint_path(name)
    torch.save(state, path.with_suffix(".tmp"))
    path.with_suffix(".tmp").replace(path)  # a kill mid-save leaves the previous checkpoint whole
    loop.saved_at = time.monotonic()


def train(run, cfg, model, opt, data, loop, device):
    steps_per_epoch = math.ceil(len(data.ytr) / cfg["optim"]["batch_size"])
    max_epochs, every_s = cfg["train"]["max_epochs"], cfg["train"]["checkpoint_every_s"]
    run.set_total_steps((max_epochs - loop.epoch) * steps_per_epoch, every_s=cfg["train"]["log_every_s"])
    gen = torch.Generator().manual_seed(cfg["seed"])
    Xtr, ytr = torch.from_numpy(data.Xtr).to(device), torch.from_numpy(data.ytr).to(device)  # moved once
    for epoch in range(loop.epoch + 1, max_epochs + 1):
        train_one_epoch(run, cfg, model, opt, Xtr, ytr, loop, epoch, gen, data.n_classes)

        val_loss, val_acc, _ = evaluate(model, data.Xva, data.yva, device)
        run.log_metrics({"loss": val_loss, "accuracy": val_acc}, step=loop.step, epoch=epoch, split="val")
        run.log.info(f"epoch {epoch}: val loss {val_loss:.4f}, val accuracy {val_acc:.4f}")

        improved = val_loss < loop.best_val - MIN_IMPROVEMENT
        loop.epoch = epoch
        loop.best_val, loop.bad_epochs = (val_loss, 0) if improved else (loop.best_val, loop.bad_epochs + 1)
        if improved:
            loop.best_model = {k: v.detach().clone() for k, v in model.state_dict().items()}
            loop.best_epoch = epoch
        stop = loop.bad_epochs >= cfg["train"]["patience"]
        if stop or time.monotonic() - loop.saved_at >= every_s:
            save_checkpoint(run, cfg, model, opt, loop)
        if stop:
            run.log.info(f"early stop: val loss has not improved for {loop.bad_epochs} epochs (best {loop.best_val:.4f})")
            break
    save_checkpoint(run, cfg, model, opt, loop, name="best.pt")


# -----------------------------------------------------------------------------
# test: the best checkpoint, evaluated once, on the held-out split.

def digit_as_text(pixels, shades=" .:-=+*#%@"):
    """An 8x8 image (values in [0, 1]) as 8 lines of characters, darker pixels denser."""
    grid = np.asarray(pixels).reshape(8, 8)
    return "\n".join("".join(shades[min(int(v * len(shades)), len(shades) - 1)] * 2 for v in row) for row in grid)


def top_probabilities(p, k=3):
    top = np.argsort(p)[::-1][:k]
    return ", ".join(f"{c}: {p[c]:.3f}" for c in top)


def evaluate_on_test(run, model, data, loop, device):
    from sklearn.metrics import f1_score

    best = torch.load(run.checkpoint_path("best.pt"), map_location=device, weights_only=False)
    model.load_state_dict(best["model"])  # best.pt, not the weights in memory: what is tested is what was saved
    test_loss, test_acc, pred = evaluate(model, data.Xte, data.yte, device)
    metrics = {
        "test_accuracy": test_acc,
        "test_macro_f1": float(f1_score(data.yte, pred, labels=list(range(data.n_classes)), average="macro", zero_division=0)),
        "test_loss": test_loss,
        "best_val_loss": loop.best_val,
        "best_epoch": best["epoch"],
        "epochs_run": loop.epoch,
        "n_test": int(len(data.yte)),
    }
    run.log_metrics({k: metrics[k] for k in ("test_accuracy", "test_macro_f1", "test_loss")},
                    step=loop.step, epoch=loop.epoch, split="test")
    # One row per test image, grouped by digit: the drill-down under eval/ that the review reads. Each sample's
    # file shows the image itself as text and the model's probabilities, so a mistake can be judged by eye.
    with torch.no_grad():
        probs = torch.softmax(model(torch.from_numpy(data.Xte).to(device)), 1).cpu().numpy()
    labrails.write_predictions(run, sample_ids=data.test_ids, ground_truth=data.yte, prediction=pred,
                               group=[f"digit {c}" for c in data.yte], input_text=[digit_as_text(x) for x in data.Xte],
                               probabilities=[top_probabilities(p) for p in probs])
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
        labrails.seed_everything(cfg["seed"], log=run.log)
        device = pick_device(cfg["train"]["device"])

        # Data: the saved split, and the profile's share of its training part, recorded with a
        # fingerprint so the review can tell which data the numbers came from.
        X, y, ids = load_digits_table()
        split_path, split = load_or_make_split(cfg, y, ids)
        train_ids = stratified_subset(split["train"], y, cfg["data"]["train_fraction_used"], cfg["seed"])
        data = select(X, y, train_ids, split)
        record_data(run, cfg, X, y, data, split_path)

        # Model and optimizer; the effective batch size is logged because accumulation hides it.
        model = MLP(X.shape[1], data.n_classes, cfg["model"]["hidden"], cfg["model"]["dropout"]).to(device)
        opt = torch.optim.AdamW(model.parameters(), lr=cfg["optim"]["lr"], weight_decay=cfg["optim"]["weight_decay"])
        batch, accum = cfg["optim"]["batch_size"], cfg["optim"]["grad_accum_steps"]
        run.log.info(f"model: {sum(p.numel() for p in model.parameters()):,} parameters on {device}; "
                     f"effective batch size {batch * accum} ({batch} x {accum} accumulation steps)")
        describe_metrics(run)
        loop = resume_or_start(run, model, opt, device)

        # Training loop: val loss decides when to stop and which checkpoint is best.
        train(run, cfg, model, opt, data, loop, device)

        # Test: once, on the best checkpoint, so the test split never steers a choice.
        run.finish(evaluate_on_test(run, model, data, loop, device))

    # Outputs drawn only from what was logged, then the post-run review, blockers first; config.yaml's
    # post_run section turns either off (`labrails plot RUN` and `labrails review RUN` do them later).
    if cfg["post_run"]["plots"]:
        labrails.plot_run(run.dir)
    print(f"\nrun directory: {run.dir}")
    if cfg["post_run"]["review"]:
        review = labrails.review.review_run(run.dir)
        print(f"review: {review['headline']}  (details: {run.dir / 'review.md'})")


if __name__ == "__main__":
    app()
