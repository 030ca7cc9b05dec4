# expect: flag sklearn-generator
# why: renaming the generator on import does not change what it returns.
from sklearn.datasets import make_classification as mc

features, labels = mc(n_samples=5000, n_informative=8)  # flagged
