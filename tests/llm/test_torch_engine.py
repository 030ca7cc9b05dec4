"""TorchEngine: labrails.llm.generate over a plain PyTorch model and two functions, encode and decode.

Two real models: a small character transformer with random weights (its greedy answers must equal a plain
token-by-token loop's) and a bigram table whose next character is known in advance (stop strings, EOS,
finish reasons).
"""

from __future__ import annotations

import pandas as pd
import pytest

torch = pytest.importorskip("torch", reason="torch not installed: pip install 'labrails[torch]'")
from torch import nn  # noqa: E402

import labrails  # noqa: E402
from labrails.core.errors import LabrailsError  # noqa: E402
from labrails.core.fsutil import read_json  # noqa: E402
from labrails.llm import CallableTokenizer, Sampling, TorchEngine, generate  # noqa: E402

VOCAB = "abcdefghijklmnopqrstuvwxyz .:\n"


def encode(text: str) -> list[int]:
    return [VOCAB.index(c) for c in text]


def decode(ids) -> str:
    return "".join(VOCAB[i] for i in ids)


class TinyCharLM(nn.Module):
    """One causal self-attention layer over characters, learned positions: ids [b, t] -> logits [b, t, vocab]."""

    def __init__(self, max_len: int = 48, d_model: int = 32, seed: int = 0):
        super().__init__()
        torch.manual_seed(seed)
        self.max_len = max_len
        self.tok, self.pos = nn.Embedding(len(VOCAB), d_model), nn.Embedding(max_len, d_model)
        self.layer = nn.TransformerEncoderLayer(d_model, nhead=2, dim_feedforward=64, dropout=0.0, batch_first=True)
        self.head = nn.Linear(d_model, len(VOCAB))

    def forward(self, ids):
        t = ids.shape[1]
        h = self.tok(ids) + self.pos(torch.arange(t, device=ids.device))
        mask = nn.Transformer.generate_square_subsequent_mask(t, dtype=h.dtype)
        return self.head(self.layer(h, src_mask=mask, is_causal=True))


class CachedCharLM(nn.Module):
    """One attention layer written out, with a cache: given one, the prompt is read once, then one position a call."""

    def __init__(self, max_len: int = 48, d_model: int = 32, seed: int = 0):
        super().__init__()
        torch.manual_seed(seed)
        self.tok, self.pos = nn.Embedding(len(VOCAB), d_model), nn.Embedding(max_len, d_model)
        self.qkv, self.head = nn.Linear(d_model, 3 * d_model), nn.Linear(d_model, len(VOCAB))

    def forward(self, ids, cache: dict | None = None):
        start = 0 if cache is None else cache.get("length", 0)
        h = self.tok(ids) + self.pos(torch.arange(start, start + ids.shape[1], device=ids.device))
        q, k, v = self.qkv(h).chunk(3, dim=-1)
        if start:
            k, v = torch.cat([cache["k"], k], dim=1), torch.cat([cache["v"], v], dim=1)
        if cache is not None:
            cache.update(k=k, v=v, length=start + ids.shape[1])
        # the prompt attends causally; one new position after it may see everything before it
        return self.head(h + nn.functional.scaled_dot_product_attention(q, k, v, is_causal=start == 0))


class Bigram(nn.Module):
    """The next character depends only on the last one, by a table: 'a' -> 'b' -> ... -> 'z' -> ' ' -> '.' ..."""

    def __init__(self, follows: dict[str, str]):
        super().__init__()
        self.table = nn.Embedding(len(VOCAB), len(VOCAB))
        with torch.no_grad():
            self.table.weight.zero_()
            for now, nxt in follows.items():
                self.table.weight[VOCAB.index(now), VOCAB.index(nxt)] = 10.0

    def forward(self, ids):
        return self.table(ids)


COUNTING = Bigram({a: b for a, b in zip(VOCAB, VOCAB[1:] + VOCAB[0], strict=True)})  # each letter, then the next


def greedy_by_hand(model, prompt: str, max_new: int, stop: str) -> str:
    """The loop TorchEngine replaces: one prompt, the whole sequence re-read for every new character."""
    ids, new = encode(prompt), []
    with torch.no_grad():
        for _ in range(max_new):
            nxt = int(model(torch.tensor([ids + new]))[0, -1].argmax())
            new.append(nxt)
            if stop in decode(new):
                break
    return decode(new).split(stop, 1)[0]


def test_greedy_answers_equal_a_direct_loop_over_prompts_of_several_lengths(lab):
    model = TinyCharLM().double().eval()
    prompts = ["the wine is red.", "a wine", "which one:", "sweet and dry", "b", "the wine is old."] * 3
    with labrails.start_run("de-risk", experiment=lab.root, script=lab.root / "eval.py") as run:
        engine = TorchEngine(model, CallableTokenizer(encode, decode), max_len=model.max_len, batch_size=4)
        result = generate(run, engine, [{"prompt": p} for p in prompts], template="{prompt}", parse=str.strip,
                          max_new_tokens=12, stop=["."], chunk_size=5)
    assert result.raw_output == [greedy_by_hand(model, p, 12, ".") for p in prompts]
    assert result.input_text == prompts and result.prompt_tokens == [len(p) for p in prompts]
    llm = read_json(run.dir / "run.json")["llm"]
    assert llm["engine"] == "torch" and llm["model"] == "TinyCharLM" and llm["dtype"] == "float64"
    assert llm["engine_version"] and llm["sampling"]["stop"] == ["."] and llm["max_model_len"] == 16 + 12
    raw = pd.read_parquet(run.dir / "eval" / "raw_outputs.parquet")
    assert raw["finish_reason"].tolist() == result.finish_reason and raw["raw_output"].tolist() == result.raw_output


def test_a_model_with_a_cache_is_read_once_and_answers_as_without_it():
    model = CachedCharLM().double().eval()
    engine = TorchEngine(model, CallableTokenizer(encode, decode), max_len=48, batch_size=3)
    prompts = ["the wine is red.", "a wine", "which one:", "sweet and dry", "b"]
    done = engine.generate([encode(p) for p in prompts], Sampling(max_new_tokens=15, stop=["."]))
    assert engine.incremental and engine.describe()["kv_cache"] is True
    assert [c.text for c in done] == [greedy_by_hand(model, p, 15, ".") for p in prompts]
    assert {c.finish_reason for c in done} == {"stop", "length"}  # some rows stop early, the rest run to the limit


def test_finish_reason_is_stop_at_the_stop_string_and_length_at_the_limit(lab):
    engine = TorchEngine(COUNTING, CallableTokenizer(encode, decode))
    prompts = [encode("a"), encode("w"), encode("xa")]
    done = engine.generate(prompts, Sampling(max_new_tokens=6, stop=["e"]))
    # 'a' counts b c d e: stopped, the stop string left out; 'w' counts x y z ' ' . : and hits the limit.
    assert [(c.text, c.finish_reason, c.output_tokens) for c in done] == [
        ("bcd", "stop", 4), ("xyz .:", "length", 6), ("bcd", "stop", 4)]
    with_eos = TorchEngine(COUNTING, CallableTokenizer(encode, decode, eos_token_id=VOCAB.index("c")))
    assert [(c.text, c.finish_reason) for c in with_eos.generate([encode("a")], Sampling(max_new_tokens=6))] == [
        ("b", "stop")]


def test_the_model_context_ends_an_answer_as_a_cut(lab):
    engine = TorchEngine(COUNTING, CallableTokenizer(encode, decode), max_len=4)
    engine.prepare(2, Sampling(max_new_tokens=10))
    [done] = engine.generate([encode("ab")], Sampling(max_new_tokens=10))
    assert (done.text, done.finish_reason) == ("cd", "length") and engine.max_model_len == 4
    with pytest.raises(LabrailsError, match="leaves no room in the model's context of 4"):
        engine.prepare(4, Sampling(max_new_tokens=1))


def test_sampling_repeats_with_its_seed_and_a_tiny_top_p_is_greedy(lab):
    model = TinyCharLM(seed=1).eval()
    prompts = [encode("the wine"), encode("a wine is")] * 4
    tok = CallableTokenizer(encode, decode)
    hot = Sampling(max_new_tokens=10, temperature=2.0, seed=7)
    first, again = TorchEngine(model, tok).generate(prompts, hot), TorchEngine(model, tok).generate(prompts, hot)
    assert [c.text for c in first] == [c.text for c in again]
    assert len({c.text for c in first}) > 2  # at temperature 2 the same prompt gets different answers
    greedy = TorchEngine(model, tok).generate(prompts, Sampling(max_new_tokens=10))
    nucleus = TorchEngine(model, tok).generate(prompts, Sampling(max_new_tokens=10, temperature=1.0, top_p=1e-6))
    assert [c.text for c in nucleus] == [c.text for c in greedy]


def test_a_training_model_is_back_in_training_mode_after_generating():
    model = TinyCharLM().train()
    TorchEngine(model, CallableTokenizer(encode, decode)).generate([encode("ab")], Sampling(max_new_tokens=2))
    assert model.training


def test_chat_messages_need_a_chat_template(lab):
    engine = TorchEngine(COUNTING, CallableTokenizer(encode, decode))
    with labrails.start_run("de-risk", experiment=lab.root, script=lab.root / "eval.py") as run:
        with pytest.raises(LabrailsError, match="no chat template"):
            generate(run, engine, [{"w": "a"}], template=lambda r: [{"role": "user", "content": r["w"]}], parse=str)
