"""Fixtures for the hf tests. Each test module needs transformers (labrails[hf]) and skips with the reason without it."""

from __future__ import annotations

import pytest



@pytest.fixture
def lab(tmp_path):
    import labrails

    return labrails.new_experiment(tmp_path / "lab", hypothesis="a tiny GPT-2 learns word sentiment", success=["it runs"],
                                   data_source="vaderSentiment/vader_lexicon.txt")
