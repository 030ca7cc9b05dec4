# expect: allow
# why: random search samples hyperparameters, not data.
import numpy as np

rng = np.random.default_rng(0)
for trial in range(20):
    lr = 10 ** rng.uniform(-4, -2)
    weight_decay = 10 ** rng.uniform(-6, -3)
    dropout = rng.choice([0.0, 0.1, 0.3])
    config = {"lr": lr, "wd": weight_decay, "dropout": dropout, "width": int(rng.integers(64, 512))}
    run_trial(config, train_data, val_data)
