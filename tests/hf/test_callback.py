"""A tiny GPT-2 classifier fine-tuned with HF Trainer through labrails: three lines of labrails code."""

from __future__ import annotations

import pytest

pytest.importorskip("transformers", reason="transformers not installed: pip install 'labrails[hf]'")
pytest.importorskip("vaderSentiment", reason="the VADER lexicon ships in vaderSentiment: pip install 'labrails[hf]'")

import json

import labrails
from labrails.core.fsutil import read_json
from testing.lexicon import lexicon_words
from testing.tiny_lm import encoded, gpt2_classifier, lexicon_tokenizer

WORDS, LABELS = lexicon_words()


def test_the_probe_logs_like_a_run_and_reports_both_planted_failures(lab):
    from transformers import Trainer

    tok = lexicon_tokenizer()
    tok.pad_token = tok.eos_token                                            # planted silent failure 1
    rows, _ = encoded(tok, WORDS[::20][:200], LABELS[::20][:200], max_length=256)   # planted silent failure 2
    model = gpt2_classifier(tok, positions=256)

    with labrails.start_run("de-risk", experiment=lab.root, script=lab.root / "probe.py") as run:       # labrails 1
        args = labrails.hf.training_args(run, per_device_train_batch_size=16, max_steps=8, eval_steps=4,
                                         use_cpu=True)                                                   # labrails 2
        trainer = Trainer(model=model, args=args, train_dataset=rows[:160], eval_dataset=rows[160:], processing_class=tok)
        labrails.hf.attach(run, trainer)                                                                 # labrails 3
        trainer.train()

    info = read_json(run.dir / "run.json")
    records = [json.loads(line) for line in (run.dir / "logs" / "metrics.jsonl").read_text().splitlines()]
    log = (run.dir / "logs" / "train.log").read_text()
    # Every step in metrics.jsonl (training values under train), eval_* under val without the prefix.
    assert sorted(r["step"] for r in records if r["name"] == "loss" and r["split"] == "train") == list(range(1, 9))
    assert [r["step"] for r in records if r["name"] == "loss" and r["split"] == "val"] == [4, 8]
    # HF's timing bookkeeping stays out of metrics (and so out of plots); run.json keeps it.
    names = {r["name"] for r in records}
    assert not names & {"train_runtime", "eval_runtime", "total_flos", "epoch", "eval_samples_per_second"}, names
    assert "train_runtime" in info["hf"]["timing"]
    # Step 1 at once with s/step and ETA; every step in train.log; transformers' own log mirrored there.
    assert "step 1/8 | loss " in log and "s/step" in log and "ETA" in log
    assert all(f"step {s}: loss" in log for s in range(1, 9))
    assert "[transformers]" in log and "Saving model checkpoint" in log
    # The effective batch, the resolved arguments, the best checkpoint.
    assert info["hf"]["batch"] == {"per_device": 16, "accumulation": 1, "world_size": 1, "effective": 16}
    assert read_json(run.dir / "training_args.json")["per_device_train_batch_size"] == 16
    assert info["hf"]["best_checkpoint"].startswith(str(run.dir / "checkpoints")) and info["hf"]["best_metric_name"] == "loss"
    assert info["total_steps"] == 8
    # Both planted failures, with their numbers, in run.json and in the review.
    found = {f["check"]: f for f in info["preflight"]}
    assert found["pad-is-eos"]["numbers"]["pad_token_id"] == tok.eos_token_id
    assert found["padding"]["numbers"]["padding_share"] > 0.9
    review = labrails.review.review_run(run.dir)
    shown = [f["message"] for f in review["findings"] if f["check"] == "preflight"]
    assert any("pad_token is eos_token" in m for m in shown) and any("are padding" in m for m in shown)


def test_early_stopping_fires_and_run_json_says_where(lab):
    from transformers import Trainer

    config = lab.config_path.read_text().replace("seed: 42", "seed: 42\nhf:\n  early_stopping_patience: 1", 1)
    lab.config_path.write_text(config)
    tok = lexicon_tokenizer()
    rows, _ = encoded(tok, WORDS[:120], LABELS[:120], eos=False)
    with labrails.start_run("de-risk", experiment=lab.root, script=lab.root / "probe.py") as run:
        # A learning rate this high makes the val loss worse at the second evaluation.
        args = labrails.hf.training_args(run, per_device_train_batch_size=8, max_steps=60, eval_steps=2,
                                         learning_rate=0.5, use_cpu=True)
        trainer = Trainer(model=gpt2_classifier(tok), args=args, train_dataset=rows[:100], eval_dataset=rows[100:],
                          processing_class=tok)
        labrails.hf.attach(run, trainer)
        trainer.train()
    stopped = read_json(run.dir / "run.json")["hf"]["early_stopping"]
    assert stopped["patience"] == 1 and stopped["step"] < 60 and stopped["step"] % 2 == 0
    assert f"early stopping fired at step {stopped['step']}" in (run.dir / "logs" / "train.log").read_text()


def test_training_args_follow_the_run_and_the_spec(lab):
    with labrails.start_run("de-risk", experiment=lab.root, script=lab.root / "probe.py") as run:
        args = labrails.hf.training_args(run, eval_steps=10)
    assert args.output_dir == str(run.dir / "checkpoints") and args.logging_steps == 1 and args.logging_first_step
    assert args.eval_strategy == args.save_strategy == "steps" and args.eval_steps == args.save_steps == 10
    assert args.load_best_model_at_end and args.save_total_limit == 2 and args.report_to == []
    # spec.yaml's primary metric is test_accuracy (higher is better): the best checkpoint has the best accuracy.
    assert args.metric_for_best_model == "accuracy" and args.greater_is_better is True


def test_a_typo_in_the_hf_section_names_the_file_and_the_field(lab):
    config = lab.config_path.read_text().replace("seed: 42", "seed: 42\nhf:\n  learnig_rate: 0.1", 1)
    lab.config_path.write_text(config)
    with labrails.start_run("de-risk", experiment=lab.root, script=lab.root / "probe.py") as run:
        try:
            labrails.hf.training_args(run)
        except labrails.ConfigError as err:
            assert "hf.learnig_rate is not a TrainingArguments field" in str(err) and str(lab.config_path) in str(err)
        else:
            raise AssertionError("a misspelt field was accepted")
