# expect: flag random-data
# why: features and labels drawn from np.random are not a dataset.
import numpy as np

np.random.seed(0)
X = np.random.rand(1000, 16)  # flagged
y = np.random.randint(0, 2, size=1000)  # flagged
model.fit(X, y)
