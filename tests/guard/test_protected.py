"""Protected paths are compared as real paths: symlinks resolved, braces and globs expanded."""

from __future__ import annotations

import os

import pytest

from labrails.core.signing import config_dir
from labrails.guard.protected import expand, key_dir, program_writes_its_files


@pytest.mark.parametrize("env", [{}, {"XDG_CONFIG_HOME": "/tmp/xdg-here"}, {"LABRAILS_CONFIG_DIR": "~/keys"},
                                 {"LABRAILS_CONFIG_DIR": "", "XDG_CONFIG_HOME": ""}])
def test_the_key_folder_is_the_one_signing_uses(env, monkeypatch):
    for name in ("LABRAILS_CONFIG_DIR", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert key_dir() == os.path.realpath(config_dir())


def test_globs_braces_and_links_resolve_to_the_real_file(tmp_path):
    (tmp_path / ".labrails").mkdir()
    (tmp_path / ".labrails" / "approvals.json").write_text("{}")
    (tmp_path / "st").symlink_to(".labrails")
    real = os.path.realpath(tmp_path / ".labrails" / "approvals.json")
    assert expand(str(tmp_path), ".labr*/approvals.json") == [real]
    assert expand(str(tmp_path), "st/approvals.json") == [real]
    assert real in expand(str(tmp_path), ".{labrails,other}/approvals.json")
    # `*/approvals.json` reaches it through the link; without the link, `*` (like bash's) skips the leading dot.
    assert real in expand(str(tmp_path), "*/approvals.json")
    (tmp_path / "st").unlink()
    assert all(".labrails" not in p for p in expand(str(tmp_path), "*/approvals.json"))


def test_a_glob_that_matches_nothing_yet_counts_as_the_protected_name_it_could_match(tmp_path):
    assert expand(str(tmp_path), ".l?brails/x.json") == [os.path.realpath(tmp_path) + "/.labrails/x.json"]
    assert expand(str(tmp_path), "sp*.yaml") == [os.path.realpath(tmp_path) + "/spec.yaml"]


def test_code_and_sentences_are_not_paths(tmp_path):
    assert expand(str(tmp_path), "print(open('.labrails/x').read())") == []


def test_readers_and_the_options_that_make_them_write():
    assert not program_writes_its_files("cat", [".labrails/registry.json"])
    assert not program_writes_its_files("yq", [".phases", "spec.yaml"])
    assert program_writes_its_files("yq", ["-i", ".a = 1", "spec.yaml"])
    assert program_writes_its_files("sed", ["-i", "s/a/b/", "spec.yaml"])
    assert program_writes_its_files("awk", ["{print}", "spec.yaml"])
