"""Dataset cartography: metrics, regions, strategies, the dynamics log and a real run on digits."""

from __future__ import annotations

import json
import random

import numpy as np
import pandas as pd
import pytest

from labrails.recipes.cartography import (
    Dynamics,
    DynamicsLogger,
    apply_strategy,
    compute_map,
    load_dynamics,
    plot_data_map,
    select_ambiguous,
    smoothed_cross_entropy,
    smoothing_from_variability,
    weights_from_variability,
)
from labrails.core.errors import LabrailsError

# Three examples x four epochs: gold-label probability and whether the prediction was right.
#
#   "easy": 0.8 0.9 0.9 1.0  mean 0.9, deviations -.1 0 0 .1 -> var 0.02/4 = 0.005, std sqrt(0.005) = 0.070711
#           right 4/4 = 1.0
#   "amb":  0.2 0.8 0.2 0.8  mean 0.5, deviations all +-.3    -> var 0.09,           std 0.3
#           right 2/4 = 0.5
#   "hard": 0.1 0.1 0.3 0.3  mean 0.2, deviations all +-.1    -> var 0.01,           std 0.1
#           right 1/4 = 0.25
TABLE = {
    "easy": ([0.8, 0.9, 0.9, 1.0], [True, True, True, True]),
    "amb": ([0.2, 0.8, 0.2, 0.8], [False, True, False, True]),
    "hard": ([0.1, 0.1, 0.3, 0.3], [False, False, False, True]),
}


def tiny_dynamics() -> Dynamics:
    ids = list(TABLE)
    return Dynamics(
        ids=ids,
        epochs=[0, 1, 2, 3],
        gold_probs=np.array([TABLE[i][0] for i in ids]),
        correct=np.array([TABLE[i][1] for i in ids]),
    )


def write_tiny_log(path, *, batches_per_epoch=2, seed=0):
    """Log TABLE the way a training loop does: shuffled, several batches per epoch."""
    rng = random.Random(seed)
    logger = DynamicsLogger(path)
    for epoch in range(4):
        ids = list(TABLE)
        rng.shuffle(ids)
        for b in range(batches_per_epoch):
            batch = ids[b::batches_per_epoch]
            logger.log_epoch(
                epoch,
                batch,
                [TABLE[i][0][epoch] for i in batch],
                [TABLE[i][1][epoch] for i in batch],
            )
    return logger.path


# A hand-written map of six examples; regions follow compute_map's rule with ambiguous_fraction=1/3
# (2 most variable = ambiguous; of the rest, confidence >= 0.5 is easy). Variabilities sum to 1.0,
# so their mean is 1/6 and weights are 6 * variability.
HAND_MAP = pd.DataFrame(
    {
        "confidence": [0.95, 0.90, 0.60, 0.50, 0.15, 0.30],
        "variability": [0.02, 0.04, 0.30, 0.40, 0.10, 0.14],
        "correctness": [1.0, 1.0, 0.6, 0.5, 0.0, 0.2],
        "region": ["easy-to-learn"] * 2 + ["ambiguous"] * 2 + ["hard-to-learn"] * 2,
    },
    index=pd.Index([0, 1, 2, 3, 4, 5], name="id"),
)


# ------------------------------------------------------------------------------------------ metrics


def test_map_metrics_match_hand_computed_values():
    m = compute_map(tiny_dynamics(), ambiguous_fraction=1 / 3)

    assert m.loc["easy", "confidence"] == pytest.approx(0.9)
    assert m.loc["amb", "confidence"] == pytest.approx(0.5)
    assert m.loc["hard", "confidence"] == pytest.approx(0.2)
    assert m.loc["easy", "variability"] == pytest.approx(np.sqrt(0.005))
    assert m.loc["amb", "variability"] == pytest.approx(0.3)
    assert m.loc["hard", "variability"] == pytest.approx(0.1)
    assert m["correctness"].to_dict() == {"easy": 1.0, "amb": 0.5, "hard": 0.25}


def test_variability_is_population_std_not_sample_std():
    m = compute_map(tiny_dynamics())
    # Sample std (ddof=1) of "easy" would be sqrt(0.02 / 3) = 0.0816.
    assert m.loc["easy", "variability"] == pytest.approx(0.070711, abs=1e-6)
    assert m.loc["easy", "variability"] != pytest.approx(np.sqrt(0.02 / 3), abs=1e-4)


def test_regions_top_variability_is_ambiguous_rest_split_by_confidence():
    m = compute_map(tiny_dynamics(), ambiguous_fraction=1 / 3)
    assert m["region"].to_dict() == {"easy": "easy-to-learn", "amb": "ambiguous", "hard": "hard-to-learn"}

    # Two of three ambiguous: "hard" (std 0.1) joins "amb" (0.3); "easy" (0.071) stays easy.
    m = compute_map(tiny_dynamics(), ambiguous_fraction=0.5)
    assert m["region"].to_dict() == {"easy": "easy-to-learn", "amb": "ambiguous", "hard": "ambiguous"}

    # A higher bar for "easy" moves "easy" (confidence 0.9) to hard-to-learn.
    m = compute_map(tiny_dynamics(), ambiguous_fraction=1 / 3, easy_threshold=0.95)
    assert m.loc["easy", "region"] == "hard-to-learn"


def test_examples_that_never_vary_are_never_ambiguous():
    dyn = Dynamics(ids=[0, 1], epochs=[0, 1], gold_probs=np.array([[0.7, 0.7], [0.2, 0.2]]),
                   correct=np.ones((2, 2), dtype=bool))
    assert compute_map(dyn, ambiguous_fraction=1.0)["region"].tolist() == ["easy-to-learn", "hard-to-learn"]


def test_one_epoch_is_not_enough_for_a_map():
    dyn = Dynamics(ids=[0], epochs=[0], gold_probs=np.array([[0.5]]), correct=np.array([[True]]))
    with pytest.raises(LabrailsError, match="at least 2"):
        compute_map(dyn)


# ------------------------------------------------------------------------------------------ strategies


def test_select_ambiguous_keeps_the_most_variable_fraction():
    # Variability order: 3 (.40), 2 (.30), 5 (.14), 4 (.10), 1 (.04), 0 (.02); half of 6 is 3.
    assert select_ambiguous(HAND_MAP, 0.5) == [2, 3, 5]
    assert select_ambiguous(HAND_MAP, 1 / 3) == [2, 3]


def test_select_ambiguous_adds_easy_and_hard_examples_as_configured():
    assert select_ambiguous(HAND_MAP, 0.5, keep_easy=True) == [0, 1, 2, 3, 5]
    # Half of the two easy examples: the more variable one, id 1 (.04 > .02).
    assert select_ambiguous(HAND_MAP, 0.5, keep_easy=0.5) == [1, 2, 3, 5]
    # Hard id 5 is already among the top half; only 4 is left to add.
    assert select_ambiguous(HAND_MAP, 0.5, keep_hard=True) == [2, 3, 4, 5]
    # Half of the two hard examples: the more variable one, id 5 (.14 > .10).
    assert select_ambiguous(HAND_MAP, 1 / 3, keep_hard=0.5) == [2, 3, 5]
    assert select_ambiguous(HAND_MAP, 1 / 3, keep_easy=True, keep_hard=True) == [0, 1, 2, 3, 4, 5]


def test_smoothing_grows_with_variability_and_is_capped():
    # eps = min(0.5, 0.6 * v / 0.40) = 1.5 v: id 0 -> 0.03, id 3 -> 0.6 capped to 0.5, id 4 -> 0.15.
    eps = smoothing_from_variability(HAND_MAP, [0, 3, 4], factor=0.6, max_smoothing=0.5)
    np.testing.assert_allclose(eps, [0.03, 0.5, 0.15])


def test_weights_are_variability_over_its_mean_then_clipped():
    # w = v / (1/6) = 6 v = [0.12, 0.24, 1.8, 2.4, 0.6, 0.84], clipped to [0.2, 2.0].
    w = weights_from_variability(HAND_MAP, [0, 1, 2, 3, 4, 5], clip_min=0.2, clip_max=2.0)
    np.testing.assert_allclose(w, [0.2, 0.24, 1.8, 2.0, 0.6, 0.84])
    # Before clipping the mean is exactly 1.
    unclipped = weights_from_variability(HAND_MAP, [0, 1, 2, 3, 4, 5], clip_min=1e-9, clip_max=1e9)
    assert unclipped.mean() == pytest.approx(1.0)


def test_strategy_functions_reject_ids_missing_from_the_map():
    with pytest.raises(LabrailsError, match="2 of 3 ids are not in the data map"):
        weights_from_variability(HAND_MAP, [0, 98, 99])


def test_smoothed_cross_entropy_matches_torch_label_smoothing():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    logits = torch.randn(8, 5)
    targets = torch.randint(0, 5, (8,))
    for eps in (0.0, 0.1, 0.3):
        ours = smoothed_cross_entropy(logits, targets, np.full(8, eps))
        theirs = torch.nn.functional.cross_entropy(logits, targets, label_smoothing=eps)
        assert ours.item() == pytest.approx(theirs.item(), rel=1e-6)


def test_smoothed_cross_entropy_applies_per_example_eps_and_weights():
    torch = pytest.importorskip("torch")
    torch.manual_seed(1)
    logits = torch.randn(3, 4, requires_grad=True)
    targets = torch.tensor([0, 2, 3])
    eps, w = [0.0, 0.2, 0.4], [0.5, 1.0, 1.5]
    one = torch.nn.functional.cross_entropy
    expected = sum(
        w[i] * one(logits[i : i + 1], targets[i : i + 1], label_smoothing=eps[i]) for i in range(3)
    ) / 3
    got = smoothed_cross_entropy(logits, targets, eps, weights=w)
    assert got.item() == pytest.approx(expected.item(), rel=1e-6)
    got.backward()
    assert logits.grad is not None


def test_apply_strategy_from_config():
    train = [5, 4, 3, 2, 1, 0]  # the scaffold's order is kept
    cfg = {"dynamics": "runs/baseline"}

    filter_cfg = {**cfg, "strategy": "filter", "top_fraction": 0.5, "keep_easy": 0.5}
    plan = apply_strategy(filter_cfg, HAND_MAP, train)
    assert plan.ids == [5, 3, 2, 1] and plan.eps is None and plan.weights is None

    plan = apply_strategy({**cfg, "strategy": "smoothing", "smoothing_factor": 0.6}, HAND_MAP, [0, 3, 4])
    np.testing.assert_allclose(plan.eps, [0.03, 0.5, 0.15])
    np.testing.assert_allclose(plan.eps_for([4, 0]), [0.15, 0.03])
    np.testing.assert_allclose(plan.weights_for([4, 0]), [1.0, 1.0])

    weight_cfg = {**cfg, "strategy": "weighting", "weight_clip_min": 0.2, "weight_clip_max": 2.0}
    plan = apply_strategy(weight_cfg, HAND_MAP, [0, 1, 2, 3, 4, 5])
    np.testing.assert_allclose(plan.weights, [0.2, 0.24, 1.8, 2.0, 0.6, 0.84])
    assert plan.summary()["n_kept"] == 6

    plan = apply_strategy({"strategy": "none"}, None, train)
    assert plan.ids == train and plan.eps is None and plan.weights is None


def test_apply_strategy_builds_the_map_from_a_run_directory(tmp_path):
    write_tiny_log(tmp_path / "baseline" / "logs" / "dynamics.jsonl")
    cfg = {"strategy": "filter", "dynamics": str(tmp_path / "baseline"), "top_fraction": 1 / 3}
    plan = apply_strategy(cfg, None, ["easy", "amb", "hard"])
    assert plan.ids == ["amb"]
    assert plan.source.endswith("dynamics.jsonl")


def test_apply_strategy_names_an_unknown_key_and_lists_known_ones():
    with pytest.raises(LabrailsError, match="unknown key in cartography: top_frac") as err:
        apply_strategy({"strategy": "filter", "top_frac": 0.3}, HAND_MAP, [0])
    assert "top_fraction" in str(err.value)


def test_apply_strategy_without_dynamics_says_to_run_a_baseline_first():
    with pytest.raises(LabrailsError, match="dynamics is not set") as err:
        apply_strategy({"strategy": "smoothing"}, HAND_MAP, [0])
    assert "run a baseline" in str(err.value)


def test_apply_strategy_rejects_bad_values():
    with pytest.raises(LabrailsError, match="strategy is 'drop'"):
        apply_strategy({"strategy": "drop", "dynamics": "x"}, HAND_MAP, [0])
    with pytest.raises(LabrailsError, match="top_fraction must be"):
        apply_strategy({"strategy": "filter", "dynamics": "x", "top_fraction": 33}, HAND_MAP, [0])
    with pytest.raises(LabrailsError, match="smoothing_factor must be a number"):
        apply_strategy({"strategy": "smoothing", "dynamics": "x", "smoothing_factor": "high"}, HAND_MAP, [0])


# ------------------------------------------------------------------------------------------ the log


def test_logger_round_trip_with_shuffled_multi_batch_epochs(tmp_path):
    path = write_tiny_log(tmp_path / "logs" / "dynamics.jsonl", batches_per_epoch=2)
    assert len(path.read_text().splitlines()) == 8  # 4 epochs x 2 batches

    dyn = load_dynamics(tmp_path)  # a run directory works as well as the file
    assert dyn.ids == ["amb", "easy", "hard"]  # sorted
    assert dyn.epochs == [0, 1, 2, 3]
    expected = tiny_dynamics()
    order = [expected.ids.index(i) for i in dyn.ids]
    np.testing.assert_array_equal(dyn.gold_probs, expected.gold_probs[order])
    np.testing.assert_array_equal(dyn.correct, expected.correct[order])


def test_log_batch_takes_logits_or_probabilities(tmp_path):
    torch = pytest.importorskip("torch")
    logits = torch.tensor([[2.0, 0.0, 0.0], [0.0, 0.0, 3.0]])
    labels = torch.tensor([0, 1])
    probs = torch.softmax(logits, dim=1)

    a = DynamicsLogger(tmp_path / "a.jsonl")
    b = DynamicsLogger(tmp_path / "b.jsonl")
    for epoch in (0, 1):
        a.log_batch(epoch, torch.tensor([10, 11]), logits, labels, from_logits=True)
        b.log_batch(epoch, np.array([10, 11]), probs.numpy(), labels.numpy())

    da, db = load_dynamics(a.path), load_dynamics(b.path)
    assert da.ids == [10, 11]
    np.testing.assert_allclose(da.gold_probs, db.gold_probs, rtol=1e-6)
    np.testing.assert_allclose(da.gold_probs[:, 0], [probs[0, 0].item(), probs[1, 1].item()], rtol=1e-6)
    assert da.correct[:, 0].tolist() == [True, False]


def test_log_batch_catches_logits_passed_as_probabilities(tmp_path):
    with pytest.raises(LabrailsError, match="from_logits=True"):
        DynamicsLogger(tmp_path / "d.jsonl").log_batch(0, [0, 1], np.array([[2.0, -1.0], [0.5, 0.1]]), [0, 1])


def test_load_errors_on_missing_or_empty_log(tmp_path):
    with pytest.raises(LabrailsError, match="no training-dynamics log") as err:
        load_dynamics(tmp_path / "nope.jsonl")
    assert "run a baseline" in str(err.value)
    (tmp_path / "empty.jsonl").write_text("")
    with pytest.raises(LabrailsError, match="no records"):
        load_dynamics(tmp_path / "empty.jsonl")


def test_load_errors_name_how_many_examples_are_missing_and_from_which_epochs(tmp_path):
    logger = DynamicsLogger(tmp_path / "d.jsonl")
    logger.log_epoch(0, [0, 1, 2], [0.5, 0.5, 0.5], [True, True, True])
    logger.log_epoch(1, [0, 1, 2], [0.6, 0.6, 0.6], [True, True, True])
    logger.log_epoch(2, [0], [0.7], [True])  # e.g. a run killed mid-epoch, or drop_last=True
    with pytest.raises(LabrailsError, match=r"2 of 3 examples are missing from some epochs: epoch 2 lacks 2") as e:
        load_dynamics(logger.path)
    assert "epochs=[0, 1]" in str(e.value)
    assert load_dynamics(logger.path, epochs=[0, 1]).gold_probs.shape == (3, 2)


def test_load_errors_on_duplicate_entries(tmp_path):
    logger = DynamicsLogger(tmp_path / "d.jsonl")
    logger.log_epoch(0, [0, 1], [0.5, 0.5], [True, True])
    logger.log_epoch(0, [1], [0.5], [True])  # e.g. a resumed run repeating an epoch
    with pytest.raises(LabrailsError, match=r"1 duplicate entries.*epochs \[0\]"):
        load_dynamics(logger.path)


def test_load_errors_on_a_cut_off_line(tmp_path):
    path = write_tiny_log(tmp_path / "d.jsonl")
    with path.open("a") as fh:
        fh.write('{"epoch": 4, "ids": ["ea')
    with pytest.raises(LabrailsError, match="line 9 is not a dynamics record"):
        load_dynamics(path)


# ------------------------------------------------------------------------------------------ plot + real data


def test_plot_writes_an_image_and_a_sidecar_naming_the_source(tmp_path):
    m = compute_map(tiny_dynamics(), ambiguous_fraction=1 / 3)
    out = plot_data_map(m, tmp_path / "data_map.webp", source="runs/baseline/logs/dynamics.jsonl")
    assert out.suffix in (".webp", ".png") and out.stat().st_size > 0
    meta = json.loads(out.with_name(out.name + ".json").read_text())
    assert meta["source"] == "runs/baseline/logs/dynamics.jsonl"
    assert meta["regions"] == {"easy-to-learn": 1, "ambiguous": 1, "hard-to-learn": 1}


def test_digits_training_dynamics_make_a_sane_map(tmp_path):
    torch = pytest.importorskip("torch")
    datasets = pytest.importorskip("sklearn.datasets")

    digits = datasets.load_digits()
    x = torch.tensor(digits.data / 16.0, dtype=torch.float32)
    y = torch.tensor(digits.target)
    ids = torch.arange(len(y))

    torch.manual_seed(0)
    model = torch.nn.Linear(64, 10)
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    logger = DynamicsLogger(tmp_path / "run" / "logs" / "dynamics.jsonl")
    for epoch in range(5):
        for batch in torch.randperm(len(y)).split(64):
            logits = model(x[batch])
            loss = torch.nn.functional.cross_entropy(logits, y[batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
            logger.log_batch(epoch, ids[batch], logits, y[batch], from_logits=True)

    m = compute_map(load_dynamics(tmp_path / "run"))
    assert len(m) == len(y)
    assert m["confidence"].between(0, 1).all() and m["correctness"].between(0, 1).all()
    assert m["variability"].between(0, 0.5).all()  # std of values in [0, 1] is at most 0.5
    by_region = m.groupby("region")
    assert set(by_region.groups) == {"easy-to-learn", "ambiguous", "hard-to-learn"}
    assert (m["region"] == "ambiguous").sum() == round(0.33 * len(y))
    assert by_region["variability"].mean()["ambiguous"] > by_region["variability"].mean()["easy-to-learn"]
    assert by_region["confidence"].mean()["easy-to-learn"] > by_region["confidence"].mean()["hard-to-learn"]

    out = plot_data_map(m, tmp_path / "run" / "figures" / "data_map")
    assert out.exists() and out.stat().st_size > 1000
    assert json.loads(out.with_name(out.name + ".json").read_text())["source"].endswith("dynamics.jsonl")
