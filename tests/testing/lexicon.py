"""VADER's sentiment lexicon (shipped inside the vaderSentiment package): 7,500 English words and emoticons,
each rated from -4 to +4 by ten people (Hutto & Gilbert, 2014). Real, human-labelled, nothing downloaded.

    words, labels = lexicon_words()      # alphabetic entries, 'positive' when the mean rating is above 0
"""

from __future__ import annotations

from pathlib import Path


def lexicon_path() -> Path:
    import pytest

    vader = pytest.importorskip("vaderSentiment", reason="the VADER lexicon ships in vaderSentiment: pip install 'labrails[hf]'")
    return Path(vader.__file__).parent / "vader_lexicon.txt"


def lexicon_words() -> tuple[list[str], list[str]]:
    words, labels = [], []
    for line in lexicon_path().read_text(encoding="utf-8").splitlines():
        token, mean, *_ = line.split("\t")
        if token.isalpha():
            words.append(token)
            labels.append("positive" if float(mean) > 0 else "negative")
    return words, labels
