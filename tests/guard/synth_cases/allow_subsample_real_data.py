# expect: allow
# why: drawing a random subset of real rows is sampling, not fabrication.
import random

import numpy as np

texts = random.sample(all_texts, 1000)
rng = np.random.default_rng(0)
X_small = rng.choice(X, size=500, replace=False)
X_sub = X[rng.choice(len(X), 100, replace=False)]
batch = random.choices(dataset, k=32)
