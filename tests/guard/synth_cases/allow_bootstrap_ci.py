# expect: allow
# why: bootstrap resampling draws random indices into real results; nothing is invented.
import numpy as np


def bootstrap_ci(scores, n_boot=1000, seed=0):
    rng = np.random.default_rng(seed)
    n = len(scores)
    stats = []
    for _ in range(n_boot):
        idx = rng.choice(n, size=n, replace=True)
        stats.append(scores[idx].mean())
    return np.percentile(stats, [2.5, 97.5])


def bootstrap_legacy(y_true, y_pred, n_boot=1000):
    n = len(y_true)
    out = []
    for _ in range(n_boot):
        idx = np.random.randint(0, n, n)
        out.append((y_true[idx] == y_pred[idx]).mean())
    y_boot = np.random.choice(y_true, size=n, replace=True)
    return out, y_boot
