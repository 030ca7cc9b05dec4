# expect: flag fake-dataset
# why: FakeData produces random images with random labels.
import torchvision
from torch.utils.data import DataLoader
from torchvision import transforms

train_set = torchvision.datasets.FakeData(size=50_000, transform=transforms.ToTensor())  # flagged
train_loader = DataLoader(train_set, batch_size=128, shuffle=True)
