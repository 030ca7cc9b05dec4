"""Tiny real models for the hf/llm tests: a tokenizer trained on VADER's words, GPT-2/Llama built from configs.

    tok = lexicon_tokenizer()                       # byte-level BPE, 512 tokens, its own pad token
    model = gpt2_classifier(tok)                    # GPT2ForSequenceClassification, 2 labels, random weights
    rows = encoded(tok, words, labels, max_length=None)   # [{input_ids, attention_mask, labels}, ...]
"""

from __future__ import annotations

from functools import lru_cache

import pytest

from testing.lexicon import lexicon_words

transformers = pytest.importorskip("transformers", reason="transformers not installed: pip install 'labrails[hf]'")


@lru_cache(maxsize=1)
def _base_tokenizer():
    from labrails.llm.tiny import train_tokenizer

    words, _ = lexicon_words()
    return train_tokenizer(words, vocab_size=512)


def lexicon_tokenizer():
    """A fresh copy each time, so a test may plant a failure (pad = eos) without touching the others."""
    import copy

    return copy.deepcopy(_base_tokenizer())


def gpt2_classifier(tok, *, positions: int = 128, seed: int = 0):
    import torch

    torch.manual_seed(seed)
    config = transformers.GPT2Config(vocab_size=len(tok), n_embd=32, n_layer=1, n_head=1, n_positions=positions,
                                     num_labels=2, pad_token_id=tok.pad_token_id, bos_token_id=tok.bos_token_id,
                                     eos_token_id=tok.eos_token_id)
    return transformers.GPT2ForSequenceClassification(config)


def encoded(tok, words, labels, *, max_length=None, template="The word {} feels", eos=True):
    """Rows a Trainer takes: tokenized sentences about each word, label 1 for positive."""
    import torch

    texts = [template.format(w) + (tok.eos_token if eos else "") for w in words]
    kw = {"padding": "max_length", "truncation": True, "max_length": max_length} if max_length else {}
    enc = tok(texts, **kw)
    return [{"input_ids": torch.tensor(i), "attention_mask": torch.tensor(m), "labels": int(lab == "positive")}
            for i, m, lab in zip(enc["input_ids"], enc["attention_mask"], labels, strict=True)], texts
