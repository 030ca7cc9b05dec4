# expect: flag sklearn-generator
# why: a function named for smoke tests is exempt only when every call is behind a de-risk check.
from sklearn.datasets import make_blobs


def run_smoke_test():
    X, y = make_blobs(n_samples=100)
    train(X, y, epochs=1)


def main():
    run_smoke_test()  # flagged
    train(load_real(), epochs=100)
