# expect: allow
# why: each condition below only holds in a smoke / dry-run / debug / de-risk invocation.
import numpy as np
import torch
from sklearn.datasets import make_blobs

if args.smoke:
    X, y = make_blobs(n_samples=100)
if args.smoke_test and torch.cuda.is_available():
    inputs = torch.randn(8, 3, 32, 32)
if cfg.dry_run or cfg.debug:
    data = np.random.rand(16, 4)
if "de-risk" in run_name:
    labels = np.random.randint(0, 2, 16)
if cfg.profile.startswith("de-risk"):
    features = np.random.randn(32, 8)
if os.environ.get("SMOKE_TEST") == "1":
    targets = torch.randint(0, 10, (32,))
if profile != "de-risk":
    X = load_real()
else:
    X = np.random.randn(10, 3)
