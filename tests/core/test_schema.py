"""Schemas as data: one validate() that names the file, the key path and the fix; the shapes labrails
declares (config.yaml, spec.yaml, suites, split files, run.json) use it."""

import pytest

from labrails.core.errors import ConfigError, LabrailsError
from labrails.core.runinfo import REGISTRY_KEYS, RUN_JSON, new_run_record, registry_row
from labrails.core.schema import BOOL, LIST, MAP, NULL, NUMBER, TEXT, Key, Map, apply_defaults, validate
from labrails.core.spec import parse_spec

ITEM = Map(Key("name", TEXT, required=True), Key("weight", NUMBER, default=1.0), known="an item has")
SHAPE = Map(
    Key("title", TEXT, required=True),
    Key("mode", TEXT, choices=("fast", "slow"), default="fast"),
    Key("tags", (LIST, NULL), items=TEXT),
    Key("items", LIST, items=ITEM, default=[]),
    Key("options", MAP, default={}, schema=Map(Key("verbose", BOOL, default=False), extra=True)),
    fix="see the example file",
)


def problem(document, schema=SHAPE):
    with pytest.raises(ConfigError) as err:
        validate(document, schema, path="shape.yaml")
    assert isinstance(err.value, LabrailsError) and err.value.fix
    return err.value


def test_a_valid_document_passes_unchanged_and_defaults_fill_the_gaps():
    document = {"title": "t", "items": [{"name": "a"}], "options": {"colour": "red"}}
    assert validate(document, SHAPE, path="shape.yaml") is document
    filled = apply_defaults(document, SHAPE)
    assert filled == {"title": "t", "mode": "fast", "items": [{"name": "a", "weight": 1.0}],
                      "options": {"colour": "red", "verbose": False}}
    assert document == {"title": "t", "items": [{"name": "a"}], "options": {"colour": "red"}}  # not modified


def test_errors_name_the_file_the_key_path_and_the_fix():
    err = problem({"title": "t", "items": [{"name": "a", "wieght": 2}]})
    assert str(err.path) == "shape.yaml" and err.message == "unknown key 'items[0].wieght'"
    assert err.fix == "an item has: name, weight"

    err = problem({"title": "t", "items": [{"name": "a", "weight": "heavy"}]})
    assert err.message == "items[0].weight must be a number, found str" and err.fix == "see the example file"

    assert problem({"title": "t", "mode": "medium"}).message == "mode is 'medium', not one of: fast, slow"
    assert problem({"title": "t", "tags": ["a", 3]}).message == "tags[1] must be text, found int"
    assert problem({"mode": "fast"}).message == "is missing key(s) title"
    assert problem({"title": "t", "items": [{}]}).message == "items[0] is missing key(s) name"
    assert problem(["title"]).message == "must be a mapping of keys to values, found list"


def test_a_flag_is_not_a_number_and_a_number_is_not_a_flag():
    assert problem({"title": "t", "items": [{"name": "a", "weight": True}]}).message.endswith("found bool")
    assert problem({"title": "t", "options": {"verbose": 1}}).message == "options.verbose must be true or false, found int"


def test_messages_and_fixes_fill_in_where_the_value_sits():
    shape = Map(Key("levels", MAP, values=Key(None, (MAP, NULL), message="level '{key}' must be a mapping, not {value}",
                                             fix="write `{key}: {}`")))
    err = problem({"levels": {"easy": {}, "hard": 3}}, shape)
    assert err.message == "level 'hard' must be a mapping, not 3" and err.fix == "write `hard: {}`"

    shape = Map(Key("commands", LIST, items=TEXT, message="{where} must be a list of patterns", fix="e.g. ['a*']"))
    assert problem({"commands": ["a", 1]}, shape).message == "commands must be a list of patterns"


def test_spec_values_are_typed_but_todo_placeholders_pass():
    spec = parse_spec({"metrics": {"primary": {"direction": "TODO", "expected_range": None}},
                       "evaluation": {"min_test_size": "TODO: how many?"},
                       "phases": [{"name": "de-risk", "commands": "train.py de-risk*", "checkpoint": None}]}, "spec.yaml", "x")
    assert spec.phases[0].commands == ("train.py de-risk*",) and spec.min_test_size is None
    for raw, message in [
        ({"metrics": {"primary": {"direction": "up"}}}, "metrics.primary.direction is 'up'"),
        ({"phases": [{"name": "a", "checkpoint": "no"}]}, "phases[0].checkpoint must be true or false"),
        ({"phases": [{"commands": []}]}, "phases[0] needs a 'name'"),
        ({"phases": [{"name": "a", "commands": ["x", 2]}]}, "phases[0].commands must be a list of patterns"),
        ({"data": {"sourse": "x"}}, "unknown key 'data.sourse'"),
    ]:
        with pytest.raises(ConfigError) as err:
            parse_spec(raw, "spec.yaml", "x")
        assert err.value.message == message and err.value.fix


def test_a_new_run_record_has_the_declared_shape_and_feeds_the_registry():
    info = new_run_record(descriptive_name="de-risk", experiment="exp", profile="de-risk", identity="abcd1234_v1",
                          config_hash="f" * 64, config_file_sha256="e" * 64, code_version="v1", git_commit=None,
                          budget_seconds=60.0, script="/exp/train.py", overrides={}, forced=False, name_changes=[])
    assert list(info) == [key for key, spec in RUN_JSON.keys.items() if spec.required]
    assert info["status"] == "running" and info["run"] is None and info["overrides"] is None
    assert set(REGISTRY_KEYS) <= set(RUN_JSON.keys)
    info["error"] = {"type": "ValueError", "message": "bad", "traceback": "..."}
    row = registry_row(info)
    assert list(row) == [*REGISTRY_KEYS, "error"] and row["error"] == ("ValueError", "bad")


def test_a_run_record_with_a_wrong_type_is_refused():
    with pytest.raises(ConfigError, match="budget_seconds must be a number or null"):
        new_run_record(descriptive_name="d", experiment="e", profile="full", identity="i", config_hash="h",
                       config_file_sha256="s", code_version="v", git_commit=None, budget_seconds="60", script=None,
                       overrides=None, forced=False, name_changes=[])
