# expect: allow
# why: seeding and random splits choose which real rows go where.
import random

import numpy as np
import torch
from sklearn.model_selection import train_test_split
from torch.utils.data import random_split

random.seed(0)
np.random.seed(0)
torch.manual_seed(0)

X, y = load_features("data/features.parquet")
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
train_ds, val_ds = random_split(full_dataset, [0.9, 0.1], generator=torch.Generator().manual_seed(0))
indices = torch.randperm(len(full_dataset))
shuffled = [X[i] for i in np.random.permutation(len(X))]
