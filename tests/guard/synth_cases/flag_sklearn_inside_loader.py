# expect: flag sklearn-generator
# why: a loader with an innocent name that returns a swiss roll fabricates data for every caller.
from sklearn.datasets import make_swiss_roll


def load_manifold_data(n):
    points, t = make_swiss_roll(n_samples=n, noise=0.05)  # flagged
    return points, t


def main():
    points, t = load_manifold_data(20_000)
    fit_embedding(points)
