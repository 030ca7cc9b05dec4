"""Fixtures for the review tests: fresh experiments, the LLM scaffold's answers on wine, and diabetes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from review_runs import load_diabetes_runs, new_lab, train_wine_answers

if TYPE_CHECKING:
    from review_runs import WineAnswers


@pytest.fixture
def lab(tmp_path):
    """A fresh experiment; its spec expects test accuracy in [0.90, 0.99]."""
    return new_lab(tmp_path / "lab")


@pytest.fixture
def modest_lab(tmp_path):
    """An experiment whose spec expects test accuracy in [0.5, 0.9]: anything better is 'too good'."""
    return new_lab(tmp_path / "modest", expected_range=(0.5, 0.9))


@pytest.fixture
def diabetes_lab(tmp_path):
    """A fresh experiment on scikit-learn's diabetes data (a regression)."""
    return new_lab(tmp_path / "diabetes", data_source="sklearn.datasets.load_diabetes")


@pytest.fixture(scope="session")
def wine_answers() -> WineAnswers:
    return train_wine_answers()


@pytest.fixture(scope="session")
def diabetes() -> dict:
    return load_diabetes_runs()
