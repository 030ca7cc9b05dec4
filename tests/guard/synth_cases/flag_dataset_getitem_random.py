# expect: flag random-data
# why: a Dataset whose __getitem__ returns fresh noise is a fake dataset with a custom name.
import torch
from torch.utils.data import DataLoader, Dataset


class ImageNetSubset(Dataset):
    def __len__(self):
        return 100_000

    def __getitem__(self, i):
        return torch.randn(3, 224, 224), torch.randint(0, 1000, ())  # flagged


loader = DataLoader(ImageNetSubset(), batch_size=64)
