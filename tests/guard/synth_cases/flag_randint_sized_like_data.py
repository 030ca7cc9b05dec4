# expect: flag random-data
# why: the size, not the bounds, comes from the real data: these are made-up pixel values
import numpy as np

ids = list(range(1797))
X = np.random.randint(0, 16, (len(ids), 64))  # flagged
