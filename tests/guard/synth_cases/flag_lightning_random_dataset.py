# expect: flag fake-dataset
# why: Lightning's demo RandomDataset is random tensors; it belongs in a de-risk run only.
import lightning.pytorch as pl
from lightning.pytorch.demos.boring_classes import RandomDataset
from torch.utils.data import DataLoader


class DataModule(pl.LightningDataModule):
    def train_dataloader(self):
        return DataLoader(RandomDataset(32, 64_000), batch_size=64)  # flagged
