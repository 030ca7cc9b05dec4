# expect: allow
# why: loaders for bundled and downloaded datasets return real data.
import numpy as np
import pandas as pd
from sklearn.datasets import fetch_openml, load_digits

X, y = load_digits(return_X_y=True)
adult = fetch_openml("adult", version=2, as_frame=True)
df = pd.read_csv("data/train.csv")
features = np.load("data/features.npy")
labels = df["label"].to_numpy()
texts = [line.strip() for line in open("data/corpus.txt")]
