# expect: allow
# why: the de-risk case of a match statement is a de-risk branch.
import torch
from torch.utils.data import TensorDataset

match cfg.profile:
    case "de-risk" | "smoke":
        dataset = TensorDataset(torch.randn(64, 10), torch.randint(0, 2, (64,)))
    case _:
        dataset = load_dataset_from_disk(cfg.data.path)
