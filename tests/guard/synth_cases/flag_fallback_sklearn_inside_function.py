# expect: flag fallback-to-generated
# why: the fallback hides inside a loader function and catches every exception.
from sklearn.datasets import make_classification


def get_training_data(path):
    try:
        return load_parquet(path)
    except Exception:
        print("could not load data, using generated data")
        return make_classification(n_samples=1000)  # flagged
