# expect: flag random-data
# why: `if not args.debug:` is the full-run side; the generated data is on the wrong branch.
import torch

if not args.debug:
    inputs = torch.rand(60_000, 784)  # flagged
    targets = torch.randint(0, 10, (60_000,))  # flagged
else:
    inputs, targets = load_mnist(limit=256)
