# expect: allow
# why: a random-guess baseline is an evaluation reference, scored against real labels.
import numpy as np

rng = np.random.default_rng(0)
y_pred_chance = rng.integers(0, n_classes, size=len(y_test))
chance_acc = (y_pred_chance == y_test).mean()
random_scores = rng.random(len(y_test))
