"""A run's identity: what makes two runs "the same run" (same resolved config, same arguments, same code).

``{inputs[:8]}_{code_version}``: ``inputs`` is the resolved config's hash, folded with the command's
arguments when the run wraps a command (``labrails run NAME -- CMD``); ``code_version`` covers the
script and the local modules it imports (:func:`labrails.core.snapshot.code_version`). Recorded by every
run, matched by the guard and by sweeps: this module is the one place it is computed.
"""

from __future__ import annotations

# typing.TYPE_CHECKING without importing typing, which the hook path avoids.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence


def run_identity(config_hash: str, code_version: str, args: Sequence[str] | None = None) -> str:
    """The identity of a run of this config and code; ``args`` are the wrapped command's arguments.

    Arguments are normalised (:func:`normalize_args`), so ``--lr 0.1 --epochs 2`` and
    ``--epochs 2 --lr 0.1`` are one run, while ``--epochs 1`` and ``--epochs 2`` are two.
    """
    inputs = config_hash
    if args:
        import json

        from labrails.core.digest import sha256

        canonical = json.dumps(normalize_args(args), separators=(",", ":"))
        inputs = sha256(f"{config_hash}\0{canonical}".encode()).hexdigest()
    return f"{inputs[:8]}_{code_version}"


def normalize_args(args: Sequence[str]) -> list:
    """Positional arguments in order, then options (with their values) sorted: order-free where argparse is.

    ``--opt=v`` and ``--opt v`` are the same; an option followed by a value not starting with ``-`` takes
    it. A ``--`` ends option parsing, as for argparse.
    """
    positional: list[str] = []
    options: list[list[str]] = []
    items = [str(a) for a in args]
    i = 0
    while i < len(items):
        arg = items[i]
        if arg == "--":
            positional.extend(items[i:])
            break
        if arg.startswith("-") and len(arg) > 1 and not _is_number(arg):
            if "=" in arg and arg.startswith("--"):
                name, value = arg.split("=", 1)
                options.append([name, value])
            elif i + 1 < len(items) and not (items[i + 1].startswith("-") and not _is_number(items[i + 1])):
                options.append([arg, items[i + 1]])
                i += 1
            else:
                options.append([arg])
        else:
            positional.append(arg)
        i += 1
    return [positional, sorted(options)]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
