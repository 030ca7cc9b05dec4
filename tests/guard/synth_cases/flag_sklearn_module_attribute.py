# expect: flag sklearn-generator
# why: generators reached through the module object, or stored in a registry, are still generators.
import sklearn
from sklearn import datasets

X_train, y_train = sklearn.datasets.make_blobs(n_samples=2000, centers=4)  # flagged
X_test, y_test = datasets.make_moons(n_samples=500, noise=0.2)  # flagged
GENERATORS = {"circles": datasets.make_circles}  # flagged
