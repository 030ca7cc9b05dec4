"""A real comparison: does a small MLP beat logistic regression on scikit-learn's breast_cancer?

``comparison_experiment(path)`` makes the experiment with ``labrails new``, states the question in spec.yaml as a
hypothesis, and trains both models for real (one de-risk run, then 2 configurations x 5 seeds on one fixed split)
in one process, a few seconds in all. The runs are named ``full-logreg-seedN`` and ``full-mlp-seedN``, so their
configurations are ``full-logreg`` and ``full-mlp``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import labrails
from testing.commands import run_script

if TYPE_CHECKING:
    from pathlib import Path

    from labrails.core.experiment import Experiment

SEEDS = (1, 2, 3, 4, 5)
CLAIM = "full-mlp > full-logreg on test_accuracy"

CONFIG = """\
seed: 0
data: {dataset: breast_cancer, test_fraction: 0.3, train_fraction_used: 1.0}
model: {kind: mlp, hidden: 32}
train: {max_epochs: 500, patience: 20}
profiles:
  de-risk: {budget_seconds: 60, data: {train_fraction_used: 0.3}}
  full: {budget_seconds: 600}
"""

SCRIPT = '''
import sys
import numpy as np
import labrails
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler


def one_run(name, overrides):
    run = labrails.start_run(name, script=__file__, overrides=overrides)
    with run:
        cfg = run.config
        X, y = load_breast_cancer(return_X_y=True)
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=cfg["data"]["test_fraction"], stratify=y, random_state=0)
        keep = int(len(ytr) * cfg["data"]["train_fraction_used"])
        Xtr, ytr = Xtr[:keep], ytr[:keep]
        scaler = StandardScaler().fit(Xtr)
        Xtr, Xte = scaler.transform(Xtr), scaler.transform(Xte)
        run.record_data(source="sklearn.datasets.load_breast_cancer", fingerprint_of=(X, y),
                        rows={"train": int(len(ytr)), "test": int(len(yte))},
                        class_counts={str(c): int((ytr == c).sum()) for c in (0, 1)})
        run.describe_metric("test_accuracy", direction="higher", meaning="share of held-out tumours classified correctly")
        metrics = {}
        if cfg["model"]["kind"] == "mlp":
            model = MLPClassifier(hidden_layer_sizes=(cfg["model"]["hidden"],), early_stopping=True, validation_fraction=0.15,
                                  n_iter_no_change=cfg["train"]["patience"], max_iter=cfg["train"]["max_epochs"],
                                  random_state=cfg["seed"])
            model.fit(Xtr, ytr)
            for epoch, score in enumerate(model.validation_scores_, 1):
                run.log_metrics({"accuracy": float(score)}, step=epoch, epoch=epoch, split="val")
            metrics.update(best_epoch=int(np.argmax(model.validation_scores_)) + 1, epochs_run=int(model.n_iter_))
        else:
            model = LogisticRegression(max_iter=5000).fit(Xtr, ytr)
        pred = model.predict(Xte)
        metrics.update(test_accuracy=float((pred == yte).mean()), n_test=int(len(yte)))
        run.finish(metrics)
    return run.dir


# The de-risk run, reviewed: full runs start only once a passing review vouches for this code and config.
review = labrails.review.review_run(one_run("de-risk-mlp", {"model.kind": "mlp"}))
if not review["passed"]:
    sys.exit(f"the de-risk run did not pass its review: {review['headline']}")
for kind in ("logreg", "mlp"):
    for seed in SEEDS:
        one_run(f"full-{kind}-seed{seed}", {"seed": seed, "model.kind": kind})
'''


def comparison_experiment(path: Path, *, claim: str = CLAIM) -> Experiment:
    import yaml

    exp = labrails.new_experiment(path, hypothesis="a small MLP beats logistic regression on breast_cancer",
                                  success=["test_accuracy >= 0.95"])
    (exp.root / "config.yaml").write_text(CONFIG)
    spec = yaml.safe_load(exp.spec_path.read_text())
    spec["hypotheses"] = [{"claim": claim, "min_effect": 0.0, "alpha": 0.05}]
    spec["metrics"]["primary"].update(name="test_accuracy", direction="higher", expected_range=[0.85, 1.0],
                                      meaning="share of held-out tumours classified correctly")
    spec["data"]["source"] = "sklearn.datasets.load_breast_cancer"
    spec["evaluation"]["min_test_size"] = 150
    exp.spec_path.write_text(yaml.safe_dump(spec, sort_keys=False))
    (exp.root / "compare.py").write_text(SCRIPT.replace("SEEDS", repr(SEEDS)))
    run_script(exp, "compare.py", timeout=300)
    return exp
