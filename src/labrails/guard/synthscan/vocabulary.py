"""The words the scan judges by: generator and loader names, data-shaped names, de-risk markers.

Names are split into lower-case words (``X_train`` -> x, train; ``trainX`` -> train, x).
"""

from __future__ import annotations

import re
from functools import lru_cache

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
