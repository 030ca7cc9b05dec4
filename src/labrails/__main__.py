"""The ``labrails`` console script.

``labrails hook ...`` runs on every agent tool call, so it is dispatched here before Typer (and anything
heavy) is imported; ``labrails --help`` is printed from the command table without Typer too.
"""

from __future__ import annotations

import sys


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "hook":
        if sys.argv[2:3] in ([], ["--help"], ["-h"]):
            from labrails.cli.hook_help import HOOK_HELP

            (sys.stdout if sys.argv[2:] else sys.stderr).write(HOOK_HELP)
            sys.exit(0 if sys.argv[2:] else 2)
        from labrails.guard.hook import main as hook_main

        sys.exit(hook_main(sys.argv[2:]))
    if sys.argv[1:] == ["--help"]:
        from labrails.cli.commands import top_help

        sys.stdout.write(top_help())
        return
    from labrails.cli.app import run

    run()


if __name__ == "__main__":
    main()
