# expect: flag sklearn-generator
# why: only the de-risk side of the branch is exempt; the else side is what the full run executes.
from sklearn.datasets import make_moons, make_regression

if cfg.profile == "de-risk":
    X, y = make_moons(n_samples=64)
else:
    X, y = make_regression(n_samples=100_000, n_features=50)  # flagged
