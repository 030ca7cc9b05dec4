"""The review's LLM checks on real generations of a tiny model with random weights (what an untrained model does)."""

from __future__ import annotations

import pytest

pytest.importorskip("transformers", reason="transformers not installed: pip install 'labrails[hf]'")
pytest.importorskip("vaderSentiment", reason="the VADER lexicon ships in vaderSentiment: pip install 'labrails[hf]'")

import labrails
from labrails.llm import HFEngine, generate
from labrails.review import review_run
from testing.lexicon import lexicon_words

WORDS, LABELS = lexicon_words()


def _reviewed(lab, model_dir, *, parse, n=80, max_new_tokens=6, records=None, **kw):
    rows = records or [{"word": w, "label": lab_} for w, lab_ in zip(WORDS[:n], LABELS[:n], strict=True)]
    with labrails.start_run("de-risk", experiment=lab.root, script=lab.root / "eval.py", force=True) as run:
        result = generate(run, HFEngine(str(model_dir)), rows, template=lambda r: [{"role": "user", "content": r["word"]}],
                          parse=parse, ground_truth="label", max_new_tokens=max_new_tokens, **kw)
        run.finish({"test_accuracy": result.metrics["accuracy"]})
    review = review_run(run.dir)
    return result, {f["check"]: f for f in review["findings"] if f["check"].startswith("llm-")}


def test_truncation_parse_failures_and_constant_outputs_are_reported(lab, tiny_model_dir):
    result, found = _reviewed(lab, tiny_model_dir, parse=lambda t: t.split()[0] if t.split() else None, max_new_tokens=3)
    cut = found["llm-truncation"]
    assert result.truncated == 80 and cut["severity"] == "blocker"
    assert cut["message"].startswith("80 of 80 outputs (100.0%) were cut at max_new_tokens (3)")
    top = max(set(result.raw_output), key=result.raw_output.count)
    if result.raw_output.count(top) == 80:   # random weights: the same text whatever the word
        assert found["llm-constant"]["severity"] == "blocker" and repr(top)[:20] in found["llm-constant"]["message"]


def test_parse_failures_come_with_their_cause_and_examples(lab, tiny_model_dir):
    result, found = _reviewed(lab, tiny_model_dir, parse=lambda t: "positive" if t.startswith("positive") else None)
    parse = found["llm-parse"]
    assert result.parse_failures == 80 and parse["severity"] == "blocker"
    assert parse["message"].startswith(f"80 of 80 outputs (100.0%) did not parse: {result.truncated} cut at max_new_tokens")
    assert repr(result.raw_output[0])[:15] in parse["message"]


def test_predictions_outside_the_valid_labels(lab, tiny_model_dir):
    result, found = _reviewed(lab, tiny_model_dir, parse=lambda t: t.strip() or "(blank)", valid_labels=("positive", "negative"))
    labels = found["llm-labels"]
    assert labels["message"].startswith("80 of 80 parsed predictions (100.0%) are not valid labels")
    assert labels["severity"] == "blocker" and "valid: positive, negative" in labels["message"]


def test_prompt_length_distribution_and_an_outlier_prompt(lab, tiny_model_dir):
    rows = [{"word": w, "label": lab_} for w, lab_ in zip(WORDS[:40], LABELS[:40], strict=True)]
    _, plain = _reviewed(lab, tiny_model_dir, parse=str.strip, records=rows)
    assert plain["llm-prompt-length"]["severity"] == "note" and "prompt tokens: min " in plain["llm-prompt-length"]["message"]
    swallowed = rows + [{"word": " ".join(WORDS[100:160]), "label": "positive"}]   # one record holding 60 words
    _, found = _reviewed(lab, tiny_model_dir, parse=str.strip, records=swallowed)
    assert found["llm-prompt-length"]["severity"] == "warning" and "x the median" in found["llm-prompt-length"]["message"]
