# expect: allow
# why: the helper fabricates, but every use sits behind a de-risk check (directly or through another helper).
import numpy as np
from sklearn.datasets import make_classification


def make_synthetic_data(n):
    return np.random.randn(n, 10), np.random.randint(0, 2, n)


def smoke_dataset():
    X, y = make_classification(n_samples=32)
    return X, y


def derisk_inputs():
    return smoke_dataset()


if args.profile == "de-risk":
    X, y = make_synthetic_data(64)
    X2, y2 = derisk_inputs()
else:
    X, y = load_real()
