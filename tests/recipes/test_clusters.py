"""Cluster filtering on scikit-learn's digits: embeddings, HDBSCAN clusters, the clusters artifact of a run,
each filter rule, the order of combined strategies, and every bad input named with its file, key and fix."""

from __future__ import annotations

import json

import numpy as np
import pytest
from testing.runs import record_run
from typer.testing import CliRunner

import labrails
from labrails.core.errors import ConfigError, LabrailsError
from labrails.recipes.cartography import DynamicsLogger, compute_map, load_dynamics, select_ambiguous, smoothing_from_variability
from labrails.recipes.clusters import (
    NOISE,
    apply_rules,
    check_section,
    cluster_embeddings,
    load_assignments,
    make_clusters,
    mean_pooled,
    penultimate,
    recluster,
    summarize,
)
from labrails.recipes.combined import ORDER, plan_training, record_plan

torch = pytest.importorskip("torch")


def digits():
    from sklearn.datasets import load_digits

    d = load_digits()
    return (d.data / 16.0).astype(np.float32), d.target.astype(np.int64)


@pytest.fixture(scope="module")
def digits_data():
    return digits()


@pytest.fixture
def clustered(tmp_path, digits_data):
    """A completed run on digits (real split file, real data fingerprint) whose clusters/ holds HDBSCAN's
    clusters of its training examples (embedded by their pixels)."""
    X, y = digits_data
    exp = labrails.new_experiment(tmp_path / "exp", template="cartography")
    ids = np.arange(len(y))
    import pandas as pd

    split = labrails.split.make_split(pd.DataFrame({"id": ids, "label": y}), id_col="id", strategy="stratified",
                                      label_col="label", test_size=0.3, val_size=0.15, seed=0)
    split_path = exp.root / "split.json"
    labrails.split.save_split(split, split_path)
    train = np.asarray(sorted(split["train"]), dtype=np.int64)
    data = {"source": "sklearn.datasets.load_digits", "fingerprint_of": (X, y), "rows": {"train": len(train)},
            "split_file": split_path}
    run_dir = record_run(exp, "de-risk-baseline", data=data)
    summary = make_clusters(run_dir, train.tolist(), X[train], y[train].tolist(), embedding="pixels", min_cluster_size=10)
    return {"exp": exp, "run": run_dir, "train": train, "X": X, "y": y, "split": split_path, "summary": summary,
            "fingerprint": labrails.fingerprint(X, y)}


# --------------------------------------------------------------------------------------------- embedding


def test_penultimate_is_the_input_of_the_head_with_dropout_off():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Dropout(0.5), torch.nn.Linear(32, 10))
    X, _ = digits()
    emb = penultimate(model, X[:100], batch_size=16)
    with torch.no_grad():
        expected = model[1](model[0](torch.from_numpy(X[:100]))).numpy()  # eval mode: dropout is the identity
    assert emb.shape == (100, 32) and emb.dtype == np.float32
    np.testing.assert_allclose(emb, expected, rtol=1e-6)


def test_mean_pooled_leaves_padding_out():
    hidden = np.arange(2 * 3 * 2, dtype=np.float32).reshape(2, 3, 2)  # 2 sequences, 3 tokens, d=2
    mask = np.array([[1, 1, 0], [1, 0, 0]])
    np.testing.assert_allclose(mean_pooled(hidden, mask), [[1.0, 2.0], [6.0, 7.0]])
    with pytest.raises(LabrailsError, match="do not fit"):
        mean_pooled(hidden, mask[:, :2])


# --------------------------------------------------------------------------------------------- clustering


def test_hdbscan_on_digits_finds_digit_clusters_and_calls_the_rest_noise(digits_data):
    X, y = digits_data
    result = cluster_embeddings(X[:900], min_cluster_size=10)
    clusters, probs = result.clusters, result.probabilities
    summary = summarize(clusters, y[:900])

    assert summary["n"] == 900 and summary["n_clusters"] >= 5
    assert 0 < summary["noise_share"] < 0.6 and summary["clusters"]["-1"]["size"] == int((clusters == NOISE).sum())
    assert np.all(probs[clusters == NOISE] == 0) and np.all((probs >= 0) & (probs <= 1))
    real = [c for c in summary["clusters"] if c != "-1"]
    assert sum(summary["clusters"][c]["size"] for c in real) + summary["clusters"]["-1"]["size"] == 900
    # clusters of pixel vectors are mostly one digit each
    assert np.median([summary["clusters"][c]["purity"] for c in real]) > 0.8
    with pytest.raises(LabrailsError, match="NaN or infinite"):
        cluster_embeddings(np.full((10, 3), np.nan))


def test_a_run_records_its_clusters_with_provenance(clustered):
    run, summary = clustered["run"], clustered["summary"]
    folder = run / "clusters"
    assert {p.name for p in folder.iterdir()} >= {"assignments.csv", "summary.json", "embeddings.npz"}
    assert any(p.name.startswith("clusters.") and p.suffix in (".webp", ".png") for p in folder.iterdir())
    made = summary["provenance"]
    info = json.loads((run / "run.json").read_text())
    data = json.loads((run / "data.json").read_text())
    assert made["run"] == run.name and made["identity"] == info["identity"] and made["code_version"] == info["code_version"]
    assert made["split_sha256"] == data["split_sha256"] and made["data_fingerprint"] == clustered["fingerprint"]
    assignments = load_assignments(run)  # a run directory is enough
    assert assignments.ids == clustered["train"].tolist()
    assert set(assignments.cluster_ids) == {int(c) for c in summary["clusters"]}
    header = (folder / "assignments.csv").read_text().splitlines()[0]
    assert header == "id,label,cluster,probability"


def test_existing_assignments_are_replaced_only_when_asked(clustered):
    run = clustered["run"]
    before = (run / "clusters" / "assignments.csv").read_text()
    with pytest.raises(LabrailsError, match="already exist"):
        recluster(run, min_cluster_size=25)
    after = recluster(run, min_cluster_size=25, replace=True)
    assert after["params"]["min_cluster_size"] == 25 and (run / "clusters" / "assignments.csv").read_text() != before


def test_labrails_clusters_shows_a_run_s_clusters_and_says_what_makes_them(clustered, tmp_path, monkeypatch):
    from labrails.cli.app import app

    monkeypatch.chdir(clustered["exp"].root)
    shown = CliRunner().invoke(app, ["clusters", "de-risk-baseline"])
    assert shown.exit_code == 0, shown.output
    assert f"{clustered['summary']['n_clusters']} clusters" in shown.output and "clusters.assignments" in shown.output
    plain = record_run(clustered["exp"], "de-risk-plain", force=True)  # same config: an identical run
    refused = CliRunner().invoke(app, ["clusters", plain.name])
    assert isinstance(refused.exception, LabrailsError)  # the console script prints it and exits 2
    assert "saved no embeddings" in refused.exception.message and "clusters.embed: true" in refused.exception.fix


# --------------------------------------------------------------------------------------------- filter rules


def _plan(clustered, section, cartography=None, *, ids=None, **kw):
    config = {"clusters": {"assignments": str(clustered["run"]), **section}}
    if cartography is not None:
        config["cartography"] = cartography
    ids = clustered["train"] if ids is None else ids
    kw.setdefault("split_file", clustered["split"])
    kw.setdefault("data_fingerprint", clustered["fingerprint"])
    return plan_training(config, ids.tolist(), clustered["y"][ids].tolist(), **kw)


def test_exclude_clusters_drops_their_members_and_records_what_left_by_class(clustered):
    a = load_assignments(clustered["run"])
    plan = _plan(clustered, {"exclude_clusters": [-1]})
    noise = [i for i in a.ids if a.cluster[i] == NOISE]

    assert plan.ids == [i for i in a.ids if a.cluster[i] != NOISE]
    (step,) = plan.steps
    assert step["rule"] == "clusters.exclude_clusters" and step["removed"] == len(noise)
    by_class = {}
    for i in noise:
        by_class[str(a.label[i])] = by_class.get(str(a.label[i]), 0) + 1
    assert step["removed_by_class"] == by_class and sum(plan.classes["after"].values()) == len(plan.ids)


def test_min_cluster_probability_drops_weak_members_and_noise(clustered):
    a = load_assignments(clustered["run"])
    plan = _plan(clustered, {"min_cluster_probability": 0.6})
    assert plan.ids == [i for i in a.ids if a.probability[i] >= 0.6]
    assert not any(a.cluster[i] == NOISE for i in plan.ids)  # noise has probability 0
    assert [s["rule"] for s in plan.steps] == ["clusters.min_cluster_probability"]


def test_cluster_rules_apply_in_order_each_counting_only_what_it_removed(clustered):
    a = load_assignments(clustered["run"])
    biggest = max((c for c in a.cluster_ids if c != NOISE), key=lambda c: sum(v == c for v in a.cluster.values()))
    plan = _plan(clustered, {"exclude_clusters": [biggest], "min_cluster_probability": 0.6})
    first, second = plan.steps
    assert (first["rule"], second["rule"]) == ("clusters.exclude_clusters", "clusters.min_cluster_probability")
    assert first["removed"] == sum(v == biggest for v in a.cluster.values())
    assert second["before"] == first["kept"] and second["kept"] == len(plan.ids)
    assert plan.ids == [i for i in a.ids if a.cluster[i] != biggest and a.probability[i] >= 0.6]


def test_no_rule_and_no_strategy_means_no_plan(clustered):
    assert _plan(clustered, {"exclude_clusters": [], "min_cluster_probability": 0.0}) is None


# --------------------------------------------------------------------------------------------- combined


def _dynamics(clustered, tmp_path):
    """Real training dynamics: a logistic regression trained epoch by epoch on the training examples."""
    from sklearn.linear_model import SGDClassifier

    X, y, train = clustered["X"], clustered["y"], clustered["train"]
    model = SGDClassifier(loss="log_loss", learning_rate="constant", eta0=0.01, random_state=0)
    logger = DynamicsLogger(tmp_path / "dyn" / "dynamics.jsonl")
    for epoch in range(4):
        model.partial_fit(X[train], y[train], classes=np.arange(10))
        logger.log_batch(epoch, train, model.predict_proba(X[train]), y[train])
    return logger.path


def test_combined_filters_first_then_smooths_and_weights_the_kept_examples(clustered, tmp_path):
    dyn = _dynamics(clustered, tmp_path)
    data_map = compute_map(load_dynamics(dyn))
    a = load_assignments(clustered["run"])
    survivors = [i for i in a.ids if a.cluster[i] != NOISE]

    plan = _plan(clustered, {"exclude_clusters": [-1]},
                 {"strategy": "filter+smoothing", "dynamics": str(dyn), "top_fraction": 0.5})

    assert [s["rule"] for s in plan.steps] == ["clusters.exclude_clusters", "cartography.filter", "cartography.smoothing"]
    assert [s["rule"] for s in plan.steps] == [r for r in ORDER if r in {s["rule"] for s in plan.steps}]
    # the cartography filter's share is of what the cluster rule kept
    expected = set(select_ambiguous(data_map.loc[survivors], 0.5))
    assert plan.ids == [i for i in survivors if i in expected] and plan.steps[1]["before"] == len(survivors)
    np.testing.assert_allclose(plan.eps_for(plan.ids), smoothing_from_variability(data_map, plan.ids))
    assert plan.strategy == "clusters+filter+smoothing"

    weighted = _plan(clustered, {"exclude_clusters": [-1]},
                     {"strategy": "filter+weighting", "dynamics": str(dyn), "top_fraction": 0.5,
                      "weight_clip_min": 1e-6, "weight_clip_max": 1e6})
    assert weighted.ids == plan.ids
    assert weighted.weights_for(weighted.ids).mean() == pytest.approx(1.0)  # normalised over the kept examples only

    out = record_plan(clustered["run"], plan)
    recorded = json.loads(out.read_text())
    assert recorded["order"] == list(ORDER) and recorded["n_kept"] == len(plan.ids)
    assert recorded["classes"]["before"] == {str(k): int(v) for k, v in zip(*np.unique(clustered["y"][clustered["train"]], return_counts=True))}


# --------------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("section, expected", [
    ({"min_cluster_probability": 1.5}, "clusters.min_cluster_probability must be a probability in [0, 1], got 1.5"),
    ({"min_cluster_probability": -0.1}, "must be a probability in [0, 1]"),
    ({"exclude_clusters": ["noise"]}, "clusters.exclude_clusters must be a list of cluster ids"),
    ({"exclude_clusters": -1}, "clusters.exclude_clusters must be a list of cluster ids"),
    ({"exclude_cluster": [-1]}, "unknown key 'clusters.exclude_cluster'"),
])
def test_bad_values_name_the_key_and_the_fix(section, expected, tmp_path):
    config_path = tmp_path / "config.yaml"
    with pytest.raises(ConfigError) as err:
        check_section({"clusters": section}, path=config_path)
    assert expected in err.value.message and err.value.fix and err.value.path == config_path


def test_an_unknown_cluster_id_is_refused_with_the_ones_that_exist(clustered):
    with pytest.raises(ConfigError) as err:
        _plan(clustered, {"exclude_clusters": [-1, 999]}, config_path="config.yaml")
    assert "names cluster(s) 999" in err.value.message and "it has -1, 0" in err.value.message and err.value.fix


def test_assignments_from_another_split_or_dataset_are_refused(clustered, tmp_path):
    other_split = tmp_path / "other-split.json"
    other_split.write_text(clustered["split"].read_text().replace("[", "[ ", 1))
    with pytest.raises(ConfigError) as err:
        _plan(clustered, {"exclude_clusters": [-1]}, split_file=other_split)
    assert "was made on another split" in err.value.message and err.value.path.name == "assignments.csv"
    assert "clusters.assignments" in err.value.message and "clusters.embed: true" in err.value.fix

    with pytest.raises(ConfigError, match="was made on another dataset"):
        _plan(clustered, {"exclude_clusters": [-1]}, data_fingerprint=labrails.fingerprint(clustered["X"][::-1], clustered["y"]))

    val_ids = np.arange(len(clustered["y"]))[~np.isin(np.arange(len(clustered["y"])), clustered["train"])][:20]
    with pytest.raises(ConfigError, match=r"20 of the 20 training ids are not in assignments.csv"):
        _plan(clustered, {"exclude_clusters": [-1]}, ids=val_ids)


def test_missing_assignments_say_which_run_makes_them(clustered, tmp_path):
    with pytest.raises(ConfigError) as err:
        plan_training({"clusters": {"exclude_clusters": [-1]}}, [1, 2], [0, 1], config_path="config.yaml")
    assert "clusters.assignments is not" in err.value.message and "clusters.embed: true" in err.value.fix
    with pytest.raises(LabrailsError) as err:
        load_assignments(tmp_path)
    assert "no cluster assignments here" in err.value.message and "labrails clusters RUN" in err.value.fix
    broken = clustered["run"] / "clusters" / "assignments.csv"
    broken.write_text(broken.read_text() + "17,3,oops,0.5\n")
    with pytest.raises(LabrailsError, match=r"line \d+ is not id,label,cluster,probability"):
        load_assignments(broken)


def test_apply_rules_is_a_pure_function_of_section_and_assignments(clustered):
    a = load_assignments(clustered["run"])
    ((rule, kept, detail),) = apply_rules({"exclude_clusters": [0]}, a, a.ids)
    assert rule == "clusters.exclude_clusters" and "cluster(s) [0]" in detail and len(kept) == sum(c != 0 for c in a.cluster.values())
