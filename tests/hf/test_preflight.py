"""Each preflight check on a real tiny model built here, with the silent failure planted and then absent."""

from __future__ import annotations

import pytest

pytest.importorskip("transformers", reason="transformers not installed: pip install 'labrails[hf]'")
pytest.importorskip("vaderSentiment", reason="the VADER lexicon ships in vaderSentiment: pip install 'labrails[hf]'")

import labrails
from labrails.core.errors import LabrailsError
from labrails.hf.preflight import preflight
from testing.lexicon import lexicon_words
from testing.tiny_lm import encoded, gpt2_classifier, lexicon_tokenizer
from testing.runs import derisked_on

WORDS, LABELS = lexicon_words()


def _args(run, **kw):
    return labrails.hf.training_args(run, per_device_train_batch_size=8, use_cpu=True, **kw)


def _by_check(findings):
    return {f["check"]: f for f in findings}


def _collator(tok):
    from transformers import DataCollatorWithPadding

    return DataCollatorWithPadding(tok)


def test_the_two_planted_failures_are_reported_with_their_numbers(lab):
    tok = lexicon_tokenizer()
    tok.pad_token = tok.eos_token                                           # planted: pad = eos
    rows, _ = encoded(tok, WORDS[:64], LABELS[:64], max_length=512)        # planted: 512 wide, mostly padding
    model = gpt2_classifier(tok, positions=512)
    with labrails.start_run("de-risk", experiment=lab.root, script=lab.root / "probe.py") as run:
        found = _by_check(preflight(run, model, tok, rows, _args(run)))
    pad, padding = found["pad-is-eos"], found["padding"]
    assert pad["severity"] == padding["severity"] == "warning"
    assert pad["numbers"]["pad_token_id"] == pad["numbers"]["eos_token_id"] == tok.eos_token_id
    assert pad["numbers"]["real_eos_tokens"] == 32  # every one of the 4 x 8 examples ends with a real EOS
    share = padding["numbers"]["padding_share"]
    assert share > 0.95 and f"{share:.0%} of the tokens" in padding["message"]
    assert padding["numbers"]["padded_length"] == 512 and padding["numbers"]["length_max"] < 20
    # Both end up in run.json, where the review reads them.
    review = labrails.review.review_run(run.dir)
    messages = [f["message"] for f in review["findings"] if f["check"] == "preflight"]
    assert any(m.startswith("pad-is-eos:") for m in messages) and any(m.startswith("padding:") for m in messages), messages


def test_a_clean_setup_reports_only_notes(lab):
    tok = lexicon_tokenizer()
    rows, _ = encoded(tok, WORDS[:64], LABELS[:64], eos=False)
    with labrails.start_run("de-risk", experiment=lab.root, script=lab.root / "probe.py") as run:
        found = preflight(run, gpt2_classifier(tok), tok, rows, _args(run), collator=_collator(tok))
    assert {f["severity"] for f in found} == {"note"}, found
    assert _by_check(found)["lengths"]["numbers"]["padding_share"] < 0.5


def test_truncation_is_counted_exactly_from_the_texts(lab):
    tok = lexicon_tokenizer()
    template = "Some people say the word {} makes them feel something strong"
    rows, texts = encoded(tok, WORDS[:40], LABELS[:40], max_length=8, template=template)
    with labrails.start_run("de-risk", experiment=lab.root, script=lab.root / "probe.py") as run:
        found = _by_check(preflight(run, gpt2_classifier(tok), tok, rows, _args(run), texts=texts))
    assert found["truncation"]["numbers"]["truncated"] == 40 and found["truncation"]["numbers"]["truncated_share"] == 1.0


def test_max_length_above_the_position_limit_blocks_a_full_run(lab):
    tok = lexicon_tokenizer()
    rows, _ = encoded(tok, WORDS[:32], LABELS[:32], max_length=64)
    model = gpt2_classifier(tok, positions=32)
    with labrails.start_run("de-risk", experiment=lab.root, script=lab.root / "probe.py") as run:
        found = _by_check(preflight(run, model, tok, rows, _args(run)))
    assert found["position-limit"]["severity"] == "blocker"
    assert found["position-limit"]["numbers"] == {"padded_length": 64, "position_limit": 32}
    derisked_on(lab, script="probe.py")  # a reviewed de-risk run: without one the full run would not even start
    with labrails.start_run("full", experiment=lab.root, script=lab.root / "probe.py", force=True) as run:
        with pytest.raises(LabrailsError, match="position-limit"):
            preflight(run, model, tok, rows, _args(run))


def test_token_ids_outside_the_vocabulary_block(lab):
    tok = lexicon_tokenizer()
    tok.add_special_tokens({"additional_special_tokens": ["<new1>", "<new2>"]})   # added, but no resize
    rows, _ = encoded(tok, WORDS[:32], LABELS[:32], template="<new1> {} <new2>", eos=False)
    model = gpt2_classifier(tok)
    model.resize_token_embeddings(len(tok) - 2)
    with labrails.start_run("de-risk", experiment=lab.root, script=lab.root / "probe.py") as run:
        found = _by_check(preflight(run, model, tok, rows, _args(run), collator=_collator(tok)))
    vocab = found["vocab-range"]
    assert vocab["severity"] == "blocker" and vocab["numbers"]["out_of_range"] == 64   # two new tokens x 32 rows
    assert vocab["numbers"]["embedding_size"] == len(tok) - 2


def test_labels_all_one_class_in_the_first_batches(lab):
    tok = lexicon_tokenizer()
    order = sorted(range(200), key=lambda i: LABELS[i])        # sorted by label, and not shuffled
    rows, _ = encoded(tok, [WORDS[i] for i in order], [LABELS[i] for i in order], eos=False)
    with labrails.start_run("de-risk", experiment=lab.root, script=lab.root / "probe.py") as run:
        found = _by_check(preflight(run, gpt2_classifier(tok), tok, rows, _args(run, train_sampling_strategy="sequential"),
                                    collator=_collator(tok)))
        shuffled = _by_check(preflight(run, gpt2_classifier(tok), tok, rows, _args(run), collator=_collator(tok)))
    one = found["one-class"]
    assert one["severity"] == "warning" and one["numbers"]["first_labels"] == 32 and one["numbers"]["classes_in_training_set"] == 2
    assert "one-class" not in shuffled


def test_device_map_while_training(lab, tmp_path):
    pytest.importorskip("accelerate", reason="device_map needs accelerate: pip install 'labrails[hf]'")
    from transformers import AutoModelForSequenceClassification

    tok = lexicon_tokenizer()
    gpt2_classifier(tok).save_pretrained(tmp_path / "clf")
    # A machine without GPUs has one device; a map that offloads the head to disk is a real multi-device map.
    model = AutoModelForSequenceClassification.from_pretrained(
        tmp_path / "clf", device_map={"transformer": "cpu", "score": "disk"}, offload_folder=tmp_path / "offload")
    rows, _ = encoded(tok, WORDS[:32], LABELS[:32], eos=False)
    with labrails.start_run("de-risk", experiment=lab.root, script=lab.root / "probe.py") as run:
        found = _by_check(preflight(run, model, tok, rows, _args(run), collator=_collator(tok)))
        plain = _by_check(preflight(run, gpt2_classifier(tok), tok, rows, _args(run), collator=_collator(tok)))
    assert found["device-map"]["numbers"] == {"devices": ["cpu", "disk"], "modules": 2}
    assert found["device-map"]["severity"] == "blocker" and "device-map" not in plain


def test_gradient_accumulation_against_the_declared_effective_batch(lab):
    config = lab.config_path.read_text().replace("seed: 42", "seed: 42\nhf:\n  effective_batch_size: 32", 1)
    lab.config_path.write_text(config)
    tok = lexicon_tokenizer()
    rows, _ = encoded(tok, WORDS[:64], LABELS[:64], eos=False)
    with labrails.start_run("de-risk", experiment=lab.root, script=lab.root / "probe.py") as run:
        found = _by_check(preflight(run, gpt2_classifier(tok), tok, rows, _args(run, gradient_accumulation_steps=2),
                                    collator=_collator(tok)))
        matching = _by_check(preflight(run, gpt2_classifier(tok), tok, rows, _args(run, gradient_accumulation_steps=4),
                                       collator=_collator(tok)))
    batch = found["effective-batch"]
    assert batch["severity"] == "warning" and batch["numbers"]["effective"] == 16 and batch["numbers"]["expected"] == 32
    assert matching["effective-batch"]["severity"] == "note" and matching["effective-batch"]["numbers"]["effective"] == 32
