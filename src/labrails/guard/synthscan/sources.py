"""Which calls draw random values, and which string templates invent text rather than wrap real text."""

from __future__ import annotations

import ast
import re

from labrails.guard.synthscan.astutil import _base_name, _dotted, _last_name
from labrails.guard.synthscan.vocabulary import (
    _ITER_METHODS,
    _NP_RANDOM,
    _OTHER_RANDOM,
    _OTHER_RANDOM_HEADS,
    _PY_RANDOM,
    _RECORD_TOKENS,
    _SK_GENERATORS,
    _TEXT_TOKENS,
    _TORCH_FROM_PROBS,
    _TORCH_RANDOM,
    _WRAPPER_MARKERS,
    _is_data_name,
    _tokens,
)


def _source_text(func: ast.AST) -> str:
    text = _dotted(func) or ast.unparse(func)
    return text if len(text) <= 50 else "..." + text[-47:]


def _is_sk_generator(q: str) -> bool:
    parts = q.split(".")
    last = parts[-1]
    if not last.startswith("make_"):
        return False
    if parts[0] == "sklearn" and "datasets" in parts:
        return True
    return last in _SK_GENERATORS and len(parts) >= 2 and parts[-2] == "datasets"


_INTEGER_DRAWS = frozenset({"randint", "integers", "random_integers", "randrange"})


def _bounded_by_existing_data(call: ast.Call) -> bool:
    """Whether an integer draw's bounds come from the size of something: len(X), X.shape[0], x.size(0)."""
    # Bounds are the first two positional arguments (a tuple there is the size) or the named bounds.
    bounds = [a for a in call.args[:2] if not isinstance(a, (ast.Tuple, ast.List))]
    for arg in [*bounds, *(k.value for k in call.keywords if k.arg in ("high", "low", "stop", "start"))]:
        for node in ast.walk(arg):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len":
                return True
            if isinstance(node, ast.Attribute) and node.attr in ("shape", "size", "numel", "num_rows"):
                return True
    return False


def _random_source(q: str) -> str | None:
    """'' for a plain random draw, 'choice'/'probs' when it draws from a population, None otherwise."""
    head, _, last = q.rpartition(".")
    if head in ("numpy.random", "numpy.random.Generator", "cupy.random"):
        if last == "choice":
            return "choice"
        return "" if last in _NP_RANDOM else None
    if head == "torch":
        if last in _TORCH_FROM_PROBS:
            return "probs"
        return "" if last in _TORCH_RANDOM else None
    if head in ("random", "random.Random"):
        if last in ("choice", "choices", "sample"):
            return "choice"
        return "" if last in _PY_RANDOM else None
    if head in _OTHER_RANDOM_HEADS:
        return "" if last in _OTHER_RANDOM else None
    if head.startswith("torch.distributions") and last in ("sample", "rsample", "sample_n"):
        return ""
    if head == "faker.Faker" or last == "rvs":
        return ""
    return None


# Where `size` sits among positional arguments; a call without it draws one value.
_SIZE_POSITION = {
    **dict.fromkeys("rand randn random random_sample ranf sample standard_normal standard_exponential"
                    " standard_cauchy".split(), 0),
    **dict.fromkeys("choice poisson exponential dirichlet chisquare geometric rayleigh standard_t zipf"
                    " pareto power weibull logseries standard_gamma".split(), 1),
}


def _scalar_draw(q: str, call: ast.Call) -> bool:
    """A single number: `random.randint(0, w)`, `np.random.uniform(0, 1)`, `rng.integers(10)`."""
    head, _, last = q.rpartition(".")
    if head in ("random", "random.Random"):
        return last not in ("choices", "sample")
    if head.startswith("numpy.random"):
        if any(k.arg == "size" for k in call.keywords):
            return False
        return len(call.args) <= _SIZE_POSITION.get(last, 2)
    return False


def _data_expr(node: ast.AST) -> bool:
    name = _last_name(node)
    base = _base_name(node)
    return bool((name and _is_data_name(name)) or (base and _is_data_name(base)))


def _content_like(static: str, over_range: bool) -> bool:
    """Prose with a slot ("What movie is {}?"), not a prompt wrapper ("Question: {}") or an id."""
    if any(m in static for m in _WRAPPER_MARKERS):
        return False
    words = re.findall(r"[A-Za-z]{2,}", static.replace("{}", " "))
    if not re.search(r"[A-Za-z]\s|\s[A-Za-z]", static):
        return False
    return len(words) >= (1 if over_range else 2)


def _text_placeholder(node: ast.AST, loop_map: dict) -> bool:
    """True when a placeholder carries real text, e.g. `{q}` with `for q in questions`."""
    if isinstance(node, ast.Name):
        if node.id in loop_map:
            it = loop_map[node.id]
            return it is not None and _text_iterable(it)
        return bool(_tokens(node.id) & _TEXT_TOKENS)
    if isinstance(node, ast.Attribute):
        return bool(_tokens(node.attr) & _TEXT_TOKENS)
    if isinstance(node, ast.Subscript):
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return bool(_tokens(key.value) & _TEXT_TOKENS)
        return _text_placeholder(node.value, loop_map)
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Attribute):
            return _text_placeholder(node.func.value, loop_map)
        return any(_text_placeholder(a, loop_map) for a in node.args)
    return False


def _text_iterable(node: ast.AST) -> bool:
    if isinstance(node, ast.Name):
        return bool(_tokens(node.id) & (_TEXT_TOKENS | _RECORD_TOKENS))
    if isinstance(node, ast.Attribute):
        if node.attr in _ITER_METHODS:
            return _text_iterable(node.value)
        return bool(_tokens(node.attr) & _TEXT_TOKENS)
    if isinstance(node, ast.Subscript):
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return bool(_tokens(key.value) & (_TEXT_TOKENS | _RECORD_TOKENS))
        return _text_iterable(node.value)
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Name) and node.func.id in ("zip", "enumerate", "sorted", "list", "tqdm"):
            return any(_text_iterable(a) for a in node.args)
        return _text_iterable(node.func)
    return False


def _fmt_template(static: str) -> str:
    text = static if len(static) <= 60 else static[:57] + "..."
    return repr(text)
