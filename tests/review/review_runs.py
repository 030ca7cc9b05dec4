"""Real runs for the review tests (helpers; the fixtures in conftest.py build on them).

Each run trains a real model on a dataset bundled with scikit-learn (wine, diabetes), or uses the tiny
language model of scaffold/predict.py, saves its predictions as a script does (labrails.write_predictions)
and is then reviewed. The answers, predictions and failures are what those models produced.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

import labrails
from labrails.review import review_run
from testing.runs import derisked_on
from testing.paths import REPO, SCAFFOLD

TEMPLATE = "wine-v1"


def load_predict_scaffold():
    spec = importlib.util.spec_from_file_location("predict_scaffold", SCAFFOLD / "predict.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def new_lab(path, expected_range=(0.9, 0.99), data_source="sklearn.datasets.load_wine"):
    return labrails.new_experiment(path, hypothesis="the review reads what the run saved", success=["it does"],
                                   expected_range=expected_range, data_source=data_source, min_test_size=50)


def reviewed_run(exp, *, source, data, rows, metrics, task="classification", split_file=None, at_root=None, **predictions):
    """A completed 'full' run that saved ``predictions`` (under eval/, or ``at_root``: a table written with
    write_drilldown into the run directory itself), reviewed. Returns the review with the run's directory."""
    # The gate every full run passes: a sound de-risk run on the same data, reviewed.
    derisked_on(exp, {"source": source, "fingerprint_of": data, "rows": rows},
                metrics={"test_accuracy": 0.93, "n_test": rows.get("test")})
    with labrails.start_run("full", experiment=exp.root, script=exp.root / "train.py", force=True) as run:
        run.record_data(source=source, fingerprint_of=data, rows=rows, split_file=split_file)
        if at_root is not None:
            from labrails.outputs import write_drilldown

            write_drilldown(at_root, run.dir, task=task)
        else:
            labrails.write_predictions(run, task=task, **predictions)
        run.log_metrics(metrics, split="test")
        run.finish(metrics)
    return {**review_run(run.dir), "dir": run.dir}


def findings(result, check):
    return [f for f in result["findings"] if f["check"] == check]


def only(result, check):
    found = findings(result, check)
    assert len(found) == 1, f"expected one '{check}' finding, got {found}\n{result['findings']}"
    return found[0]


# --------------------------------------------------------------------------- wine, as the LLM task sees it
@dataclass
class WineAnswers:
    """Answers of the scaffold's tiny language model to the 58 held-out wines, through its TorchEngine: greedy
    (as predict.py decodes) and sampled at temperature 1.5 (hot enough to break the answer format now and then)."""

    ids: list[int]
    truth: list[str]
    prompts: list[str]
    greedy: list[str]
    hot: list[str]
    classes: list[str]
    parse: object

    def table(self, *, hot_failures: int = 0, hot: bool = False) -> dict:
        """write_predictions columns. ``hot``: every answer sampled. ``hot_failures``: greedy answers, except
        for N wines (spread over the test set) whose sampled answer did not parse, which keep that answer."""
        answers = list(self.hot if hot else self.greedy)
        if hot_failures:
            failing = [i for i, text in enumerate(self.hot) if self.parse(text, self.classes) is None]
            assert len(failing) >= hot_failures, "the sampled answers hold fewer parse failures than the test asks for"
            for i in failing[:: len(failing) // hot_failures][:hot_failures]:
                answers[i] = self.hot[i]
        parsed = [self.parse(text, self.classes) for text in answers]
        return dict(sample_ids=self.ids, ground_truth=self.truth, prediction=parsed, group=self.truth,
                    input_id=[TEMPLATE] * len(self.ids), input_text=self.prompts, raw_output=answers,
                    parse_ok=[p is not None for p in parsed])


def wine_split():
    import numpy as np
    import pandas as pd
    from sklearn.datasets import load_wine

    wine = load_wine()
    table = pd.DataFrame({"id": np.arange(len(wine.target)), "label": wine.target})
    # 120 training and 58 test wines, the counts tests/fixtures/tiny_run.py records in data.json.
    return labrails.split.make_split(table, id_col="id", strategy="stratified", label_col="label", test_size=0.325, seed=42)


def train_wine_answers() -> WineAnswers:
    import torch

    P = load_predict_scaffold()
    X, y, _, classes = P.load_wine_table()
    split = wine_split()
    prompts = [P.render_prompt(x) for x in X]
    answers = [P.render_answer(classes[c]) for c in y]
    train, test = split["train"], split["test"]
    torch.manual_seed(0)
    model = P.CharLM(len(prompts[0]) + 24, d_model=64, layers=2, heads=4, dropout=0.0)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    batches = torch.Generator().manual_seed(0)
    for _ in range(80):
        rows = [train[i] for i in torch.randint(len(train), (32,), generator=batches).tolist()]
        loss = P.answer_loss(model, [prompts[i] for i in rows], [answers[i] for i in rows], "cpu")
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    test_prompts = [prompts[i] for i in test]
    result = WineAnswers(
        ids=list(test), truth=[classes[y[i]] for i in test], prompts=test_prompts,
        greedy=P.answer(P.make_engine(model), test_prompts, labrails.llm.Sampling(max_new_tokens=24, stop=[P.STOP])),
        hot=P.answer(P.make_engine(model), test_prompts,
                     labrails.llm.Sampling(max_new_tokens=24, stop=[P.STOP], temperature=1.5, seed=0)),
        classes=classes, parse=P.parse_answer,
    )
    # Trained this long, the model writes the answer format without fail when decoding greedily; the
    # tables' parse failures are therefore exactly the sampled answers they contain.
    assert all(P.parse_answer(text, classes) for text in result.greedy), result.greedy
    return result


# --------------------------------------------------------------------------- diabetes, a regression with a valid range
def load_diabetes_runs():
    import numpy as np
    import pandas as pd
    from sklearn.datasets import load_diabetes

    data = load_diabetes(as_frame=True)
    X, y = data.data, data.target.to_numpy()
    split = labrails.split.make_split(pd.DataFrame({"id": np.arange(len(y))}), id_col="id", strategy="random", test_size=0.3, seed=42)
    bmi = X["bmi"].to_numpy()
    low, high = np.quantile(bmi, [1 / 3, 2 / 3])
    tercile = np.where(bmi < low, "bmi low", np.where(bmi < high, "bmi mid", "bmi high"))
    return {"X": X, "y": y, "train": np.asarray(split["train"]), "test": np.asarray(split["test"]), "tercile": tercile,
            # Disease progression one year after baseline is recorded between 25 and 346 in this data.
            "valid": (float(y.min()), float(y.max()))}


def diabetes_run(exp, diabetes, model, train_rows=None, *, valid_range=True):
    """Fit ``model`` on the training rows (or ``train_rows``), predict the test rows, save and review."""
    import numpy as np

    X, y, test = diabetes["X"], diabetes["y"], diabetes["test"]
    rows = diabetes["train"] if train_rows is None else train_rows
    pred = model.fit(X.iloc[rows], y[rows]).predict(X.iloc[test])
    extra = {}
    if valid_range:
        extra = {"valid_min": [diabetes["valid"][0]] * len(test), "valid_max": [diabetes["valid"][1]] * len(test)}
    mae = float(np.abs(pred - y[test]).mean())
    return reviewed_run(exp, source="sklearn.datasets.load_diabetes", data=(X.to_numpy(), y),
                        rows={"train": len(rows), "test": len(test)}, metrics={"test_mae": mae, "n_test": len(test)},
                        task="regression", sample_ids=test, ground_truth=y[test], prediction=pred,
                        group=diabetes["tercile"][test], **extra)
