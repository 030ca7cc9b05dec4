# expect: allow
# why: a config switch named "synthetic" selects generated data on purpose.
from sklearn.datasets import make_moons

if cfg.data.synthetic:
    X, y = make_moons(n_samples=cfg.data.n, noise=0.1)
else:
    X, y = read_split(cfg.data.path, "train")
