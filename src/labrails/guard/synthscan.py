"""Static scan of a launch script, and the local modules it imports, for fabricated data.

Agents under pressure sometimes swap the real dataset for ``make_classification``, random arrays or
templated strings and then report the run as if it had used real data. Before a full run starts, the
decision engine calls :func:`scan_script`; every :class:`Finding` is something the agent must either
remove or move under a de-risk branch (``if cfg.profile == "de-risk":``), where small fabricated data is
the point.

The scan runs on the agent's hook path, so it is stdlib only and reads each file once. It is a
heuristic: it looks for data-shaped names (``X``, ``labels``, ``texts``...) receiving values whose only
source is a random generator or a string template, rather than tracking real data flow. Noise that
perturbs existing data (augmentation, diffusion noise, dropout), random indices, seeds and weight
initialisation are left alone because they are not assigned to data names or always involve real data.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

__all__ = ["RULES", "Finding", "scan_script", "scan_source"]

RULES = (
    "sklearn-generator",
    "fake-dataset",
    "random-data",
    "templated-data",
    "fallback-to-generated",
    "unparseable",
    "scan-error",
)


@dataclass(frozen=True)
class Finding:
    path: str  # file where it was found
    line: int
    rule: str  # one of RULES; "unparseable" and "scan-error" mean the file could not be checked
    snippet: str  # the source line, stripped, at most 120 characters
    message: str  # one sentence for the agent: what was found and why it counts as fabricated data


# --------------------------------------------------------------------------------------------------
# Vocabulary. Names are split into lower-case words (``X_train`` -> x, train; ``trainX`` -> train, x).

_SK_GENERATORS = frozenset(
    """make_classification make_regression make_blobs make_moons make_circles make_friedman1
    make_friedman2 make_friedman3 make_gaussian_quantiles make_hastie_10_2
    make_multilabel_classification make_s_curve make_swiss_roll make_sparse_coded_signal
    make_sparse_spd_matrix make_sparse_uncorrelated make_spd_matrix make_low_rank_matrix
    make_biclusters make_checkerboard""".split()
)
_FAKE_DATASET_RE = re.compile(
    r"^(?:Fake|Dummy|Random|Synthetic|Mock|Toy)\w*(?:Data|Dataset|DataModule|Datamodule|DataLoader|Corpus)$"
)

_NP_RANDOM = frozenset(
    """rand randn randint random random_sample random_integers ranf sample integers normal
    standard_normal uniform binomial poisson exponential standard_exponential beta gamma
    standard_gamma lognormal laplace logistic multivariate_normal multinomial dirichlet bytes
    geometric gumbel hypergeometric negative_binomial noncentral_chisquare chisquare f noncentral_f
    pareto power rayleigh standard_cauchy standard_t triangular vonmises wald weibull zipf logseries
    multivariate_hypergeometric""".split()
)
_TORCH_RANDOM = frozenset("rand randn randint rand_like randn_like randint_like normal".split())
# Drawing from a tensor of probabilities is how models sample; only constant probabilities fabricate.
_TORCH_FROM_PROBS = frozenset("bernoulli multinomial poisson".split())
_PY_RANDOM = frozenset(
    """random uniform randint randrange gauss normalvariate lognormvariate expovariate
    vonmisesvariate gammavariate betavariate paretovariate weibullvariate triangular getrandbits
    randbytes binomialvariate""".split()
)
_OTHER_RANDOM_HEADS = frozenset(
    "tensorflow.random jax.random keras.random tensorflow.keras.random mlx.core.random cupy.random".split()
)
_OTHER_RANDOM = frozenset(
    """normal uniform truncated_normal randint bernoulli categorical poisson gamma beta exponential
    stateless_normal stateless_uniform stateless_truncated_normal stateless_categorical gumbel
    laplace logistic multivariate_normal dirichlet choice bits randn rand""".split()
)
_INPLACE_RANDOM = frozenset(
    "normal_ uniform_ random_ bernoulli_ exponential_ geometric_ log_normal_ cauchy_".split()
)
_GENERATOR_CTORS = {
    "numpy.random.default_rng": "numpy.random.Generator",
    "numpy.random.RandomState": "numpy.random.Generator",
    "numpy.random.Generator": "numpy.random.Generator",
    "random.Random": "random.Random",
    "random.SystemRandom": "random.Random",
    "sklearn.utils.check_random_state": "numpy.random.Generator",
    "sklearn.utils.validation.check_random_state": "numpy.random.Generator",
    "faker.Faker": "faker.Faker",
}
_DEFAULT_ALIASES = {
    "np": "numpy",
    "numpy": "numpy",
    "npr": "numpy.random",
    "torch": "torch",
    "pd": "pandas",
    "random": "random",
    "sklearn": "sklearn",
    "tf": "tensorflow",
    "jax": "jax",
}
_RNG_NAMES = frozenset({"random_state", "rs", "rnd", "prng", "rstate", "np_rng", "gen_rng"})

# Wrapping a fabricated array in one of these keeps it fabricated, whatever else is passed alongside.
_CONTAINERS = frozenset(
    """TensorDataset DataFrame Series Dataset DatasetDict IterableDataset from_dict from_list
    from_pandas from_records from_tensor_slices from_numpy array asarray asanyarray tensor as_tensor
    Tensor FloatTensor LongTensor IntTensor list tuple dict set zip sorted DataLoader Subset
    ConcatDataset DMatrix Pool Data HeteroData""".split()
)
_CONSTRUCTORS = frozenset(
    """len range int float bool str ones zeros full empty eye identity arange linspace logspace
    ones_like zeros_like full_like empty_like default_rng manual_seed seed""".split()
)
_NUMERIC_MODULES = frozenset("numpy torch math scipy jax tensorflow cupy".split())
_LOADER_PREFIXES = ("load", "read", "fetch", "open", "download", "genfromtxt", "fromfile", "memmap")
_APPEND_METHODS = frozenset("append extend add insert appendleft put".split())
_SINK_FUNCS = frozenset(
    """fit partial_fit fit_transform fit_predict fit_resample train_test_split cross_val_score
    cross_validate cross_val_predict""".split()
)
_DATASET_DUNDERS = frozenset({"__getitem__", "__getitems__", "__iter__", "__next__"})
_CONFIG_BASES = frozenset("cfg config conf args opt opts hparams hp params settings flags FLAGS".split())

_DATA_TOKENS = frozenset(
    """x y xs ys xtr xte xva ytr yte yva xb yb xtrain xtest xval ytrain ytest yval data dataset
    datasets ds df dfs dataframe features feature feats feat labels label lbl lbls targets target
    tgt tgts inputs input samples examples texts text queries query questions question answers
    answer corpus documents docs sentences images image imgs img batch batches records rows
    observations obs points sequences seqs tokens signals signal audio waveforms series instances
    reviews captions utterances passages trainset testset valset dataloader dataloaders loader
    loaders""".split()
)
_NOT_DATA_TOKENS = frozenset(
    """dummy example noise noisy eps epsilon init initial weight weights w bias mask masks perm perms
    permutation idx idxs index indices ind inds seed seeds pred preds prediction predictions logits
    score scores prob probs proba baseline null chance boot bootstrap resample resampled jitter
    perturb perturbation latent latents z param params lr hparam hparams rng key keys shape shapes
    size sizes dim dims prompt prompts template templates message messages msg path paths file files
    filename filenames url urls dir dirs name names col cols column columns header log desc title
    titles len lens lengths count counts num n loss losses acc accuracy metric metrics hat yhat
    time times""".split()
)
_SCALAR_TOKENS = frozenset(
    """n num k d m dim size std sigma scale mean mu loc var variance alpha beta gamma lam lmbda amp
    amplitude level offset shift slope intercept temperature temp eps epsilon rate p freq frequency
    period radius factor coef coeff snr magnitude bias""".split()
)
# Placeholders that carry real text mean a comprehension wraps real data in a prompt, not invents it.
_TEXT_TOKENS = frozenset(
    """text texts question questions query queries article articles passage passages paragraph
    paragraphs document documents doc docs review reviews sentence sentences content contents body
    context contexts input inputs prompt prompts instruction instructions abstract abstracts summary
    summaries utterance utterances caption captions message messages comment comments post posts
    tweet tweets email emails story stories dialog dialogs dialogue dialogues conversation
    conversations transcript transcripts code snippet snippets response responses answer answers
    completion completions description descriptions example examples sample samples record records
    line lines corpus""".split()
)
_RECORD_TOKENS = frozenset("dataset datasets ds data df batch items entries split rows".split())
_ITER_METHODS = frozenset("values tolist to_list itertuples iterrows items unique keys to_dict".split())
_FAB_MARKERS = frozenset(
    "synthetic synth fake dummy toy mock fabricate fabricated derisk smoke dryrun".split()
)
_GEN_MARKERS = frozenset("random generate generated gen simulate simulated".split())

_DERISK_RE = re.compile(
    r"de_?risk|smoke|dry_?run|(?<![a-z])debug(?:ging)?(?![a-z])|synthetic|fast_dev_run|sanity"
    r"|(?<![a-z])(?:fake|dummy)(?![a-z])"
)
_WRAPPER_MARKERS = ("\n", ":", "<", "[", "###", "|", "\t", "=")
_TOKEN_RE = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[A-Z]")


@lru_cache(maxsize=4096)
def _tokens(name: str) -> frozenset[str]:
    return frozenset(t.lower() for t in _TOKEN_RE.findall(name))


@lru_cache(maxsize=4096)
def _is_data_name(name: str) -> bool:
    toks = _tokens(name)
    if not toks or toks & _NOT_DATA_TOKENS:
        return False
    if toks & {"real", "fake"} and toks & {"label", "labels", "target", "targets"}:
        return False  # GAN discriminator targets, not a dataset
    if toks & {"train", "test", "val", "valid", "eval", "dev"} and toks & {"set", "split", "subset"}:
        return True
    return bool(toks & _DATA_TOKENS)


@lru_cache(maxsize=4096)
def _is_fab_name(name: str) -> bool:
    low = name.lower()
    toks = _tokens(name)
    if toks & {"input", "inputs", "example", "forward", "shape", "shapes"}:
        return False  # dummy inputs for tracing a model are not a dataset
    if toks & _FAB_MARKERS or "de_risk" in low or "dry_run" in low:
        return True
    return bool(toks & _GEN_MARKERS and toks & _DATA_TOKENS)


@lru_cache(maxsize=4096)
def _is_scalarish(name: str) -> bool:
    if len(name) == 1:
        return name not in "xyXY"
    if _is_data_name(name):
        return False
    if name.isupper():
        return True
    toks = _tokens(name)
    return bool(toks & _SCALAR_TOKENS) or name.startswith(("n_", "num_"))


def _derisk_text(text: str) -> bool:
    return bool(_DERISK_RE.search(text.lower().replace("-", "_").replace(" ", "_")))


# --------------------------------------------------------------------------------------------------
# De-risk conditions


def _mentions(node: ast.AST) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            text = sub.id
        elif isinstance(sub, ast.Attribute):
            text = sub.attr
        elif isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            text = sub.value
        elif isinstance(sub, ast.keyword) and sub.arg:
            text = sub.arg
        else:
            continue
        if _derisk_text(text):
            return True
    return False


def _literal_strings(node: ast.AST) -> list[str] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and node.elts:
        out = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        return out if len(out) == len(node.elts) else None
    return None


def _compare_derisk(node: ast.Compare) -> bool:
    # `profile in ("de-risk", "full")` also runs for the full profile, so every literal must be de-risk.
    operands = [node.left, *node.comparators]
    literals = [s for op in operands for s in (_literal_strings(op) or [])]
    if literals and any(_derisk_text(s) for s in literals):
        return all(_derisk_text(s) for s in literals)
    others = [op for op in operands if _literal_strings(op) is None]
    return any(_mentions(op) for op in others)


def _polarity(test: ast.AST) -> tuple[bool, bool]:
    """(true branch runs only in de-risk, false branch runs only in de-risk)."""
    if isinstance(test, ast.BoolOp):
        parts = [_polarity(v) for v in test.values]
        if isinstance(test.op, ast.And):
            return any(p[0] for p in parts), all(p[1] for p in parts)
        return all(p[0] for p in parts), any(p[1] for p in parts)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        pos, neg = _polarity(test.operand)
        return neg, pos
    if isinstance(test, ast.Compare):
        if not _compare_derisk(test):
            return False, False
        op = test.ops[0]
        negated = isinstance(op, (ast.NotEq, ast.IsNot, ast.NotIn))
        right = test.comparators[0]
        # `args.smoke == False` / `args.debug is None` test for the flag being off.
        if (
            isinstance(op, (ast.Eq, ast.NotEq, ast.Is, ast.IsNot))
            and isinstance(right, ast.Constant)
            and not isinstance(right.value, str)
            and not right.value
        ):
            negated = not negated
        return not negated, negated
    if isinstance(test, (ast.Name, ast.Attribute, ast.Call, ast.Subscript, ast.Constant)) and _mentions(test):
        return True, False
    return False, False


def _is_main_guard(test: ast.AST) -> bool:
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and len(test.comparators) == 1
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value == "__main__"
        and isinstance(test.ops[0], ast.Eq)
    )


def _exists_fallback(test: ast.AST) -> tuple[bool, bool]:
    """`if not os.path.exists(p):` guards the branch that runs when real data is missing."""

    def is_exists(node: ast.AST) -> bool:
        return isinstance(node, ast.Call) and _last_name(node.func) in (
            "exists", "isfile", "is_file", "isdir", "is_dir"
        )

    def is_missing(node: ast.AST) -> bool:
        return isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not) and is_exists(node.operand)

    if is_missing(test):
        return True, False
    if is_exists(test):
        return False, True
    # `if args.dummy or not os.path.isdir(root):` also fabricates whenever the data is missing.
    if isinstance(test, ast.BoolOp):
        if isinstance(test.op, ast.Or) and any(is_missing(v) for v in test.values):
            return True, False
        if isinstance(test.op, ast.And) and any(is_exists(v) for v in test.values):
            return False, True
    return False, False


def _pattern_derisk(pattern: ast.AST, subject_mentions: bool) -> bool:
    if isinstance(pattern, ast.MatchValue):
        value = pattern.value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return _derisk_text(value.value)
        return _mentions(value)
    if isinstance(pattern, ast.MatchSingleton):
        return pattern.value is True and subject_mentions
    if isinstance(pattern, ast.MatchOr):
        return all(_pattern_derisk(p, subject_mentions) for p in pattern.patterns)
    if isinstance(pattern, ast.MatchAs) and pattern.pattern is not None:
        return _pattern_derisk(pattern.pattern, subject_mentions)
    return False


# --------------------------------------------------------------------------------------------------
# Small AST helpers


def _children(node: ast.AST):
    # ast.iter_child_nodes goes through a generator per field; this is the hot loop of the scan.
    for name in node._fields:
        value = getattr(node, name, None)
        if isinstance(value, list):
            for item in value:
                if isinstance(item, ast.AST):
                    yield item
        elif isinstance(value, ast.AST) and name != "ctx":
            yield value


def _all_statements(tree: ast.Module) -> list[ast.stmt]:
    """Every statement, nested ones included; expressions are skipped, which keeps the prepass cheap."""
    out: list[ast.stmt] = []
    stack: list[ast.AST] = list(reversed(tree.body))
    while stack:
        node = stack.pop()
        out.append(node)
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            block = getattr(node, name, None)
            if isinstance(block, list):
                for child in reversed(block):
                    if isinstance(child, ast.stmt):
                        stack.append(child)
                    elif isinstance(child, (ast.ExceptHandler, ast.match_case)):
                        stack.extend(reversed(child.body))
    return out


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _base_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call, ast.Starred)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _last_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return key.value
        return _last_name(node.value)
    if isinstance(node, ast.Call):
        return _last_name(node.func)
    return None


def _target_names(node: ast.AST):
    """(taint key, name shown to the agent) for each assigned name; partial writes are skipped."""
    if isinstance(node, ast.Name):
        yield node.id, node.id
    elif isinstance(node, ast.Attribute):
        yield _dotted(node), node.attr
    elif isinstance(node, ast.Subscript):
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            yield None, key.value  # df["label"] = ... replaces a whole column
    elif isinstance(node, (ast.Tuple, ast.List)):
        for elt in node.elts:
            yield from _target_names(elt)
    elif isinstance(node, ast.Starred):
        yield from _target_names(node.value)


def _bound_names(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, (ast.Tuple, ast.List)):
        return [n for elt in node.elts for n in _bound_names(elt)]
    if isinstance(node, ast.Starred):
        return _bound_names(node.value)
    return []


def _is_rangeish(node: ast.AST) -> bool:
    if isinstance(node, ast.Call):
        name = _last_name(node.func)
        if name in ("range", "arange", "trange"):
            return True
        if name in ("tqdm", "enumerate", "list") and node.args:
            return _is_rangeish(node.args[0])
    return False


def _bind_loop(target: ast.AST, iterable: ast.AST) -> list[tuple[str, ast.AST | None]]:
    """Pair loop names with what they iterate over, looking through zip() and enumerate()."""
    if isinstance(target, (ast.Tuple, ast.List)) and isinstance(iterable, ast.Call):
        fname = _last_name(iterable.func)
        if fname == "zip" and len(target.elts) == len(iterable.args):
            return [p for t, a in zip(target.elts, iterable.args) for p in _bind_loop(t, a)]
        if fname == "enumerate" and len(target.elts) == 2 and iterable.args:
            return [(n, None) for n in _bound_names(target.elts[0])] + _bind_loop(
                target.elts[1], iterable.args[0]
            )
    return [(n, iterable) for n in _bound_names(target)]


def _assigned_names(stmts: list[ast.stmt]) -> frozenset[str]:
    out: set[str] = set()
    for stmt in stmts:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Assign):
                for t in node.targets:
                    out.update(name for _, name in _target_names(t))
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
                out.update(name for _, name in _target_names(node.target))
    return frozenset(out)


def _loop_updated(body: list[ast.stmt]) -> frozenset[str]:
    """Names rewritten from themselves inside a loop: iterative samplers start from noise on purpose."""
    out: set[str] = set()
    stack: list[tuple[ast.AST, bool]] = [(s, False) for s in body]
    while stack:
        node, in_loop = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if in_loop:
            if isinstance(node, ast.Assign):
                used = {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}
                for t in node.targets:
                    out.update(n for n in _bound_names(t) if n in used)
            elif isinstance(node, ast.AugAssign):
                out.update(_bound_names(node.target))
        loop = in_loop or isinstance(node, (ast.For, ast.AsyncFor, ast.While))
        stack.extend(
            (child, loop)
            for child in _children(node)
            if isinstance(child, (ast.stmt, ast.excepthandler, ast.match_case))
        )
    return frozenset(out)


def _is_module_class(node: ast.ClassDef) -> bool:
    for base in node.bases:
        name = _last_name(base) or ""
        if "Data" in name:
            continue
        if name == "Sequential" or name.endswith(("Module", "Model", "Net", "Network", "Layer", "Block")):
            return True
    return any(
        isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name in ("forward", "call")
        for s in node.body
    )


_NEWLINE_RE = re.compile(r"\r\n|\r|\n")


def _lines(source: str) -> list[str]:
    # str.splitlines also breaks on form feeds and U+2028, which Python's line numbers do not count.
    return _NEWLINE_RE.split(source)


def _fmt_template(static: str) -> str:
    text = static if len(static) <= 60 else static[:57] + "..."
    return repr(text)


# --------------------------------------------------------------------------------------------------
# Per-file analysis

_FAB, _DATA, _CONST = 2, 1, 0


@dataclass(frozen=True)
class _Fab:
    rule: str
    desc: str
    report: bool  # nobody has flagged this source yet
    direct_random: bool = False
    scalar: bool = False  # one draw, e.g. a crop offset; only a collection of draws is a dataset


@dataclass
class _Taint:
    rule: str
    desc: str
    line: int
    status: str  # "reported", "exempt" or "unreported"
    scalar: bool = False


@dataclass(frozen=True)
class _Ctx:
    derisk: bool = False
    handler: bool = False
    try_assigned: frozenset = frozenset()
    chain: tuple = ()
    qual: tuple = ()
    data_func: bool = False
    module_method: bool = False
    class_body: bool = False
    class_module: bool = False
    loop_vars: tuple = ()
    body: tuple = ()


@dataclass(frozen=True)
class _Candidate:
    path: str
    line: int
    rule: str
    base_rule: str
    snippet: str
    message: str
    detail: str
    chain: tuple


@dataclass(frozen=True)
class _Def:
    key: tuple
    name: str
    path: str
    line: int


@dataclass(frozen=True)
class _Ref:
    name: str
    path: str
    line: int
    snippet: str
    chain: tuple
    derisk: bool
    handler: bool


_CONST_R = (_CONST, None)
_DATA_R = (_DATA, None)


def _pick(fabs: list[_Fab]) -> _Fab:
    for fab in fabs:
        if fab.report:
            return fab
    return fabs[0]


def _elementwise(results) -> tuple[int, _Fab | None]:
    # Any real data in the mix makes it a perturbation of that data (augmentation, noise injection).
    fabs = []
    has_data = False
    for kind, fab in results:
        if kind == _DATA:
            has_data = True
        elif kind == _FAB:
            fabs.append(fab)
    if has_data:
        return _DATA_R
    if fabs:
        return _FAB, replace(_pick(fabs), direct_random=False, scalar=all(f.scalar for f in fabs))
    return _CONST_R


def _container(results) -> tuple[int, _Fab | None]:
    fabs = []
    has_data = False
    for kind, fab in results:
        if kind == _FAB:
            fabs.append(fab)
        elif kind == _DATA:
            has_data = True
    if fabs:
        return _FAB, replace(_pick(fabs), direct_random=False, scalar=False)
    return _DATA_R if has_data else _CONST_R


class _Analyzer:
    """One file: collects candidate findings plus the definitions and uses that `_resolve` needs
    to exempt de-risk-only helpers and to report fabricating helpers where they are called."""

    def __init__(self, tree: ast.Module, source: str, path: str, entry: bool = True):
        self.tree = tree
        self.path = path
        self.entry = entry  # the launched script; in imported modules `if __name__ == "__main__":` never runs
        self.lines = _lines(source)
        self.aliases: dict[str, str] = {}
        self.bound: set[str] = set()
        self.generators: dict[str, str] = {}
        self.str_consts: dict[str, str] = {}
        self.def_names: set[str] = set()
        self.global_def_names: frozenset[str] = frozenset()
        self.candidates: list[_Candidate] = []
        self.defs: list[_Def] = []
        self.refs: list[_Ref] = []
        self.taint: list[dict[str, _Taint]] = [{}]
        self.imports: list[ast.AST] = []
        self._loops: dict[int, frozenset[str]] = {}
        self._prepass(source)

    # ---- setup

    def _prepass(self, source: str) -> None:
        assigns = []
        for node in _all_statements(self.tree):
            if isinstance(node, ast.Import):
                self.imports.append(node)
                for a in node.names:
                    if a.asname:
                        self.aliases[a.asname] = a.name
                    else:
                        top = a.name.split(".")[0]
                        self.aliases[top] = top
            elif isinstance(node, ast.ImportFrom):
                self.imports.append(node)
                module = ("." * node.level) + (node.module or "")
                for a in node.names:
                    if a.name != "*":
                        self.aliases[a.asname or a.name] = f"{module}.{a.name}" if module else a.name
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.bound.add(node.name)
                self.def_names.add(node.name)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                assigns.append((targets, node.value))
                for t in targets:
                    self.bound.update(_bound_names(t))
                if (
                    len(targets) == 1
                    and isinstance(targets[0], ast.Name)
                    and isinstance(node.value, ast.Constant)
                    and isinstance(node.value.value, str)
                ):
                    self.str_consts[targets[0].id] = node.value.value
            elif isinstance(node, (ast.For, ast.AsyncFor)):
                self.bound.update(_bound_names(node.target))
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if item.optional_vars is not None:
                        self.bound.update(_bound_names(item.optional_vars))
        if "import_module(" in source or "__import__(" in source:
            for node in ast.walk(self.tree):
                if (
                    isinstance(node, ast.Call)
                    and _last_name(node.func) in ("import_module", "__import__")
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                ):
                    self.imports.append(node)
        for targets, value in assigns:
            if isinstance(value, ast.Call):
                q = self._qual(value.func)
                kind = _GENERATOR_CTORS.get(q or "")
                if kind is None and q and q.startswith("torch.distributions."):
                    kind = "torch.distributions.Distribution"
                if kind:
                    for t in targets:
                        key = _dotted(t)
                        if key:
                            self.generators[key] = kind

    def run(self) -> None:
        self._stmts(self.tree.body, _Ctx(body=tuple(self.tree.body)))

    # ---- name resolution

    def _resolve_name(self, name: str) -> str:
        if name in self.aliases:
            return self.aliases[name]
        if "rng" in _tokens(name) or name in _RNG_NAMES:
            return "numpy.random.Generator"  # passed in as an argument or built by a helper
        if name in self.bound:
            return "<local>." + name
        if name in _DEFAULT_ALIASES:
            return _DEFAULT_ALIASES[name]
        if name in _SK_GENERATORS:
            return "sklearn.datasets." + name  # from sklearn.datasets import *
        return name

    def _qual(self, node: ast.AST) -> str | None:
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        parts.reverse()
        if isinstance(node, ast.Name):
            names = [node.id, *parts]
            for i in range(len(names), 0, -1):
                kind = self.generators.get(".".join(names[:i]))
                if kind:
                    return ".".join([kind, *names[i:]])
            return ".".join([self._resolve_name(node.id), *parts])
        if isinstance(node, ast.Call):
            inner = self._qual(node.func)
            if inner is None:
                return None
            kind = _GENERATOR_CTORS.get(inner)
            if kind is None and inner.startswith("torch.distributions."):
                kind = "torch.distributions.Distribution"
            if kind:
                return ".".join([kind, *parts])
        return None

    def _loop_updated(self, ctx: _Ctx) -> frozenset[str]:
        key = id(ctx.body[0]) if ctx.body else 0
        if key not in self._loops:
            self._loops[key] = _loop_updated(list(ctx.body))
        return self._loops[key]

    # ---- taint

    @staticmethod
    def _from_taint(taint: _Taint) -> _Fab:
        desc = f"{taint.desc} (line {taint.line})"
        return _Fab(taint.rule, desc, taint.status == "unreported", scalar=taint.scalar)

    def _get_taint(self, key: str) -> _Taint | None:
        hit = self.taint[-1].get(key)
        if hit is None and len(self.taint) > 1:
            hit = self.taint[0].get(key)
        return hit

    # ---- recording

    def _snippet(self, line: int) -> str:
        if 1 <= line <= len(self.lines):
            return self.lines[line - 1].strip()[:120]
        return ""

    def _candidate(self, line: int, rule: str, message: str, detail: str, ctx: _Ctx) -> None:
        final = rule
        if ctx.handler:
            final = "fallback-to-generated"
            message = (
                f"When loading real data fails, this code falls back to generated data ({detail}); "
                "a full run must fail loudly instead of training on fabricated data."
            )
        self.candidates.append(
            _Candidate(self.path, line, final, rule, self._snippet(line), message, detail, ctx.chain)
        )

    def _fab_candidate(self, line: int, fab: _Fab, subject: str, ctx: _Ctx) -> None:
        """`subject` names the receiver: "`X_train`", "the value returned by `get_data()`"..."""
        if fab.rule == "templated-data":
            message = (
                f"{subject} is filled in from the string template {fab.desc}, which invents text "
                "instead of using real examples."
            )
        elif fab.rule in ("sklearn-generator", "fake-dataset"):
            message = f"{subject} comes from {fab.desc}, a generator of synthetic samples, not real data."
        else:
            message = (
                f"{subject} is filled with random values from {fab.desc}, which stands in for real "
                "data or labels."
            )
        self._candidate(line, fab.rule, message, f"{fab.desc} into {subject}", ctx)

    # ---- statements

    def _stmts(self, body: list[ast.stmt], ctx: _Ctx) -> None:
        for stmt in body:
            self._stmt(stmt, ctx)

    def _stmt(self, node: ast.stmt, ctx: _Ctx) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self._function(node, ctx)
        elif isinstance(node, ast.ClassDef):
            self._class(node, ctx)
        elif isinstance(node, ast.Assign):
            self._walk(node.value, ctx)
            for t in node.targets:
                self._walk(t, ctx)
            self._assign(node.targets, node.value, node.lineno, ctx)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self._walk(node.value, ctx)
                self._assign([node.target], node.value, node.lineno, ctx)
        elif isinstance(node, ast.AugAssign):
            self._walk(node.value, ctx)
            self._walk(node.target, ctx)
            # `data += [random.random() for ...]` grows the dataset; `x += noise` only perturbs it.
            if isinstance(node.op, ast.Add) and isinstance(
                node.value, (ast.List, ast.ListComp, ast.GeneratorExp, ast.Tuple)
            ):
                self._assign([node.target], node.value, node.lineno, ctx, update_taint=False)
        elif isinstance(node, ast.If):
            self._walk(node.test, ctx)
            pos, neg = _polarity(node.test)
            if not self.entry and _is_main_guard(node.test):
                pos = True
            fb_body, fb_else = _exists_fallback(node.test)
            self._stmts(node.body, self._branch(ctx, pos, fb_body, node.orelse))
            self._stmts(node.orelse, self._branch(ctx, neg, fb_else, node.body))
        elif isinstance(node, (ast.Try, ast.TryStar)):
            self._stmts(node.body, ctx)
            hctx = replace(ctx, handler=True, try_assigned=ctx.try_assigned | _assigned_names(node.body))
            for handler in node.handlers:
                if handler.type is not None:
                    self._walk(handler.type, ctx)
                self._stmts(handler.body, hctx)
            self._stmts(node.orelse, ctx)
            self._stmts(node.finalbody, ctx)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self._walk(node.iter, ctx)
            lctx = replace(ctx, loop_vars=ctx.loop_vars + tuple(_bind_loop(node.target, node.iter)))
            self._stmts(node.body, lctx)
            self._stmts(node.orelse, ctx)
        elif isinstance(node, ast.While):
            self._walk(node.test, ctx)
            pos, _ = _polarity(node.test)
            self._stmts(node.body, replace(ctx, derisk=True) if pos else ctx)
            self._stmts(node.orelse, ctx)
        elif isinstance(node, ast.Match):
            self._walk(node.subject, ctx)
            subject = _mentions(node.subject)
            for case in node.cases:
                pos = _pattern_derisk(case.pattern, subject)
                if case.guard is not None:
                    self._walk(case.guard, ctx)
                    pos = pos or _polarity(case.guard)[0]
                self._stmts(case.body, replace(ctx, derisk=True) if pos else ctx)
        elif isinstance(node, ast.Return):
            if node.value is not None:
                self._walk(node.value, ctx)
                self._produced(node.value, node.lineno, ctx, "returned")
        else:
            for child in _children(node):
                if isinstance(child, ast.stmt):
                    self._stmt(child, ctx)
                else:
                    self._walk(child, ctx)

    def _branch(self, ctx: _Ctx, derisk: bool, fallback: bool, other: list[ast.stmt]) -> _Ctx:
        if not derisk and not fallback:
            return ctx
        if fallback:
            return replace(
                ctx,
                derisk=ctx.derisk or derisk,
                handler=True,
                try_assigned=ctx.try_assigned | _assigned_names(other),
            )
        return replace(ctx, derisk=True)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, ctx: _Ctx) -> None:
        for dec in node.decorator_list:
            self._walk(dec, ctx)
        for default in [*node.args.defaults, *node.args.kw_defaults]:
            if default is not None:
                self._walk(default, ctx)
        name = node.name
        qual = ctx.qual + (name,)
        key = (self.path, ".".join(qual))
        self.defs.append(_Def(key, name, self.path, node.lineno))
        # nn.Module methods draw weights and sampling noise; only their data hooks can fabricate data.
        module_method = ctx.module_method or (
            ctx.class_body
            and ctx.class_module
            and not (_is_data_name(name) or "loader" in name or name in ("setup", "prepare_data"))
        )
        data_func = _is_data_name(name) or _is_fab_name(name) or (ctx.class_body and name in _DATASET_DUNDERS)
        fctx = replace(
            ctx,
            chain=ctx.chain + (key,),
            qual=qual,
            data_func=data_func,
            module_method=module_method,
            class_body=False,
            loop_vars=(),
            body=tuple(node.body),
        )
        self.taint.append({})
        self._stmts(node.body, fctx)
        self.taint.pop()

    def _class(self, node: ast.ClassDef, ctx: _Ctx) -> None:
        for expr in [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]:
            self._walk(expr, ctx)
        qual = ctx.qual + (node.name,)
        key = (self.path, ".".join(qual))
        self.defs.append(_Def(key, node.name, self.path, node.lineno))
        cctx = replace(
            ctx,
            chain=ctx.chain + (key,),
            qual=qual,
            data_func=False,
            module_method=False,
            class_body=True,
            class_module=_is_module_class(node),
            loop_vars=(),
        )
        self.taint.append({})
        self._stmts(node.body, cctx)
        self.taint.pop()

    def _assign(self, targets, value, line: int, ctx: _Ctx, update_taint: bool = True) -> None:
        pairs = []
        for t in targets:
            if (
                isinstance(t, (ast.Tuple, ast.List))
                and isinstance(value, (ast.Tuple, ast.List))
                and len(t.elts) == len(value.elts)
                and not any(isinstance(e, ast.Starred) for e in (*t.elts, *value.elts))
            ):
                pairs.extend(zip(t.elts, value.elts))
            else:
                pairs.append((t, value))
        reported = False
        cache: dict[int, tuple] = {}
        for target, val in pairs:
            if id(val) not in cache:
                cache[id(val)] = self._classify(val, ctx)
            kind, fab = cache[id(val)]
            names = list(_target_names(target))
            if kind != _FAB:
                if update_taint:
                    for key, _ in names:
                        if key:
                            self.taint[-1].pop(key, None)
                continue
            exempt = ctx.derisk or ctx.module_method
            status = "exempt" if exempt else ("unreported" if fab.report else "reported")
            if fab.report and not exempt and not fab.scalar:
                for key, shown in names:
                    if not (_is_data_name(shown) or (ctx.handler and shown in ctx.try_assigned)):
                        continue
                    if fab.direct_random and key in self._loop_updated(ctx):
                        status = "exempt"
                        continue
                    if not reported:
                        self._fab_candidate(line, fab, f"`{shown}`", ctx)
                        reported = True
                    status = "reported"
            if update_taint:
                for key, _ in names:
                    if key:
                        self.taint[-1][key] = _Taint(fab.rule, fab.desc, line, status, fab.scalar)

    def _produced(self, value: ast.AST, line: int, ctx: _Ctx, verb: str) -> None:
        """A return/yield of fabricated values from a function that hands out data."""
        # In an except branch, whatever is returned replaces the data the try failed to produce.
        if not (ctx.data_func or ctx.handler) or ctx.derisk or ctx.module_method:
            return
        kind, fab = self._classify(value, ctx)
        if kind == _FAB and fab.report:
            func = ctx.qual[-1] if ctx.qual else "<module>"
            self._fab_candidate(line, fab, f"the value {verb} by `{func}()`", ctx)

    # ---- expressions: references and sinks

    def _walk(self, node: ast.AST, ctx: _Ctx) -> None:
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                self._reference(node.id, node, ctx)
            return
        if isinstance(node, ast.Attribute):
            if isinstance(node.ctx, ast.Load):
                self._reference(node.attr, node, ctx)
            self._walk(node.value, ctx)
            return
        if isinstance(node, ast.IfExp):
            self._walk(node.test, ctx)
            pos, neg = _polarity(node.test)
            self._walk(node.body, replace(ctx, derisk=True) if pos else ctx)
            self._walk(node.orelse, replace(ctx, derisk=True) if neg else ctx)
            return
        if isinstance(node, ast.Call):
            self._sinks(node, ctx)
        elif isinstance(node, (ast.Yield, ast.YieldFrom)) and node.value is not None:
            self._produced(node.value, node.lineno, ctx, "yielded")
        for child in _children(node):
            self._walk(child, ctx)

    def _reference(self, name: str, node: ast.Name | ast.Attribute, ctx: _Ctx) -> None:
        line = node.lineno
        if name in self.global_def_names:
            self.refs.append(
                _Ref(name, self.path, line, self._snippet(line), ctx.chain, ctx.derisk, ctx.handler)
            )
        if ctx.derisk:
            return
        maybe_generator = name.startswith("make_") or (isinstance(node, ast.Name) and name in self.aliases)
        qual = self._qual(node) if maybe_generator else None
        if qual and _is_sk_generator(qual):
            real = qual.rpartition(".")[2]
            shown = f"`{name}`" if real == name else f"`{name}` ({real})"
            self._candidate(
                line,
                "sklearn-generator",
                f"{shown} is a scikit-learn synthetic sample generator; outside a de-risk branch "
                "it replaces the real dataset with generated points.",
                shown,
                ctx,
            )
        elif _FAKE_DATASET_RE.match(name):
            self._candidate(
                line,
                "fake-dataset",
                f"`{name}` is a fake dataset class that yields generated samples instead of real data.",
                f"`{name}`",
                ctx,
            )

    def _sinks(self, call: ast.Call, ctx: _Ctx) -> None:
        if ctx.derisk or ctx.module_method:
            return
        func = call.func
        fname = _last_name(func)
        if isinstance(func, ast.Attribute) and func.attr in _APPEND_METHODS and call.args:
            receiver = _last_name(func.value)
            if receiver and (
                _is_data_name(receiver) or (ctx.handler and receiver in ctx.try_assigned)
            ):
                for arg in call.args:
                    kind, fab = self._classify(arg, ctx)
                    if kind != _FAB and ctx.loop_vars:
                        fab = self._templated(arg, ctx.loop_vars)
                        kind = _FAB if fab else kind
                    if kind == _FAB and fab.report:
                        self._fab_candidate(call.lineno, fab, f"`{receiver}`", ctx)
                        return
        if fname in _SINK_FUNCS:
            for arg in call.args:
                kind, fab = self._classify(arg, ctx)
                if kind == _FAB and fab.report:
                    self._fab_candidate(call.lineno, fab, f"the data passed to `{fname}()`", ctx)
                    return
        for kw in call.keywords:
            if kw.arg and _is_data_name(kw.arg) and not _tokens(kw.arg) & {"input", "inputs"}:
                kind, fab = self._classify(kw.value, ctx)
                if kind == _FAB and fab.report:
                    self._fab_candidate(call.lineno, fab, f"`{kw.arg}=`", ctx)
                    return

    # ---- expressions: is this value fabricated?

    def _classify(self, e: ast.AST, ctx: _Ctx, local: dict | None = None) -> tuple[int, _Fab | None]:
        if isinstance(e, ast.Constant):
            return _CONST_R
        if isinstance(e, ast.Name):
            if local and e.id in local:
                return local[e.id]
            taint = self._get_taint(e.id)
            if taint is not None:
                return _FAB, self._from_taint(taint)
            for name, iterable in reversed(ctx.loop_vars):
                if name == e.id:
                    return _CONST_R if iterable is None or _is_rangeish(iterable) else _DATA_R
            return _CONST_R if _is_scalarish(e.id) else _DATA_R
        if isinstance(e, ast.Attribute):
            key = _dotted(e)
            if key:
                taint = self._get_taint(key)
                if taint is not None:
                    return _FAB, self._from_taint(taint)
            inner = self._classify(e.value, ctx, local)
            if inner[0] == _FAB:
                return inner
            base = _base_name(e)
            if (
                base in _CONFIG_BASES
                or self._resolve_name(base or "").split(".")[0] in _NUMERIC_MODULES
                or _is_scalarish(e.attr)
                or (base == "self" and isinstance(e.value, ast.Attribute) and e.value.attr in _CONFIG_BASES)
            ):
                return _CONST_R
            return _DATA_R
        if isinstance(e, ast.Subscript):
            kind, fab = self._classify(e.value, ctx, local)
            return (kind, fab) if kind == _FAB else (kind, None)
        if isinstance(e, ast.Call):
            return self._classify_call(e, ctx, local)
        if isinstance(e, ast.BinOp):
            return _elementwise([self._classify(e.left, ctx, local), self._classify(e.right, ctx, local)])
        if isinstance(e, ast.UnaryOp):
            return self._classify(e.operand, ctx, local)
        if isinstance(e, ast.BoolOp):
            return _elementwise([self._classify(v, ctx, local) for v in e.values])
        if isinstance(e, ast.Compare):
            return _elementwise([self._classify(v, ctx, local) for v in (e.left, *e.comparators)])
        if isinstance(e, ast.IfExp):
            pos, neg = _polarity(e.test)
            body = _CONST_R if (pos or ctx.derisk) else self._classify(e.body, ctx, local)
            orelse = _CONST_R if (neg or ctx.derisk) else self._classify(e.orelse, ctx, local)
            return _container([body, orelse])
        if isinstance(e, (ast.List, ast.Tuple, ast.Set)):
            return _container([self._classify(v, ctx, local) for v in e.elts])
        if isinstance(e, ast.Dict):
            return _container([self._classify(v, ctx, local) for v in e.values if v is not None])
        if isinstance(e, ast.JoinedStr):
            kind, fab = _container(
                [self._classify(v.value, ctx, local) for v in e.values if isinstance(v, ast.FormattedValue)]
            )
            return (kind, fab) if kind == _FAB else _CONST_R
        if isinstance(e, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            return self._classify_comp(e, ctx, local)
        if isinstance(e, (ast.Starred, ast.NamedExpr, ast.Await)):
            return self._classify(e.value, ctx, local)
        if isinstance(e, ast.Lambda):
            return _CONST_R
        return _DATA_R

    def _classify_call(self, e: ast.Call, ctx: _Ctx, local) -> tuple[int, _Fab | None]:
        func = e.func
        q = self._qual(func)
        fname = _last_name(func)
        style = _random_source(q) if q else None
        if style is not None:
            desc = f"`{_source_text(func)}`"
            if style:
                pop = e.args[0] if e.args else next(
                    (k.value for k in e.keywords if k.arg in ("a", "population", "input", "probs")), None
                )
                if pop is not None:
                    kind, fab = self._classify(pop, ctx, local)
                    if kind == _FAB:
                        return _FAB, fab
                    # Choosing from real data is subsampling; sampling from model output is generation.
                    if kind == _DATA and (style == "probs" or _data_expr(pop)):
                        return _DATA_R
            if q.rpartition(".")[2] in _INTEGER_DRAWS and _bounded_by_existing_data(e):
                return _DATA_R  # random row numbers into data that exists: minibatch or bootstrap indices
            return _FAB, _Fab("random-data", desc, True, True, _scalar_draw(q, e))
        if q and _is_sk_generator(q):
            return _FAB, _Fab("sklearn-generator", f"`{fname}`", False)
        if fname and _FAKE_DATASET_RE.match(fname):
            return _FAB, _Fab("fake-dataset", f"`{fname}`", False)
        if isinstance(func, ast.Attribute):
            receiver = func.value
            if func.attr in _INPLACE_RANDOM:
                kind, fab = self._classify(receiver, ctx, local)
                if kind == _FAB:
                    return _FAB, fab
                if kind == _CONST or isinstance(receiver, ast.Call):
                    return _FAB, _Fab("random-data", f"`.{func.attr}()`", True, True)
                return _DATA_R
            kind, fab = self._classify(receiver, ctx, local)
            if kind == _FAB:
                return _FAB, (replace(fab, scalar=True) if func.attr == "item" else fab)
            if func.attr in ("format", "join") and kind == _CONST:
                args = [self._classify(a, ctx, local) for a in (*e.args, *(k.value for k in e.keywords))]
                res = _container(args)
                return res if res[0] == _FAB else _CONST_R
        if fname == "map" and len(e.args) >= 2 and isinstance(e.args[0], ast.Lambda):
            return self._classify_map(e.args[0], e.args[1:], ctx, local)
        args = [self._classify(a, ctx, local) for a in (*e.args, *(k.value for k in e.keywords))]
        if fname in _CONTAINERS:
            return _container(args)
        if fname in _CONSTRUCTORS:
            return _CONST_R
        if fname and fname.startswith(_LOADER_PREFIXES):
            return _DATA_R
        if q and q.split(".")[0] in _NUMERIC_MODULES:
            return _elementwise(args) if args else _CONST_R
        return _DATA_R

    def _classify_comp(self, e, ctx: _Ctx, local) -> tuple[int, _Fab | None]:
        scope = dict(local or {})
        for gen in e.generators:
            it = self._classify(gen.iter, ctx, scope)
            for name, iterable in _bind_loop(gen.target, gen.iter):
                if it[0] == _FAB:
                    scope[name] = it
                elif iterable is None or _is_rangeish(iterable):
                    scope[name] = _CONST_R
                else:
                    scope[name] = _DATA_R
        elts = [e.key, e.value] if isinstance(e, ast.DictComp) else [e.elt]
        result = _container([self._classify(x, ctx, scope) for x in elts])
        if result[0] == _FAB:
            return result
        bindings = tuple(p for gen in e.generators for p in _bind_loop(gen.target, gen.iter))
        for x in elts:
            fab = self._templated(x, bindings)
            if fab is not None:
                return _FAB, fab
        return result

    def _classify_map(self, fn: ast.Lambda, iterables, ctx: _Ctx, local) -> tuple[int, _Fab | None]:
        """`map(lambda t: f"...{t}...", titles)` is a comprehension in another spelling."""
        params = [a.arg for a in fn.args.args]
        bindings = tuple(zip(params, iterables))
        scope = dict(local or {})
        for name, iterable in bindings:
            scope[name] = _CONST_R if _is_rangeish(iterable) else _DATA_R
        result = self._classify(fn.body, ctx, scope)
        if result[0] == _FAB:
            return _FAB, replace(result[1], scalar=False)
        fab = self._templated(fn.body, bindings)
        return (_FAB, fab) if fab else _DATA_R

    def _templated(self, node: ast.AST, bindings: tuple) -> _Fab | None:
        found = self._template(node)
        if found is None:
            return None
        static, placeholders = found
        loop_map = dict(bindings)
        over_range = any(it is None or _is_rangeish(it) for _, it in bindings)
        if not _content_like(static, over_range):
            return None
        if any(_text_placeholder(ph, loop_map) for ph in placeholders):
            return None
        return _Fab("templated-data", _fmt_template(static), True)

    def _template(self, node: ast.AST) -> tuple[str, list[ast.AST]] | None:
        if isinstance(node, ast.JoinedStr):
            parts, holes = [], []
            for v in node.values:
                if isinstance(v, ast.Constant) and isinstance(v.value, str):
                    parts.append(v.value)
                elif isinstance(v, ast.FormattedValue):
                    parts.append("{}")
                    holes.append(v.value)
            return ("".join(parts), holes) if holes else None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
            text = self._const_str(node.func.value)
            if text is not None:
                return re.sub(r"\{[^{}]*\}", "{}", text), [*node.args, *(k.value for k in node.keywords)]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            text = self._const_str(node.left)
            if text is not None:
                holes = list(node.right.elts) if isinstance(node.right, ast.Tuple) else [node.right]
                return re.sub(r"%[-+ #0-9.]*[sdifr]", "{}", text), holes
        if isinstance(node, (ast.Tuple, ast.List)):
            for elt in node.elts:
                found = self._template(elt)
                if found:
                    return found
        if isinstance(node, ast.Dict):
            for v in node.values:
                found = self._template(v) if v is not None else None
                if found:
                    return found
        return None

    def _const_str(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            return self.str_consts.get(node.id)
        return None


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


# --------------------------------------------------------------------------------------------------
# Cross-file resolution: exemptions for de-risk-only helpers, call-site reporting


def _resolve(analyzers: list[_Analyzer]) -> list[Finding]:
    defs = [d for a in analyzers for d in a.defs]
    by_key = {d.key: d for d in defs}
    refs_by_name: dict[str, list[_Ref]] = {}
    for a in analyzers:
        for r in a.refs:
            refs_by_name.setdefault(r.name, []).append(r)

    def external(d: _Def) -> list[_Ref]:
        return [r for r in refs_by_name.get(d.name, ()) if d.key not in r.chain]

    # A helper is de-risk only if every use sits in a de-risk branch or in another de-risk-only helper.
    exempt: set = set()
    changed = True
    while changed:
        changed = False
        for d in defs:
            if d.key in exempt:
                continue
            uses = external(d)
            if uses and all(r.derisk or any(k in exempt for k in r.chain) for r in uses):
                exempt.add(d.key)
                changed = True

    direct: list[Finding] = []
    moved: list[Finding] = []
    for a in analyzers:
        for c in a.candidates:
            if any(k in exempt for k in c.chain):
                continue
            at_call_sites = False
            for k in reversed(c.chain):
                d = by_key.get(k)
                if d is None or not _is_fab_name(d.name):
                    continue
                # A helper named as a data fabricator is reported where it is used, since the fix
                # is at the call: move it under the de-risk branch or call the real loader.
                live = [r for r in external(d) if not (r.derisk or any(kk in exempt for kk in r.chain))]
                for r in live:
                    rule = "fallback-to-generated" if r.handler else c.rule
                    message = (
                        f"`{d.name}` ({Path(d.path).name}:{d.line}) fabricates data ({c.detail}) "
                        "and is used here outside a de-risk branch."
                    )
                    moved.append(Finding(r.path, r.line, rule, r.snippet, message))
                    at_call_sites = True
                break
            if not at_call_sites:
                direct.append(Finding(c.path, c.line, c.rule, c.snippet, c.message))

    order = {a.path: i for i, a in enumerate(analyzers)}
    taken = {(f.path, f.line) for f in direct}
    seen: set = set()
    out: list[Finding] = []
    for f in [*direct, *(m for m in moved if (m.path, m.line) not in taken)]:
        key = (f.path, f.line, f.rule)
        if key not in seen:
            seen.add(key)
            out.append(f)
    out.sort(key=lambda f: (order.get(f.path, 0), f.line))
    return out


# --------------------------------------------------------------------------------------------------
# Entry points


def _parse(source: str, filename: str) -> tuple[ast.Module | None, Finding | None]:
    try:
        return ast.parse(source, filename=filename), None
    except SyntaxError as exc:
        line = exc.lineno or 1
        lines = _lines(source)
        snippet = lines[line - 1].strip()[:120] if 1 <= line <= len(lines) else ""
        reason = exc.msg or "invalid syntax"
    except (ValueError, RecursionError, MemoryError, OverflowError) as exc:
        line, snippet, reason = 1, "", type(exc).__name__
    return None, Finding(
        filename,
        line,
        "unparseable",
        snippet,
        f"{filename} does not parse ({reason}), so it cannot be checked for fabricated data.",
    )


def _analyse(analyzers: list[_Analyzer]) -> list[Finding]:
    names = frozenset().union(*(a.def_names for a in analyzers))
    for a in analyzers:
        a.global_def_names = names
        a.run()
    return _resolve(analyzers)


def _guarded(path: str, build) -> list[Finding]:
    try:
        return _analyse(build())
    except RecursionError:
        return [
            Finding(path, 1, "unparseable", "", f"{path} is nested too deeply to check for fabricated data.")
        ]
    except Exception as exc:  # the hook must always answer, and a scanner bug must not wave a run through
        return [Finding(path, 1, "scan-error", "", f"The fabricated-data scan failed on {path}: {exc!r}.")]


def scan_source(source: str, filename: str = "<string>") -> list[Finding]:
    """Findings for one file's source; a parse failure is a single "unparseable" finding."""
    source = source.removeprefix("\ufeff")  # editors on Windows save a byte-order mark
    tree, error = _parse(source, filename)
    if error is not None:
        return [error]
    return _guarded(filename, lambda: [_Analyzer(tree, source, filename)])


def scan_script(
    path: str | Path,
    *,
    root: str | Path | None = None,
    follow_imports: bool = True,
    max_files: int = 25,
) -> list[Finding]:
    """Findings for a launch script and the local modules it imports (inside ``root``)."""
    script = Path(path).resolve()
    label = str(script)
    try:
        source = script.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = type(exc).__name__
        return [
            Finding(
                label, 1, "unparseable", "", f"{label} could not be read ({reason}), so it cannot be checked."
            )
        ]
    tree, error = _parse(source, label)
    if error is not None:
        return [error]
    root_dir = Path(root).resolve() if root is not None else script.parent
    bases = [script.parent] if script.parent == root_dir else [script.parent, root_dir]
    return _guarded(label, lambda: _collect(script, source, tree, root_dir, bases, follow_imports, max_files))


def _collect(script, source, tree, root_dir, bases, follow_imports, max_files) -> list[_Analyzer]:
    """The script plus the local modules it reaches, breadth first, each parsed once."""
    analyzers = [_Analyzer(tree, source, str(script))]
    seen = {script}
    queue = [(script, analyzers[0])]
    while follow_imports and queue and len(analyzers) < max_files:
        current, analyzer = queue.pop(0)
        for module_file in _local_imports(analyzer.imports, current, bases):
            if len(analyzers) >= max_files:
                break
            try:
                resolved = module_file.resolve()
            except OSError:
                continue
            if resolved in seen or not resolved.is_relative_to(root_dir):
                continue
            seen.add(resolved)
            try:
                text = resolved.read_text(encoding="utf-8-sig")
                sub_tree = ast.parse(text, filename=str(resolved))
            except (OSError, UnicodeDecodeError, SyntaxError, ValueError, RecursionError, MemoryError):
                continue  # the launched script is what must parse; a broken helper fails at import
            sub = _Analyzer(sub_tree, text, str(resolved), entry=False)
            analyzers.append(sub)
            queue.append((resolved, sub))
    return analyzers


def _local_imports(imports: list[ast.AST], file: Path, bases: list[Path]) -> list[Path]:
    out: list[Path] = []
    for node in imports:
        if isinstance(node, ast.Import):
            for a in node.names:
                out.extend(_find_module(a.name.split("."), (), bases))
        elif isinstance(node, ast.ImportFrom):
            names = tuple(a.name for a in node.names)
            parts = node.module.split(".") if node.module else []
            if node.level:
                pkg = file.parent
                for _ in range(node.level - 1):
                    pkg = pkg.parent
                out.extend(_find_module(parts, names, [pkg]))
            else:
                out.extend(_find_module(parts, names, bases))
        elif isinstance(node, ast.Call) and not node.args[0].value.startswith("."):
            out.extend(_find_module(node.args[0].value.split("."), (), bases))
    return out


def _find_module(parts: list[str], names: tuple[str, ...], bases: list[Path]) -> list[Path]:
    """Files that `import a.b` / `from a.b import c` would execute, from the first base that has them."""
    for base in bases:
        found: list[Path] = []
        here = base
        ok = True
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            package = here / part
            init = package / "__init__.py"
            if init.is_file():
                found.append(init)
                here = package
            elif last and (here / f"{part}.py").is_file():
                found.append(here / f"{part}.py")
                return found  # a module: imported names are attributes, not submodules
            elif not last and package.is_dir():
                here = package  # namespace package
            elif last and package.is_dir() and names:
                here = package
            else:
                ok = False
                break
        if not ok:
            continue
        for name in names:
            if name == "*":
                continue
            if (here / f"{name}.py").is_file():
                found.append(here / f"{name}.py")
            elif (here / name / "__init__.py").is_file():
                found.append(here / name / "__init__.py")
        if found:
            return found
    return []
