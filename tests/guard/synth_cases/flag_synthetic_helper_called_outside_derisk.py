# expect: flag random-data
# why: the helper itself is fine for de-risk runs; the unguarded second call feeds it to the full run.
import numpy as np


def make_synthetic_data(n):
    return np.random.randn(n, 10), np.random.randint(0, 2, n)


if args.smoke:
    X, y = make_synthetic_data(64)
X, y = make_synthetic_data(100_000)  # flagged
