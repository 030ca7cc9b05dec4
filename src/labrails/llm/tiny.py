"""Small language models made on the spot: a tokenizer trained locally and a causal LM built from a config.

Nothing is downloaded: ``train_tokenizer`` learns a byte-level BPE vocabulary from your texts with
``tokenizers`` and gives it a chat template; ``build_causal_lm`` builds a Llama or GPT-2 of the size asked
from its config, with random weights. ``save_model`` writes a folder both engines load (safetensors,
config, tokenizer). Sizes default to what vLLM's CPU attention accepts (head dimension 32).

```python
tok = train_tokenizer(texts, vocab_size=2048)
model = build_causal_lm(tok, hidden=64, layers=2, heads=2)
save_model(model, tok, run.dir / "model")
```
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from labrails.core.errors import LabrailsError, MissingDependency

SPECIAL = {"bos_token": "<s>", "eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>"}
# A plain chat template: one line per turn; the assistant's turn ends with the EOS token.
CHAT_TEMPLATE = (
    "{% for m in messages %}"
    "{% if m['role'] == 'system' %}{{ m['content'] }}\n"
    "{% elif m['role'] == 'user' %}User: {{ m['content'] }}\n"
    "{% else %}Assistant: {{ m['content'] }}{{ eos_token }}\n{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}Assistant:{% endif %}"
)


def _require(module: str, extra: str = "hf"):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingDependency(module, extra) from None


def train_tokenizer(texts: Iterable[str], *, vocab_size: int = 2048, min_frequency: int = 2,
                    chat_template: str | None = CHAT_TEMPLATE):
    """A byte-level BPE tokenizer learned from ``texts``, as a ``PreTrainedTokenizerFast`` with a pad token
    of its own (never EOS) and a chat template."""
    tokenizers = _require("tokenizers")
    transformers = _require("transformers")
    texts = list(texts)
    if not texts:
        raise LabrailsError("train_tokenizer got no texts", fix="pass the training texts the model will read")
    model = tokenizers.Tokenizer(tokenizers.models.BPE(unk_token=SPECIAL["unk_token"]))
    model.pre_tokenizer = tokenizers.pre_tokenizers.ByteLevel(add_prefix_space=False)
    model.decoder = tokenizers.decoders.ByteLevel()
    trainer = tokenizers.trainers.BpeTrainer(
        vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=list(SPECIAL.values()),
        initial_alphabet=tokenizers.pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    model.train_from_iterator(texts, trainer=trainer)
    tok = transformers.PreTrainedTokenizerFast(tokenizer_object=model, **SPECIAL)
    tok.chat_template = chat_template
    return tok


def build_causal_lm(tokenizer, *, arch: str = "llama", hidden: int = 64, layers: int = 2, heads: int = 2,
                    kv_heads: int | None = None, max_positions: int = 256, seed: int = 0, dtype: str = "float32"):
    """A causal LM with random weights built from a config sized by the arguments."""
    torch = _require("torch", "torch")
    transformers = _require("transformers")
    if hidden % heads:
        raise LabrailsError(f"hidden size {hidden} is not divisible by {heads} heads", fix="e.g. hidden=64, heads=2")
    common = dict(vocab_size=len(tokenizer), bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                  pad_token_id=tokenizer.pad_token_id, tie_word_embeddings=True)
    if arch == "llama":
        config = transformers.LlamaConfig(hidden_size=hidden, intermediate_size=4 * hidden, num_hidden_layers=layers,
                                          num_attention_heads=heads, num_key_value_heads=kv_heads or heads,
                                          max_position_embeddings=max_positions, **common)
        cls = transformers.LlamaForCausalLM
    elif arch == "gpt2":
        config = transformers.GPT2Config(n_embd=hidden, n_layer=layers, n_head=heads, n_positions=max_positions, **common)
        cls = transformers.GPT2LMHeadModel
    else:
        raise LabrailsError(f"unknown architecture {arch!r}", fix="use 'llama' or 'gpt2'")
    torch.manual_seed(seed)
    model = cls(config)
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    return model.to(getattr(torch, dtype))


def save_model(model, tokenizer, path: Path | str) -> Path:
    """Write model and tokenizer into ``path`` (safetensors + config + tokenizer files + chat template)."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path
