"""The hf tests need transformers (labrails[hf]); without it they are skipped with the reason shown."""

from __future__ import annotations

import pytest

pytest.importorskip("transformers", reason="transformers not installed: pip install 'labrails[hf]'")
pytest.importorskip("vaderSentiment", reason="the VADER lexicon ships in vaderSentiment: pip install 'labrails[hf]'")


@pytest.fixture
def lab(tmp_path):
    import labrails

    return labrails.new_experiment(tmp_path / "lab", hypothesis="a tiny GPT-2 learns word sentiment", success=["it runs"],
                                   data_source="vaderSentiment/vader_lexicon.txt")
