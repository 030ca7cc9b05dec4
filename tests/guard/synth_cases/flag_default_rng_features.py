# expect: flag random-data
# why: a seeded Generator is still a random generator; seeding makes the fabrication reproducible, not real.
import numpy as np

rng = np.random.default_rng(42)
X_train = rng.normal(loc=0.0, scale=1.0, size=(5000, 32))  # flagged
y_train = (X_train[:, 0] + rng.normal(size=5000) > 0).astype(int)  # flagged
