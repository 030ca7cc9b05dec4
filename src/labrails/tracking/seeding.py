"""Seed every random number generator a run is likely to touch, and say so in the log."""

from __future__ import annotations

import os
import random
import sys


def seed_everything(seed: int, *, deterministic: bool = False, log=None) -> int:
    seed = int(seed)
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    seeded = ["random"]
    try:
        import numpy as np

        np.random.seed(seed)
        seeded.append("numpy")
    except ImportError:
        pass
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)
        if torch.cuda.is_available():
            torch.cuda.manual_seed_all(seed)
        if deterministic:
            torch.use_deterministic_algorithms(True, warn_only=True)
        seeded.append("torch")
    if log is not None:
        log.info(f"seed {seed} set for {', '.join(seeded)}" + (" (deterministic algorithms on)" if deterministic else ""))
    return seed
