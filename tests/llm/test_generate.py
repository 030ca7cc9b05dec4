"""labrails.llm.generate on a real tiny model: the logged input, prefix order, chunks, parses, drill-down, run.json."""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("transformers", reason="transformers not installed: pip install 'labrails[hf]'")
pytest.importorskip("vaderSentiment", reason="the VADER lexicon ships in vaderSentiment: pip install 'labrails[hf]'")

import labrails
from labrails.core.fsutil import read_json
from labrails.llm import HFEngine, generate, prefix_order
from testing.lexicon import lexicon_words

WORDS, LABELS = lexicon_words()
SYSTEM = "Is the word positive or negative?"


def chat(record):
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": record["word"]}]


def first_word(text):
    """A parser as a user writes one: the first word when it is a label (random weights rarely give one)."""
    words = text.split()
    return words[0] if words and words[0] in ("positive", "negative") else None


def records(n):
    return [{"id": i, "word": w, "label": lab} for i, (w, lab) in enumerate(zip(WORDS[:n], LABELS[:n], strict=True))]


def test_prefix_order_puts_shared_prefixes_next_to_each_other():
    ids = [[5, 1, 2], [3, 9], [5, 1, 7], [3, 9, 4], [5, 0]]
    order = prefix_order(ids)
    assert [ids[i] for i in order] == [[3, 9], [3, 9, 4], [5, 0], [5, 1, 2], [5, 1, 7]]


def test_a_batch_of_2000_prompts_is_logged_parsed_and_drilled_into(lab, tiny_model_dir):
    with labrails.start_run("de-risk", experiment=lab.root, script=lab.root / "eval.py") as run:
        engine = HFEngine(str(tiny_model_dir), batch_size=128)
        result = generate(run, engine, records(2000), template=chat, parse=first_word, ids="id", ground_truth="label",
                          group="label", valid_labels=("positive", "negative"), max_new_tokens=6, chunk_size=500)
        run.finish({"test_accuracy": result.metrics["accuracy"]})
    # The logged input is the chat template's exact text, in the records' order.
    assert result.input_text[0] == f"{SYSTEM}\nUser: {WORDS[0]}\nAssistant:"
    assert len(result.raw_output) == 2000 and set(result.finish_reason) <= {"stop", "length"}
    # A progress line per chunk, with the parse failures so far.
    log = (run.dir / "logs" / "train.log").read_text()
    assert [f"generated {n}/2000" in log for n in (500, 1000, 1500, 2000)] == [True] * 4
    assert f"parse failures so far {result.parse_failures}" in log
    # Every raw output kept, with its finish_reason and the input text; failures kept with their raw text.
    raw = pd.read_parquet(run.dir / "eval" / "raw_outputs.parquet")
    assert raw["input_text"].tolist() == result.input_text and raw["raw_output"].tolist() == result.raw_output
    assert raw["finish_reason"].tolist() == result.finish_reason
    failed = raw[~raw["parse_ok"]]
    assert len(failed) == result.parse_failures > 0 and failed["raw_output"].notna().all()
    # The drill-down: worst group first, down to one input's INPUT/OUTPUT/METADATA file.
    worst = pd.read_csv(run.dir / "eval" / "groups" / "_index.csv").iloc[0]
    sample = pd.read_csv(run.dir / "eval" / worst["path"] / "per_sample.csv").iloc[0]
    text = (run.dir / "eval" / sample["folder"] / "prompt.txt").read_text()
    assert text.startswith(f"=== INPUT ===\n{SYSTEM}\nUser: ") and "=== OUTPUT ===" in text
    assert "finish_reason: " in text and "prompt_tokens: " in text
    # run.json records what generated them.
    llm = read_json(run.dir / "run.json")["llm"]
    assert llm["engine"] == "hf" and llm["model"] == str(tiny_model_dir) and llm["engine_version"]
    assert llm["sampling"] == {"max_new_tokens": 6, "temperature": 0.0, "top_p": 1.0, "seed": 42, "stop": []}
    assert llm["max_model_len"] == max(result.prompt_tokens) + 6 and llm["parse_failures"] == result.parse_failures


def test_order_does_not_change_the_answers(lab, tiny_model_dir):
    rows = records(60)
    with labrails.start_run("de-risk", experiment=lab.root, script=lab.root / "eval.py") as run:
        engine = HFEngine(str(tiny_model_dir))
        forward = generate(run, engine, rows, template=chat, parse=first_word, max_new_tokens=5, chunk_size=7, write=False)
        backward = generate(run, engine, rows[::-1], template=chat, parse=first_word, max_new_tokens=5, write=False)
    assert forward.raw_output == backward.raw_output[::-1]


def test_a_plain_string_template_and_stop_strings(lab, tiny_model_dir):
    with labrails.start_run("de-risk", experiment=lab.root, script=lab.root / "eval.py") as run:
        result = generate(run, HFEngine(str(tiny_model_dir)), records(20), template="Word: {word}\nSentiment:",
                          parse=first_word, max_new_tokens=12, stop=["e"], write=False)
    assert result.input_text[3] == f"Word: {WORDS[3]}\nSentiment:"
    assert all("e" not in text for text in result.raw_output)
    assert all(r == "stop" for r, text in zip(result.finish_reason, result.raw_output, strict=True) if len(text) < 3)


def test_a_template_naming_a_missing_field_is_a_clear_error(lab, tiny_model_dir):
    with labrails.start_run("de-risk", experiment=lab.root, script=lab.root / "eval.py") as run:
        with pytest.raises(labrails.LabrailsError, match="template names 'text'"):
            generate(run, HFEngine(str(tiny_model_dir)), records(3), template="{text}", parse=first_word)
