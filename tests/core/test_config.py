"""config.yaml: profiles override shared values; typos are errors that name the file and the key."""

import pytest

from labrails.core.config import config_hash, resolve
from labrails.core.errors import ConfigError

CONFIG = """
seed: 1
optim: {lr: 0.1, batch_size: 8}
profiles:
  de-risk: {budget_seconds: 60, optim: {lr: 0.5}}
  full: {}
"""


def write(tmp_path, text=CONFIG):
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def test_profile_overrides_only_what_it_names(tmp_path):
    resolved = resolve(write(tmp_path), "de-risk")
    assert resolved.values == {"seed": 1, "optim": {"lr": 0.5, "batch_size": 8}, "profile": "de-risk"}
    assert resolved.budget_seconds == 60


def test_profiles_hash_differently_and_stably(tmp_path):
    path = write(tmp_path)
    assert resolve(path, "de-risk").hash != resolve(path, "full").hash
    assert resolve(path, "full").hash == resolve(path, "full").hash == config_hash(resolve(path, "full").values)


def test_dotted_overrides_apply_and_are_checked(tmp_path):
    path = write(tmp_path)
    assert resolve(path, "full", {"optim.lr": 0.01}).values["optim"]["lr"] == 0.01
    with pytest.raises(ConfigError) as err:
        resolve(path, "full", {"optim.learning_rate": 0.01})
    assert "override.optim.learning_rate" in str(err.value) and "batch_size, lr" in str(err.value)


def test_unknown_key_in_profile_names_file_key_and_known_keys(tmp_path):
    path = write(tmp_path, CONFIG.replace("optim: {lr: 0.5}", "optimizer: {lr: 0.5}"))
    with pytest.raises(ConfigError) as err:
        resolve(path, "de-risk")
    text = str(err.value)
    assert str(path) in text and "profiles.de-risk.optimizer" in text and "known keys" in text
    assert "did you mean 'optim'?" in text


def test_unknown_profile_lists_the_known_ones(tmp_path):
    with pytest.raises(ConfigError) as err:
        resolve(write(tmp_path), "fulll")
    assert "de-risk, full" in str(err.value) and "unknown profile 'fulll'; did you mean 'full'?" in str(err.value)


def test_missing_required_profile(tmp_path):
    with pytest.raises(ConfigError, match="full"):
        resolve(write(tmp_path, "seed: 1\nprofiles:\n  de-risk: {}\n"), "de-risk")


def test_malformed_yaml_says_where(tmp_path):
    with pytest.raises(ConfigError) as err:
        resolve(write(tmp_path, "seed: 1\noptim: {lr: 0.1\nprofiles: {}\n"), "full")
    assert "line" in str(err.value) and "not valid YAML" in str(err.value)


def test_a_profile_that_is_not_a_mapping_is_named_with_its_fix(tmp_path):
    with pytest.raises(ConfigError) as err:
        resolve(write(tmp_path, CONFIG.replace("full: {}", "full: fast")), "de-risk")
    assert "profile 'full' must be a mapping of overrides" in str(err.value) and err.value.fix == "write `full: {}` for no overrides"


# --------------------------------------------------------------------------- values checked before a run
SCAFFOLD_LIKE = """
seed: 1
data: {test_fraction: 0.3}
model: {hidden: 128, dropout: 0.1}
optim: {lr: 0.003, batch_size: 64}
train: {max_epochs: 60, device: auto}
profiles:
  de-risk: {budget_seconds: 60, train: {max_epochs: 4}}
  full: {}
"""


@pytest.mark.parametrize("edit, overrides, key, value", [
    (("lr: 0.003", "lr: fast"), None, "optim.lr", "'fast'"),
    (("batch_size: 64", "batch_size: 0"), None, "optim.batch_size", "0"),
    (("train: {max_epochs: 4}", "train: {max_epochs: -3}"), None, "profiles.de-risk.train.max_epochs", "-3"),
    (("hidden: 128, dropout", "hidden: 128, dropout"), {"model.hidden": 12.5}, "override.model.hidden", "12.5"),
    (("train: {max_epochs: 4}", "model: {hidden: 12.5}"), None, "profiles.de-risk.model.hidden", "12.5"),
    (("test_fraction: 0.3", "test_fraction: 1.5"), None, "data.test_fraction", "1.5"),
    (("hidden: 128, dropout", "hidden: 128, dropout"), {"optim.lr": "0.1"}, "override.optim.lr", "'0.1'"),
    (("hidden: 128, dropout", "hidden: 128, dropout"), {"train.device": 0}, "override.train.device", "0"),
])
def test_a_bad_value_names_the_file_the_key_the_value_and_the_fix(tmp_path, edit, overrides, key, value):
    path = write(tmp_path, SCAFFOLD_LIKE.replace(*edit))
    with pytest.raises(ConfigError) as err:
        resolve(path, "de-risk", overrides)
    text = str(err.value)
    assert str(path) in text and key in text and f"is {value}" in text and "fix:" in text
    assert err.value.exit_code == 2


def test_an_int_stands_where_a_float_is_expected_but_not_the_reverse(tmp_path):
    path = write(tmp_path, SCAFFOLD_LIKE)
    assert resolve(path, "full", {"optim.lr": 1}).values["optim"]["lr"] == 1
    with pytest.raises(ConfigError, match="the shared value it overrides is an integer"):
        resolve(path, "full", {"optim.batch_size": 32.0})
    with pytest.raises(ConfigError, match="true or false"):
        resolve(write(tmp_path, SCAFFOLD_LIKE.replace("seed: 1", "seed: 1\nflag: false")), "full", {"flag": 1})


def test_a_key_written_twice_is_an_error_with_both_lines(tmp_path):
    path = write(tmp_path, SCAFFOLD_LIKE.replace("seed: 1\n", "seed: 1\nseed: 2\n"))
    with pytest.raises(ConfigError) as err:
        resolve(path, "full")
    assert "key 'seed' is written twice (lines 2 and 3)" in str(err.value) and str(path) in str(err.value)


def test_declared_checks_replace_the_built_in_rules_and_the_shared_type(tmp_path):
    text = SCAFFOLD_LIKE.replace("seed: 1", "seed: 1\nchecks:\n  model.dropout: {type: number, min: 0, max: 1, max_exclusive: true}\n"
                                            "  optim.batch_size: {type: [integer, text]}\n  data.test_fraction: number")
    path = write(tmp_path, text)
    assert resolve(path, "full", {"optim.batch_size": "auto"}).values["optim"]["batch_size"] == "auto"
    assert resolve(path, "full", {"data.test_fraction": 30}).values["data"]["test_fraction"] == 30
    with pytest.raises(ConfigError, match=r"override.model.dropout is 1 .* a number in \[0, 1\) \(declared under `checks:`\)"):
        resolve(path, "full", {"model.dropout": 1})


def test_checks_must_name_existing_keys_and_known_rules(tmp_path):
    with pytest.raises(ConfigError, match="checks names 'optim.lrr'"):
        resolve(write(tmp_path, SCAFFOLD_LIKE + "checks: {optim.lrr: positive}\n"), "full")
    with pytest.raises(ConfigError, match="checks.optim.lr is 'speedy', not a rule"):
        resolve(write(tmp_path, SCAFFOLD_LIKE + "checks: {optim.lr: speedy}\n"), "full")


def test_the_checks_block_is_not_a_value_and_does_not_change_the_hash(tmp_path):
    plain = resolve(write(tmp_path, SCAFFOLD_LIKE), "full")
    checked = resolve(write(tmp_path, SCAFFOLD_LIKE + "checks: {optim.lr: positive}\n"), "full")
    assert "checks" not in checked.values and checked.hash == plain.hash


def test_the_shipped_configs_pass_their_own_checks():
    from labrails.core.resources import resource

    for path in (resource("scaffold", "config.yaml"), resource("scaffold", "cartography", "config.yaml")):
        for profile in ("de-risk", "full"):
            resolve(path, profile)


@pytest.mark.parametrize("text, problem", [("[1,2]", "got list"), ("{bad", "not valid JSON"), ('"lr=1"', "got str")])
def test_overrides_from_the_environment_must_be_a_json_object(text, problem):
    from labrails.core.config import parse_overrides

    with pytest.raises(ConfigError) as err:
        parse_overrides(text, source="LABRAILS_OVERRIDES")
    assert "LABRAILS_OVERRIDES" in str(err.value) and problem in str(err.value) and '{"optim.lr": 0.01' in str(err.value)


# --------------------------------------------------------------------------- the config a run reads
def test_a_key_the_script_reads_but_config_yaml_lacks_names_the_keys_that_exist(tmp_path):
    import copy
    import json
    import pickle

    import yaml

    from labrails.core.config import ConfigView

    path = write(tmp_path, SCAFFOLD_LIKE)
    cfg = ConfigView(resolve(path, "full").values, path)
    assert cfg["optim"]["lr"] == 0.003 and cfg.get("missing") is None and "optim" in cfg
    with pytest.raises(ConfigError) as err:
        cfg["optim"]["lrr"]
    text = str(err.value)
    assert str(path) in text and "'optim.lrr'" in text and "keys under 'optim': lr, batch_size" in text
    with pytest.raises(KeyError):  # code that catches KeyError keeps working
        cfg["nothing"]
    plain = resolve(path, "full").values
    assert json.loads(json.dumps(cfg)) == plain and yaml.safe_load(yaml.safe_dump(dict(cfg))) == plain
    restored = pickle.loads(pickle.dumps(cfg))  # as a checkpoint stores it: a plain dict
    assert type(restored) is dict and type(restored["optim"]) is dict and restored == plain
    assert type(copy.deepcopy(cfg)) is dict
