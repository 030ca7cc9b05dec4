# expect: allow
# why: talking about make_classification is not calling it.
"""Do not use sklearn.datasets.make_classification or np.random.randn(1000, 10) here: real data only."""

HELP = "Set --synthetic to use make_moons(n_samples=200) for a smoke test."
# X, y = make_classification(n_samples=1000)
# queries = [f"What movie is {t}?" for t in titles]
FORBIDDEN = ["make_classification", "FakeData", "torch.randn"]
print(HELP)
