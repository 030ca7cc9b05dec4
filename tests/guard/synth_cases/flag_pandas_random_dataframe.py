# expect: flag random-data
# why: a DataFrame of random numbers, or a random label column, stands in for the real table.
import numpy as np
import pandas as pd

df = pd.DataFrame(np.random.randn(2000, 4), columns=["a", "b", "c", "d"])  # flagged
df["label"] = np.random.randint(0, 3, len(df))  # flagged
