# expect: allow
# why: an except branch that stops the run is the right way to handle missing data.
import sys

import pandas as pd

try:
    df = pd.read_csv("data/train.csv")
except FileNotFoundError as exc:
    sys.exit(f"training data missing: {exc}; run scripts/download.py first")
try:
    cache = load_cache()
except KeyError:
    cache = {}
