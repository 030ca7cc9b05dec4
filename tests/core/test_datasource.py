"""spec.yaml's data.source against the source a run recorded: the same data spelled differently matches, other data does not."""

from __future__ import annotations

import pytest

from labrails.core.datapin import same_source, source_problem

SAME = [
    ("sklearn.datasets.load_wine", "load_wine"),
    ("sklearn.datasets.load_wine", "load_wine()"),
    ("sklearn.datasets.load_wine", "wine"),
    ("Sklearn.Datasets.Load_Wine", "sklearn.datasets.load_wine"),
    ("data/wine.csv", "/home/me/lab/data/wine.csv"),
    ("./data/wine.csv", "data/wine.csv"),
    ("imdb", "stanfordnlp/imdb"),
    ("scikit-learn's wine data (178 wines)", "sklearn.datasets.load_wine"),
]
OTHER = [
    ("sklearn.datasets.load_digits", "sklearn.datasets.load_wine"),
    ("load_digits", "wine"),
    ("data/train.csv", "data/test.csv"),
    ("wine.csv", "digits.csv"),
    ("glue/sst2", "glue/mnli"),
    ("handwritten digits", "sklearn.datasets.load_wine"),
]


@pytest.mark.parametrize(("declared", "recorded"), SAME)
def test_the_same_data_spelled_another_way_matches(declared, recorded):
    assert same_source(declared, recorded) and source_problem(declared, recorded) is None


@pytest.mark.parametrize(("declared", "recorded"), OTHER)
def test_other_data_does_not(declared, recorded):
    assert not same_source(declared, recorded)
    problem = source_problem(declared, recorded)
    assert repr(declared) in problem and repr(recorded) in problem


@pytest.mark.parametrize("declared", [None, "", "TODO: where the data comes from"])
def test_a_spec_that_does_not_say_yet_refuses_nothing(declared):
    assert source_problem(declared, "sklearn.datasets.load_wine") is None
