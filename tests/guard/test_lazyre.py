"""A lazy pattern answers as the compiled pattern would, and compiles only when first used."""

from __future__ import annotations

import re

import pytest

from labrails.guard.lazyre import lazy


def test_nothing_is_compiled_until_a_method_is_called():
    pattern = lazy(r"[unbalanced")  # an invalid pattern shows when it compiles
    assert pattern.pattern == "[unbalanced"
    with pytest.raises(re.error):
        pattern.search("x")


@pytest.mark.parametrize("text", ["", "python train.py full", "PYTHON3 -m train", "pythonic", "a python\nb python3.11"])
def test_every_method_answers_as_re_compile_does(text):
    source, flags = r"\bpython(3(\.\d+)?)?\b", re.I
    pattern, compiled = lazy(source, flags), re.compile(source, flags)
    for _ in range(2):  # before and after the methods are put on the object
        assert bool(pattern.match(text)) == bool(compiled.match(text))
        assert bool(pattern.fullmatch(text)) == bool(compiled.fullmatch(text))
        assert pattern.findall(text) == compiled.findall(text)
        assert [m.span() for m in pattern.finditer(text)] == [m.span() for m in compiled.finditer(text)]
        assert pattern.sub("PY", text) == compiled.sub("PY", text)
        assert pattern.subn("PY", text) == compiled.subn("PY", text)
        assert pattern.split(text) == compiled.split(text)
        found = pattern.search(text)
        assert (found.group(0) if found else None) == (m.group(0) if (m := compiled.search(text)) else None)
    assert pattern.groups == compiled.groups


def test_positions_are_passed_through():
    pattern = lazy(r"[a-z]+")
    assert pattern.match("12abc", 2).group(0) == "abc"
    assert pattern.fullmatch("xx abc yy", 3, 6) is not None
