# expect: flag random-data
# why: real features with random labels is still fabricated supervision.
import numpy as np
import torch
from torch.utils.data import TensorDataset

X = np.load("features.npy")
rng = np.random.default_rng(0)
y = rng.integers(0, 10, size=len(X))  # flagged
train_ds = TensorDataset(torch.from_numpy(X), torch.randint(0, 10, (len(X),)))  # flagged
