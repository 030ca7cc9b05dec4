"""Split hygiene on scikit-learn's breast cancer table (569 tumours, binary diagnosis).

Units for grouped splits come from a real feature: tumours binned by mean radius stand in for
"same patient / same site" groups, where rows of one unit are similar and must not straddle splits.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from labrails.core.errors import LabrailsError
from labrails.data.split import check_split, load_split, make_split, save_split

datasets = pytest.importorskip("sklearn.datasets")


@pytest.fixture(scope="module")
def tumours() -> pd.DataFrame:
    frame = datasets.load_breast_cancer(as_frame=True).frame.reset_index(names="tumour_id")
    frame["radius_band"] = pd.qcut(frame["mean radius"], 40, labels=False)
    # Stand-in acquisition order for temporal splits: the table's row order, one day apart.
    frame["scanned_on"] = pd.Timestamp("2021-01-04") + pd.to_timedelta(frame.index, unit="D")
    return frame


def ids_of(split: dict) -> dict[str, set]:
    return {name: set(split[name]) for name in ("train", "val", "test")}


def test_random_split_covers_every_row_once(tumours):
    split = make_split(tumours, id_col="tumour_id", strategy="random", test_size=0.2, val_size=0.1)
    parts = ids_of(split)

    assert parts["train"] | parts["val"] | parts["test"] == set(tumours["tumour_id"])
    assert sum(len(p) for p in parts.values()) == len(tumours)
    assert split["counts"] == {"train": 398, "val": 57, "test": 114}  # test and val round up
    assert split["unit"] == "tumour_id" and split["seed"] == 42 and split["created_at"]
    assert check_split(tumours, split, id_col="tumour_id").ok


def test_same_seed_same_split_other_seed_other_split(tumours):
    first = make_split(tumours, id_col="tumour_id", strategy="random", seed=7)
    again = make_split(tumours, id_col="tumour_id", strategy="random", seed=7)
    other = make_split(tumours, id_col="tumour_id", strategy="random", seed=8)
    assert first["test"] == again["test"]
    assert set(first["test"]) != set(other["test"])


def test_stratified_split_keeps_class_balance(tumours):
    split = make_split(tumours, id_col="tumour_id", strategy="stratified", label_col="target", test_size=0.25)
    test = tumours[tumours["tumour_id"].isin(split["test"])]
    assert test["target"].mean() == pytest.approx(tumours["target"].mean(), abs=0.01)
    assert len(test) == pytest.approx(0.25 * len(tumours), abs=2)


def test_grouped_split_keeps_each_unit_on_one_side(tumours):
    split = make_split(tumours, id_col="tumour_id", strategy="grouped", group_col="radius_band", val_size=0.1)
    assigned = tumours.assign(split=tumours["tumour_id"].map({i: s for s in ("train", "val", "test") for i in split[s]}))

    assert (assigned.groupby("radius_band")["split"].nunique() == 1).all()
    assert split["unit"] == "radius_band"
    assert split["unit_counts"]["test"] >= 1 and split["unit_counts"]["val"] >= 1
    assert split["counts"]["test"] == pytest.approx(0.2 * len(tumours), rel=0.25)
    assert check_split(tumours, split, id_col="tumour_id").ok


def test_temporal_split_tests_on_the_latest_rows(tumours):
    split = make_split(tumours, id_col="tumour_id", strategy="temporal", time_col="scanned_on", val_size=0.1)
    when = tumours.set_index("tumour_id")["scanned_on"]
    assert when[split["train"]].max() < when[split["val"]].min()
    assert when[split["val"]].max() < when[split["test"]].min()
    assert split["time_cutoffs"]["test_from"].startswith(str(when[split["test"]].min().date()))


def test_temporal_split_never_splits_a_shared_timestamp(tumours):
    # Scans batched by week: many tumours share a date.
    weekly = tumours.assign(scanned_on=tumours["scanned_on"].dt.to_period("W").dt.start_time)
    split = make_split(weekly, id_col="tumour_id", strategy="temporal", time_col="scanned_on")
    when = weekly.set_index("tumour_id")["scanned_on"]
    assert when[split["train"]].max() < when[split["test"]].min()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"strategy": "stratified"}, "needs label_col"),
        ({"strategy": "grouped"}, "needs group_col"),
        ({"strategy": "shuffled"}, "random, stratified, grouped, temporal"),
        ({"strategy": "random", "test_size": 0.0}, "test_size must be above 0"),
        ({"strategy": "random", "test_size": 0.6, "val_size": 0.4}, "leaves nothing to train on"),
        ({"strategy": "grouped", "group_col": "radius"}, "'radius' is not a column"),
    ],
)
def test_bad_requests_say_what_to_change(tumours, options, message):
    with pytest.raises(LabrailsError, match=message) as err:
        make_split(tumours, id_col="tumour_id", **options)
    assert err.value.fix


def test_repeated_ids_are_refused(tumours):
    with pytest.raises(LabrailsError, match="repeated") as err:
        make_split(tumours, id_col="radius_band", strategy="random")
    assert "grouped" in err.value.fix


# --- files ------------------------------------------------------------------------------------------


def test_save_and_load_round_trip(tumours, tmp_path):
    split = make_split(tumours, id_col="tumour_id", strategy="stratified", label_col="target")
    path = save_split(split, tmp_path / "splits" / "split.json")
    assert load_split(path) == split
    assert [p.name for p in path.parent.iterdir()] == ["split.json"]  # no temporary file left behind


def test_saving_the_same_split_again_is_fine(tumours, tmp_path):
    split = make_split(tumours, id_col="tumour_id", strategy="random")
    save_split(split, tmp_path / "split.json")
    remade = make_split(tumours, id_col="tumour_id", strategy="random")  # new created_at, same content
    save_split(remade, tmp_path / "split.json")


def test_a_different_split_is_not_overwritten_by_accident(tumours, tmp_path):
    path = save_split(make_split(tumours, id_col="tumour_id", strategy="random", seed=1), tmp_path / "split.json")
    before = path.read_text()
    other = make_split(tumours, id_col="tumour_id", strategy="random", seed=2)

    with pytest.raises(LabrailsError, match="different split") as err:
        save_split(other, path)
    assert "overwrite" in err.value.fix
    assert path.read_text() == before

    save_split(other, path, overwrite=True)
    assert load_split(path)["seed"] == 2


def test_load_split_explains_broken_files(tmp_path):
    with pytest.raises(LabrailsError, match="not found"):
        load_split(tmp_path / "missing.json")

    (tmp_path / "cut.json").write_text('{"strategy": "random", "train": [1, 2')
    with pytest.raises(LabrailsError, match="not valid JSON"):
        load_split(tmp_path / "cut.json")

    (tmp_path / "partial.json").write_text(json.dumps({"strategy": "random", "train": [1], "test": [2]}))
    with pytest.raises(LabrailsError, match="missing key.*seed"):
        load_split(tmp_path / "partial.json")


def test_load_split_notices_hand_edits(tumours, tmp_path):
    split = make_split(tumours, id_col="tumour_id", strategy="random")
    split["test"].append(split["train"].pop())  # counts now disagree with the lists
    (tmp_path / "edited.json").write_text(json.dumps(split))
    with pytest.raises(LabrailsError, match="edited by hand"):
        load_split(tmp_path / "edited.json")

    split = make_split(tumours, id_col="tumour_id", strategy="random")
    split["val"] = [True]  # a flag is not an id, even though JSON could read it as 1
    (tmp_path / "flag.json").write_text(json.dumps(split))
    with pytest.raises(LabrailsError, match="split 'val' holds a value that is not an id: True"):
        load_split(tmp_path / "flag.json")


# --- checking ---------------------------------------------------------------------------------------


def test_check_finds_an_id_in_two_splits(tumours):
    split = make_split(tumours, id_col="tumour_id", strategy="random")
    leaked = split["test"][0]
    split["train"].append(leaked)
    split["counts"]["train"] += 1

    report = check_split(tumours, split, id_col="tumour_id")
    assert not report.ok
    finding = next(f for f in report.errors if f.code == "id_in_two_splits")
    assert leaked in finding.examples
    assert "id_in_two_splits" in report.to_text()


def test_check_finds_units_on_both_sides_of_a_random_split(tumours):
    split = make_split(tumours, id_col="tumour_id", strategy="random")
    report = check_split(tumours, split, id_col="tumour_id", group_col="radius_band")
    codes = [f.code for f in report.errors]
    assert codes == ["unit_in_two_splits"]
    assert "of 'radius_band'" in report.errors[0].message


def test_check_finds_a_copied_row_across_splits(tumours):
    split = make_split(tumours, id_col="tumour_id", strategy="random")
    # The same scan filed twice under a new id, and the copy ends up in test.
    original = tumours[tumours["tumour_id"] == split["train"][0]]
    copy = original.assign(tumour_id=10_000)
    data = pd.concat([tumours, copy], ignore_index=True)
    split["test"].append(10_000)
    split["counts"]["test"] += 1

    report = check_split(data, split, id_col="tumour_id", ignore_cols=["scanned_on"])
    finding = next(f for f in report.errors if f.code == "duplicate_rows_across_splits")
    assert "1 distinct feature row" in finding.message
    assert f"train:{split['train'][0]}" in finding.examples[0] and "test:10000" in finding.examples[0]


def test_check_warns_about_ids_missing_from_the_data(tumours):
    split = make_split(tumours, id_col="tumour_id", strategy="random")
    fewer = tumours[tumours["tumour_id"] >= 10]
    report = check_split(fewer, split, id_col="tumour_id")
    assert report.ok  # a filtered table is not leakage
    finding = next(f for f in report.warnings if f.code == "ids_missing_from_data")
    assert finding.message.startswith("10 id(s)")


def test_check_warns_about_rows_filed_twice(tumours):
    split = make_split(tumours, id_col="tumour_id", strategy="random")
    refiled = pd.concat([tumours, tumours.tail(3)])  # index repeats too, as after a careless concat
    report = check_split(refiled, split, id_col="tumour_id", ignore_cols=["scanned_on"])
    finding = next(f for f in report.warnings if f.code == "repeated_ids_in_data")
    assert finding.examples == [566, 567, 568]


def test_check_reads_a_saved_split_and_ids_from_csv(tumours, tmp_path):
    path = save_split(make_split(tumours, id_col="tumour_id", strategy="random"), tmp_path / "split.json")
    tumours.to_csv(tmp_path / "tumours.csv", index=False)
    report = check_split(pd.read_csv(tmp_path / "tumours.csv"), path, id_col="tumour_id")
    assert report.ok and not report.findings
    assert report.to_dict()["counts"] == {"train": 455, "val": 0, "test": 114}


def test_grouped_split_is_checked_on_its_unit_by_default(tumours):
    split = make_split(tumours, id_col="tumour_id", strategy="grouped", group_col="radius_band")
    # One tumour of a test band filed under train by hand: its band now sits on both sides.
    moved = split["test"].pop()
    split["train"].append(moved)
    split["counts"] = {name: len(split[name]) for name in ("train", "val", "test")}

    report = check_split(tumours, split, id_col="tumour_id")
    assert [f.code for f in report.errors] == ["unit_in_two_splits"]
