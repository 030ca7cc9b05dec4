# expect: allow
# why: random flips and crops inside __getitem__ transform a real image.
import random

import torch
from torch.utils.data import Dataset


class CifarFolder(Dataset):
    def __init__(self, images, labels):
        self.images = images
        self.labels = labels

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        img = self.images[i]
        if random.random() < 0.5:
            img = torch.flip(img, dims=[2])
        img = img + 0.01 * torch.randn_like(img)
        return img, self.labels[i]
