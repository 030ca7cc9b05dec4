# expect: allow
# why: the ternary picks generated data only when the de-risk flag is set.
import numpy as np

X = np.random.randn(64, 10) if args.derisk else np.load(args.features)
y = np.load(args.labels) if not args.derisk else np.random.randint(0, 2, 64)
