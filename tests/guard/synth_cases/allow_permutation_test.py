# expect: allow
# why: permutation tests shuffle real labels to build a null distribution.
import numpy as np


def permutation_test(X, y, model, n_perm=500, seed=0):
    rng = np.random.default_rng(seed)
    observed = model.fit(X, y).score(X, y)
    null = []
    for _ in range(n_perm):
        y_perm = rng.permutation(y)
        null.append(model.fit(X, y_perm).score(X, y_perm))
    order = np.arange(len(X))
    np.random.shuffle(order)
    return observed, np.mean(np.array(null) >= observed)
