# expect: flag fallback-to-generated
# why: "dummy flag OR data folder missing" quietly trains on FakeData whenever the real data is absent.
import os

from torchvision import datasets, transforms


def build_dataset(config, split):
    split_dir = os.path.join(config["data"], split)
    if config.get("dummy", False) or not os.path.isdir(split_dir):
        return datasets.FakeData(50_000, (3, 224, 224), 1000, transforms.ToTensor())  # flagged
    return datasets.ImageFolder(split_dir, transforms.ToTensor())
