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


def test_unknown_profile_lists_the_known_ones(tmp_path):
    with pytest.raises(ConfigError) as err:
        resolve(write(tmp_path), "fulll")
    assert "de-risk, full" in str(err.value)


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
