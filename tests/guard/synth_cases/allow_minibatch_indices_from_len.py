# expect: allow
# why: random row numbers bounded by the size of real data are minibatch (or bootstrap) indices, not data
import numpy as np
import torch
from sklearn.datasets import load_digits

X, y = load_digits(return_X_y=True)
batch = torch.randint(0, len(X), (64,))
rows = np.random.randint(0, X.shape[0], size=len(X))
xb, yb = X[batch.numpy()], y[rows]
