#!/usr/bin/env -S uv run --script
# /// script
# requires-python = ">=3.11"
# dependencies = [
#     "labrails",
#     "torch>=2.3",
#     "transformers>=4.46",
#     "tokenizers>=0.19",
#     "safetensors>=0.4",
#     "accelerate>=0.30",
#     "vaderSentiment>=3.3",
#     "scikit-learn>=1.3",
#     "numpy>=1.26",
#     "pandas>=2.0",
#     "typer>=0.12",
# ]
# ///
"""Fine-tune a small causal LM with HF Trainer, then evaluate its free-text answers with labrails.llm.generate.

    uv run llm.py de-risk    # under a minute on 2 CPU cores: 30% of the training words, 80 steps
    uv run llm.py full       # the real run: every training word, early stopping on val loss, 2,166 test words

The whole path of an LLM experiment, small enough for a CPU and with nothing downloaded:
- data: VADER's sentiment lexicon, shipped inside the vaderSentiment package: 7,217 English words, each rated
  from -4 to +4 by ten people (Hutto & Gilbert, 2014). A word is "positive" when its mean rating is above 0.
  The prompt shows the word and its ten ratings; the model answers with the sentiment they add up to (a word's
  spelling alone is too little for a model this small to go on). The split (stratified by sentiment) is made
  once and saved; the model never sees a test word.
- tokenizer and model: a byte-level BPE tokenizer trained here on the training words only, with a chat
  template; a 2-layer Llama built from its config (random weights), trained from scratch.
- training: HF Trainer through labrails.hf (training_args, attach: preflight, metrics, progress with ETA,
  best checkpoint by val loss, early stopping), on chat-formatted examples; the loss is on the answer only.
- evaluation: labrails.llm.generate answers every test word (HF generate, or vLLM with generate.engine: vllm),
  parses the answer, and writes the drill-down under eval/; the review reads it.

Setting it up:

    labrails new sentiment-llm --template llm --hypothesis "a 2-layer LM names the sentiment of >= 90% of unseen rated words" \\
        --success "test_accuracy >= 0.9"
    cd sentiment-llm && uv run llm.py de-risk
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import typer

import labrails

# -----------------------------------------------------------------------------
# Fixed choices; the knobs a run may change live in config.yaml.
HERE = Path(__file__).resolve().parent
DATA_SOURCE = "vaderSentiment/vader_lexicon.txt"
LABELS = ("negative", "positive")
SYSTEM = "Is the word positive or negative?"

app = typer.Typer(add_completion=False)


# -----------------------------------------------------------------------------
# data: one word is one unit of independence; the split is per word, stratified by sentiment.

def load_lexicon():
    """(words, labels, ratings, the file) of VADER's lexicon, alphabetic entries only (no emoticons); ratings are
    each word's ten raters' scores as written in the file."""
    import vaderSentiment

    path = Path(vaderSentiment.__file__).parent / "vader_lexicon.txt"
    words, labels, ratings = [], [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        token, mean, _std, scores = line.split("\t")
        if token.isalpha():
            words.append(token)
            labels.append(LABELS[float(mean) > 0])
            ratings.append(" ".join(scores.strip("[]").split(", ")))
    return words, labels, ratings, path


def load_or_make_split(cfg, labels):
    path = HERE / cfg["data"]["split_file"]
    if not path.exists():
        import pandas as pd

        table = pd.DataFrame({"id": np.arange(len(labels)), "label": labels})
        split = labrails.split.make_split(table, id_col="id", strategy="stratified", label_col="label",
                                          test_size=cfg["data"]["test_fraction"], val_size=cfg["data"]["val_fraction"],
                                          seed=cfg["seed"])
        labrails.split.save_split(split, path)
    split = labrails.split.load_split(path)
    return path, {part: np.asarray(split[part], dtype=np.int64) for part in ("train", "val", "test")}


def stratified_subset(ids, labels, fraction, seed):
    """The same share of each sentiment, not the first N rows (the lexicon is alphabetical)."""
    if fraction >= 1.0:
        return ids
    from sklearn.model_selection import train_test_split

    kept, _ = train_test_split(ids, train_size=fraction, stratify=[labels[i] for i in ids], random_state=seed)
    return np.sort(kept)


def messages(word: str, ratings: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": f"{word} rated {ratings}"}]


def parse_answer(text: str) -> str | None:
    """The first word of the answer when it is a sentiment label, else None (a parse failure)."""
    first = text.strip().split(maxsplit=1)
    return first[0] if first and first[0] in LABELS else None


# -----------------------------------------------------------------------------
# tokenizer, model and the training examples

def encode_examples(tok, words, ratings, labels):
    """Chat-formatted examples; labels are -100 on the prompt, so the loss is on the answer (and its EOS)."""
    import torch

    rows = []
    for word, scores, label in zip(words, ratings, labels, strict=True):
        prompt = tok.apply_chat_template(messages(word, scores), tokenize=False, add_generation_prompt=True)
        full = tok.apply_chat_template(messages(word, scores) + [{"role": "assistant", "content": label}], tokenize=False)
        p_ids = tok(prompt, add_special_tokens=False)["input_ids"]
        ids = tok(full, add_special_tokens=False)["input_ids"]
        assert ids[: len(p_ids)] == p_ids, f"the prompt does not tokenize as a prefix of the example: {full!r}"
        rows.append({"input_ids": torch.tensor(ids), "labels": torch.tensor([-100] * len(p_ids) + ids[len(p_ids):])})
    return rows


class PadToLongest:
    """Pads a batch to its longest example (never to a fixed max_length): labels with -100."""

    def __init__(self, pad_id: int):
        self.pad_id = pad_id

    def __call__(self, rows):
        import torch

        width = max(len(r["input_ids"]) for r in rows)
        ids = torch.full((len(rows), width), self.pad_id)
        labels = torch.full((len(rows), width), -100)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, r in enumerate(rows):
            n = len(r["input_ids"])
            ids[i, :n], labels[i, :n], mask[i, :n] = r["input_ids"], r["labels"], 1
        return {"input_ids": ids, "attention_mask": mask, "labels": labels}


def describe_metrics(run):
    run.describe_metric("test_accuracy", direction="higher",
                        meaning="share of held-out words whose generated answer names the right sentiment (a parse failure is wrong)")
    run.describe_metric("test_macro_f1", direction="higher", meaning="F1 averaged over positive and negative")
    run.describe_metric("test_parse_failure_rate", direction="lower", meaning="share of answers that name no sentiment")


# -----------------------------------------------------------------------------

def make_engine(cfg, model, tok, model_dir):
    g = cfg["generate"]
    if g["engine"] == "vllm":
        return labrails.llm.VLLMEngine(model_dir, gpu_memory_utilization=g["gpu_memory_utilization"], seed=cfg["seed"])
    return labrails.llm.HFEngine(model, tok, batch_size=64)


@app.command()
def main(
    name: str = typer.Argument(..., help="Descriptive run name; its prefix picks the profile (de-risk..., full...)."),
    profile: str = typer.Option(None, help="Profile from config.yaml, when the name does not start with one."),
    force: bool = typer.Option(False, help="Run even if an identical run (same config, same code) already completed."),
):
    import torch
    from transformers import Trainer

    run = labrails.start_run_or_exit(name, profile=profile, force=force, script=__file__)
    with run:
        cfg = run.config
        labrails.seed_everything(cfg["seed"], log=run.log)
        torch.set_num_threads(cfg["train"]["threads"])

        # Data: the saved split; the profile's share of the training and test parts, stratified.
        words, labels, ratings, path = load_lexicon()
        split_path, split = load_or_make_split(cfg, labels)
        train_ids = stratified_subset(split["train"], labels, cfg["data"]["train_fraction_used"], cfg["seed"])
        test_ids = stratified_subset(split["test"], labels, cfg["data"]["test_fraction_used"], cfg["seed"])
        run.record_data(source=DATA_SOURCE, files=[path], rows={"train": len(train_ids), "val": len(split["val"]),
                        "test": len(test_ids)}, split_file=split_path,
                        class_counts={c: sum(labels[i] == c for i in train_ids) for c in LABELS},
                        subset=None if len(train_ids) == len(split["train"]) else "stratified subsets of train and test")

        # Tokenizer (training words only) and model, both made here.
        tok = labrails.llm.train_tokenizer([f"{words[i]} rated {ratings[i]}" for i in train_ids] + [SYSTEM, "User Assistant", *LABELS],
                                           vocab_size=cfg["tokenizer"]["vocab_size"])
        m = cfg["model"]
        model = labrails.llm.build_causal_lm(tok, hidden=m["hidden"], layers=m["layers"], heads=m["heads"], seed=cfg["seed"])
        run.log.info(f"model: {sum(p.numel() for p in model.parameters()):,} parameters, vocabulary {len(tok)}; "
                     f"first training example:\n{tok.decode(encode_examples(tok, [words[train_ids[0]]], [ratings[train_ids[0]]], [labels[train_ids[0]]])[0]['input_ids'])}")
        describe_metrics(run)

        # Training: HF Trainer through labrails.hf (three lines: args, attach, train).
        pick = lambda ids: ([words[i] for i in ids], [ratings[i] for i in ids], [labels[i] for i in ids])  # noqa: E731
        train_rows, val_rows = encode_examples(tok, *pick(train_ids)), encode_examples(tok, *pick(split["val"]))
        args = labrails.hf.training_args(run)
        trainer = Trainer(model=model, args=args, train_dataset=train_rows, eval_dataset=val_rows,
                          data_collator=PadToLongest(tok.pad_token_id), processing_class=tok)
        labrails.hf.attach(run, trainer)
        trainer.train()  # ends with the best checkpoint (val loss) loaded

        # Test: once, on the best checkpoint; every held-out word answered, parsed and drilled into.
        model_dir = labrails.llm.save_model(trainer.model, tok, run.checkpoint_path("best-model"))
        records = [{"id": int(i), "word": words[i], "ratings": ratings[i], "label": labels[i]} for i in test_ids]
        g = cfg["generate"]
        result = labrails.llm.generate(
            run, make_engine(cfg, trainer.model, tok, model_dir), records, template=lambda r: messages(r["word"], r["ratings"]),
            parse=parse_answer, ids="id", ground_truth="label", group="label", valid_labels=LABELS,
            max_new_tokens=g["max_new_tokens"], temperature=g["temperature"], chunk_size=g["chunk_size"])
        n = len(records)
        metrics = {"test_accuracy": result.metrics["accuracy"], "test_macro_f1": result.metrics["macro_f1"],
                   "test_parse_failure_rate": result.parse_failures / n, "test_truncation_rate": result.truncated / n,
                   "n_test": n, "steps_run": trainer.state.global_step}
        run.log_metrics({k: metrics[k] for k in ("test_accuracy", "test_macro_f1", "test_parse_failure_rate")},
                        step=trainer.state.global_step, split="test")
        run.finish(metrics)

    labrails.plot_run(run.dir)
    review = labrails.review.review_run(run.dir)
    print(f"\nrun directory: {run.dir}\nreview: {review['headline']}  (details: {run.dir / 'review.md'})")


if __name__ == "__main__":
    app()
