# expect: allow
# why: fabricated data is exactly what a de-risk profile is for.
from sklearn.datasets import make_classification

if cfg.profile == "de-risk":
    X, y = make_classification(n_samples=256, n_features=20)
else:
    X, y = load_real_features(cfg.data.path)
