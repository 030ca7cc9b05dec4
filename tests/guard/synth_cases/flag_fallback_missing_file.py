# expect: flag fallback-to-generated
# why: "if the file is missing, make something up" is a fallback without a try.
import os

import torch

if os.path.exists(args.data_path):
    inputs = torch.load(args.data_path)
else:
    inputs = torch.randn(4096, 128)  # flagged
