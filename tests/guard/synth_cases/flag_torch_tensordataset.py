# expect: flag random-data
# why: wrapping random tensors in TensorDataset and a DataLoader does not make them data.
import torch
from torch.utils.data import DataLoader, TensorDataset

dataset = TensorDataset(torch.randn(10_000, 3, 32, 32), torch.randint(0, 10, (10_000,)))  # flagged
loader = DataLoader(dataset, batch_size=256, shuffle=True)
for images, labels in loader:
    train_step(images, labels)
