# expect: allow
# why: augmentation perturbs real samples; every random term is combined with existing data.
import numpy as np
import torch
from torchvision import transforms

train_transform = transforms.Compose(
    [transforms.RandomCrop(32, padding=4), transforms.RandomHorizontalFlip(), transforms.ToTensor()]
)

for x, y in train_loader:
    x = x + 0.1 * torch.randn_like(x)
    images = x * (1 + 0.05 * torch.randn(x.shape[0], 1, 1, 1))
    lam = np.random.beta(0.4, 0.4)
    perm = torch.randperm(x.size(0))
    x_mix = lam * x + (1 - lam) * x[perm]
    signal = waveform + np.random.normal(0, 0.01, waveform.shape)
    features = [f + np.random.uniform(-0.1, 0.1) for f in real_features]
