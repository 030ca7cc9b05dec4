# expect: allow
# why: the script only builds toy data in the debug entry point, which main() reaches behind args.debug.
import torch
from torch.utils.data import TensorDataset


def debug_run():
    ds = TensorDataset(torch.randn(32, 8), torch.randint(0, 2, (32,)))
    train(ds, epochs=1)


def main():
    if args.debug:
        debug_run()
        return
    train(load_dataset(args.data), epochs=args.epochs)


if __name__ == "__main__":
    main()
