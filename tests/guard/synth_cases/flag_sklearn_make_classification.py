# expect: flag sklearn-generator
# why: the "real" dataset is a scikit-learn toy generator; the full run would report results on noise.
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

X, y = make_classification(n_samples=10_000, n_features=20, random_state=0)  # flagged
clf = LogisticRegression().fit(X, y)
print(clf.score(X, y))
