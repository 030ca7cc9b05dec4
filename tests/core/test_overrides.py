"""Settings changed on the command line are typed against config.yaml: a typo or a wrong type is an
error naming the key and the fix, whether it comes from --set or LABRAILS_OVERRIDES."""

from __future__ import annotations

import json

import pytest

from labrails.core.errors import ConfigError
from labrails.core.fsutil import read_json
from labrails.core.overrides import check_overrides, parse_set


def test_set_items_are_parsed_as_values():
    assert parse_set(["optim.lr=3e-4", "model.hidden=256", "train.device=cpu", "x.flag=true"]) == {
        "optim.lr": 0.0003, "model.hidden": 256, "train.device": "cpu", "x.flag": True}
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        parse_set(["optim.lr"])


def test_unknown_keys_and_wrong_types_name_the_key_and_the_fix(experiment):
    path = experiment.config_path
    assert check_overrides(path, {"optim.lr": 0.5}) == {"optim.lr": 0.5}
    with pytest.raises(ConfigError) as unknown:
        check_overrides(path, {"optim.lrr": 0.5})
    assert "optim.lrr" in unknown.value.message and "lr" in unknown.value.fix
    with pytest.raises(ConfigError) as wrong:
        check_overrides(path, {"optim.lr": "fast"})
    assert "'optim.lr' must be a number" in wrong.value.message and "--set optim.lr=" in wrong.value.fix


def test_labrails_overrides_gets_the_same_checks(experiment, run_in):
    bad = run_in(experiment, "tiny_run.py", "de-risk", env={"LABRAILS_OVERRIDES": json.dumps({"optim.lr": "high"})}, check=False)
    assert bad.returncode == 2 and "LABRAILS_OVERRIDES: 'optim.lr' must be a number" in bad.stderr
    assert experiment.run_dirs() == []
    run_in(experiment, "tiny_run.py", "de-risk", env={"LABRAILS_OVERRIDES": json.dumps({"optim.lr": 0.5})})
    assert read_json(experiment.run_dirs()[0] / "run.json")["overrides"] == {"optim.lr": 0.5}
