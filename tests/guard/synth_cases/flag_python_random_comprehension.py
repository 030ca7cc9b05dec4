# expect: flag random-data
# why: list comprehensions over range() with random.random() invent one sample per iteration.
import random

data = [random.random() for _ in range(1000)]  # flagged
labels = [random.choice(["pos", "neg"]) for _ in range(1000)]  # flagged
samples = []
for _ in range(500):
    samples.append((random.gauss(0, 1), random.gauss(0, 1)))  # flagged
