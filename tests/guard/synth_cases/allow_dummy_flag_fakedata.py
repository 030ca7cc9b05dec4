# expect: allow
# why: an explicit --dummy switch for throughput benchmarks is a de-risk path.
from torchvision import datasets, transforms

if args.dummy:
    print("=> Dummy data is used!")
    train_dataset = datasets.FakeData(1281167, (3, 224, 224), 1000, transforms.ToTensor())
    val_dataset = datasets.FakeData(50000, (3, 224, 224), 1000, transforms.ToTensor())
else:
    train_dataset = datasets.ImageFolder(args.train_dir, transforms.ToTensor())
    val_dataset = datasets.ImageFolder(args.val_dir, transforms.ToTensor())
