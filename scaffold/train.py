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

Every knob lives in config.yaml (one profile per kind of run). This file reads top to bottom:
config -> data -> model -> training loop -> test evaluation -> outputs. Edit it freely: it is yours.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import typer

import labrails

HERE = Path(__file__).resolve().parent
app = typer.Typer(add_completion=False)


# -----------------------------------------------------------------------------
# data: digits ships inside scikit-learn, so nothing is downloaded. One image is one unit of
# independence, so the split is per image, stratified by class, saved once to split.json and reused
# by every later run and script (never re-split on the fly).

def load_digits_table():
    from sklearn.datasets import load_digits

    digits = load_digits()
    X = (digits.data / 16.0).astype(np.float32)  # pixel intensities 0..16 -> 0..1
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


@torch.no_grad()
def evaluate(model, X, y, device):
    model.eval()
    logits = model(torch.from_numpy(X).to(device))
    targets = torch.from_numpy(y).to(device)
    loss = F.cross_entropy(logits, targets).item()
    pred = logits.argmax(1).cpu().numpy()
    return loss, float((pred == y).mean()), pred


def newest_match(path):
    """A dynamics source given as a path or a glob such as runs/*-full-baseline: the newest match."""
    if not path or "*" not in str(path):
        return str(HERE / path) if path else path
    matches = sorted(HERE.glob(str(path)))
    if not matches:
        raise labrails.LabrailsError(f"no run matches cartography.dynamics = {path!r}",
                                     fix="run the baseline with cartography.log_dynamics: true first")
    return str(matches[-1])


def macro_f1(y_true, y_pred, n_classes):
    scores = []
    for c in range(n_classes):
        tp = np.sum((y_pred == c) & (y_true == c))
        fp = np.sum((y_pred == c) & (y_true != c))
        fn = np.sum((y_pred != c) & (y_true == c))
        scores.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores))


@app.command()
def main(
    name: str = typer.Argument(..., help="Descriptive run name; its prefix picks the profile (de-risk..., full...)."),
    profile: str = typer.Option(None, help="Profile from config.yaml, when the name does not start with one."),
    force: bool = typer.Option(False, help="Run even if an identical run (same config, same code) already completed."),
):
    # -------------------------------------------------------------------------
    # run: labrails resolves config.yaml for the profile, refuses a duplicate of a completed run, and
    # creates runs/<timestamp>-<name>/ with the frozen config, git and environment snapshots.
    try:
        run = labrails.start_run(name, profile=profile, force=force, script=__file__)
    except labrails.RunAlreadyCompleted as done:
        print(done.render())
        raise typer.Exit(0)
    except labrails.LabrailsError as err:
        print(f"error: {err.render()}")
        raise typer.Exit(2)

    with run:
        cfg = run.config
        labrails.seed_everything(cfg["seed"], log=run.log)
        device = torch.device("cuda" if cfg["train"]["device"] == "auto" and torch.cuda.is_available()
                              else ("cpu" if cfg["train"]["device"] == "auto" else cfg["train"]["device"]))

        # ---------------------------------------------------------------------
        # data
        X, y, ids = load_digits_table()
        n_classes = int(y.max()) + 1
        split_path, split = load_or_make_split(cfg, y, ids)
        train_ids = stratified_subset(split["train"], y, cfg["data"]["train_fraction_used"], cfg["seed"])
        # Dataset cartography (optional): keep only some examples, or smooth / weight each one, using the
        # training dynamics a baseline run logged (see config.yaml, section cartography).
        carto, plan = cfg["cartography"], None
        if carto["strategy"] != "none":
            options = {k: v for k, v in carto.items() if k != "log_dynamics"}
            options["dynamics"] = newest_match(options.get("dynamics"))
            plan = labrails.cartography.apply_strategy(options, None, train_ids.tolist())
            train_ids = np.asarray(plan.ids, dtype=np.int64)
            run.log.info(f"cartography: {plan.summary()}")
        Xtr, ytr = X[train_ids], y[train_ids]
        Xva, yva = X[split["val"]], y[split["val"]]
        Xte, yte = X[split["test"]], y[split["test"]]
        run.record_data(
            source="sklearn.datasets.load_digits", fingerprint_of=(X, y),
            rows={"train": len(train_ids), "val": len(yva), "test": len(yte)},
            class_counts={int(c): int(n) for c, n in zip(*np.unique(ytr, return_counts=True))},
            subset=None if cfg["data"]["train_fraction_used"] >= 1 else
            f"stratified {cfg['data']['train_fraction_used']:.0%} of the training split",
            split_file=split_path,
        )

        # ---------------------------------------------------------------------
        # model and optimizer
        model = MLP(X.shape[1], n_classes, cfg["model"]["hidden"], cfg["model"]["dropout"]).to(device)
        opt = torch.optim.AdamW(model.parameters(), lr=cfg["optim"]["lr"], weight_decay=cfg["optim"]["weight_decay"])
        batch, accum = cfg["optim"]["batch_size"], cfg["optim"]["grad_accum_steps"]
        run.log.info(f"model: {sum(p.numel() for p in model.parameters()):,} parameters on {device}; "
                     f"effective batch size {batch * accum} ({batch} x {accum} accumulation steps)")
        run.describe_metric("test_accuracy", direction="higher", meaning="share of held-out test images classified correctly")
        run.describe_metric("test_macro_f1", direction="higher", meaning="F1 averaged over the 10 classes, each class counted equally")
        run.describe_metric("test_loss", direction="lower", meaning="mean cross-entropy on the test split")

        # Resume: an identical run that crashed left checkpoints/last.pt; carry on from it.
        start_epoch, best_val, bad_epochs = 1, math.inf, 0
        if run.resume_from is not None:
            state = torch.load(run.resume_from, map_location=device, weights_only=False)
            model.load_state_dict(state["model"])
            opt.load_state_dict(state["optimizer"])
            start_epoch, best_val, bad_epochs = state["epoch"] + 1, state["best_val_loss"], state["bad_epochs"]
            run.log.info(f"resumed from {run.resume_from} at epoch {start_epoch}")

        # ---------------------------------------------------------------------
        # training loop: eval every epoch, early stopping on val loss, a checkpoint every epoch.
        steps_per_epoch = math.ceil(len(ytr) / batch)
        max_epochs = cfg["train"]["max_epochs"]
        run.set_total_steps((max_epochs - start_epoch + 1) * steps_per_epoch, every_s=cfg["train"]["log_every_s"])
        gen = torch.Generator().manual_seed(cfg["seed"])
        dynamics = labrails.cartography.DynamicsLogger(run.logs / "dynamics.jsonl") if carto["log_dynamics"] else None
        step = 0
        for epoch in range(start_epoch, max_epochs + 1):
            model.train()
            order = torch.randperm(len(ytr), generator=gen).numpy()
            for i in range(steps_per_epoch):
                idx = order[i * batch:(i + 1) * batch]
                xb = torch.from_numpy(Xtr[idx]).to(device)
                yb = torch.from_numpy(ytr[idx]).to(device)
                logits = model(xb)
                if plan is None:
                    loss = F.cross_entropy(logits, yb)
                else:
                    batch_ids = train_ids[idx]
                    loss = labrails.cartography.smoothed_cross_entropy(
                        logits, yb, plan.eps_for(batch_ids), plan.weights_for(batch_ids))
                (loss / accum).backward()
                if (i + 1) % accum == 0 or i + 1 == steps_per_epoch:
                    opt.step()
                    opt.zero_grad(set_to_none=True)
                step += 1
                if step == 1 and run.resume_from is None:
                    run.check_initial_loss(loss.item(), n_classes)  # ~log(10) = 2.30 at initialisation
                run.log_metrics({"loss": loss.item()}, step=step, epoch=epoch, split="train")
                run.progress(step, epoch=epoch, loss=loss.item())

            if carto["log_dynamics"]:  # each training example's gold-label probability, by stable id
                model.eval()
                with torch.no_grad():
                    dynamics.log_batch(epoch, train_ids, model(torch.from_numpy(Xtr).to(device)), ytr, from_logits=True)

            val_loss, val_acc, _ = evaluate(model, Xva, yva, device)
            run.log_metrics({"loss": val_loss, "accuracy": val_acc}, step=step, epoch=epoch, split="val")
            run.log.info(f"epoch {epoch}: val loss {val_loss:.4f}, val accuracy {val_acc:.4f}")

            improved = val_loss < best_val - 1e-4
            best_val, bad_epochs = (val_loss, 0) if improved else (best_val, bad_epochs + 1)
            state = {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": epoch,
                     "best_val_loss": best_val, "bad_epochs": bad_epochs, "config": cfg}
            torch.save(state, run.checkpoint_path("last.pt"))
            if improved:
                torch.save(state, run.checkpoint_path("best.pt"))
            if bad_epochs >= cfg["train"]["patience"]:
                run.log.info(f"early stop: val loss has not improved for {bad_epochs} epochs (best {best_val:.4f})")
                break

        # ---------------------------------------------------------------------
        # test: the best checkpoint, evaluated once, on the held-out split.
        best = torch.load(run.checkpoint_path("best.pt"), map_location=device, weights_only=False)
        model.load_state_dict(best["model"])
        test_loss, test_acc, pred = evaluate(model, Xte, yte, device)
        metrics = {
            "test_accuracy": test_acc,
            "test_macro_f1": macro_f1(yte, pred, n_classes),
            "test_loss": test_loss,
            "best_val_loss": best_val,
            "best_epoch": best["epoch"],
            "epochs_run": epoch,
            "n_test": int(len(yte)),
        }
        run.log_metrics({k: metrics[k] for k in ("test_accuracy", "test_macro_f1", "test_loss")}, step=step, epoch=epoch, split="test")
        labrails.write_predictions(run, sample_ids=split["test"], ground_truth=yte, prediction=pred,
                                   group=[f"digit {c}" for c in yte])
        run.finish(metrics)

    # -------------------------------------------------------------------------
    # outputs drawn only from what was logged
    labrails.plot_run(run.dir)
    if cfg["cartography"]["log_dynamics"]:
        data_map = labrails.cartography.compute_map(labrails.cartography.load_dynamics(run.dir))
        labrails.cartography.plot_data_map(data_map, run.plots / "data_map.webp", source=str(run.logs / "dynamics.jsonl"))

    # -------------------------------------------------------------------------
    # the post-run review: blockers first (labrails review RUN re-runs it)
    review = labrails.review.review_run(run.dir)
    print(f"\nrun directory: {run.dir}\nreview: {review['headline']}  (details: {run.dir / 'review.md'})")


if __name__ == "__main__":
    app()
