# expect: flag fallback-to-generated
# why: a missing file should stop the run, not silently switch to random data.
import numpy as np
import pandas as pd

try:
    df = pd.read_csv("data/train.csv")
except FileNotFoundError:
    df = pd.DataFrame(np.random.randn(1000, 8))  # flagged
