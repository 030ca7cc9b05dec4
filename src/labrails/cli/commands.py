"""Which command modules make up the CLI, and the top-level help, without importing Typer.

``labrails --help`` is printed from this table alone, and ``labrails COMMAND ...`` builds a Typer app
holding only the module that defines COMMAND: starting Typer's stack and every command module costs
more than Python itself, so the CLI imports only what the command it runs needs. Each module exposes
``register(app)``; ``tests/cli/test_app.py`` checks this table against the commands they register.
"""

from __future__ import annotations

HELP = ("Guardrails for ML experiments: timestamped runs, a run registry, a journal, reviews, and hooks "
        "that keep coding agents honest.")

# command -> (module that registers it, one-line help); in the order `labrails --help` lists them.
COMMANDS = {
    "new": ("labrails.cli.experiment_cmds", "Create an experiment: JOURNAL.md, IGNORED_RUNS.md, spec.yaml, config.yaml, runs.yaml, train.py, runs/."),
    "status": ("labrails.cli.experiment_cmds", "Show unfilled placeholders, phases and approvals, what waits for the human, and run counts."),
    "quickstart": ("labrails.cli.experiment_cmds", "Create a digits experiment, run de-risk, review it, run full, review it, and say where to look."),
    "runs": ("labrails.cli.run_cmds", "List runs: name, profile, status, identity, key metric, duration, review (ignored ones marked)."),
    "review": ("labrails.cli.run_cmds", "Run the post-run checklist; writes review.md and review.json."),
    "plot": ("labrails.cli.run_cmds", "Draw curves from the run's logs/metrics.jsonl into plots/ (refuses metrics that were not logged)."),
    "diff": ("labrails.cli.run_cmds", "Compare two runs side by side: resolved config, code (commit, uncommitted changes), environment, metrics."),
    "logs": ("labrails.cli.run_cmds", "Print a run's console log (logs/train.log); with -f, follow it until the run ends."),
    "ignore": ("labrails.cli.journal_cmds", "List a run in IGNORED_RUNS.md: left out of plots, analyses and reports, never deleted."),
    "stability": ("labrails.cli.journal_cmds", "Record in runs.yaml whether a run is safe to trust (with commit, date, environment, metrics)."),
    "approve": ("labrails.cli.guard_cmds", "Approve a spec checkpoint: for the human, at an interactive terminal, typing the phase name to confirm."),
    "init": ("labrails.cli.guard_cmds", "Install labrails' skills and hooks into DIR/.claude/ and add a labrails section to CLAUDE.md (idempotent)."),
    "hook": ("labrails.cli.guard_cmds", "Entry point for Claude Code hooks (called by hooks/hooks.json, not by people)."),
    "sweep": ("labrails.cli.sweep_cmds", "Run a suite of configurations x seeds, one configuration to completion before the next."),
    "analyze": ("labrails.cli.analysis_cmds", "Group completed runs by configuration and summarise over seeds: analysis/results.csv, summary.csv, all_results.json and comparison plots, with paired significance tests and early-stop hints."),
    "run": ("labrails.cli.wrap_cmd", "Run any command as a labrails run: `labrails run de-risk -- python main.py`."),
    "export": ("labrails.cli.export_cmd", "Export runs to the UI you know; exporting again updates, never duplicates."),
    "clusters": ("labrails.cli.clusters_cmds", "Show a completed run's clusters, clustering its saved embeddings (clusters/embeddings.npz) with HDBSCAN when it has none yet; writes clusters/assignments.csv, summary.json and clusters.webp."),
    "completion": ("labrails.cli.completion_cmd", "Print the shell completion script: add `eval \"$(labrails completion bash)\"` to ~/.bashrc."),
    "journal": ("labrails.cli.journal_cmds", "The experiment's journal (JOURNAL.md): add and read timestamped entries."),
    "report": ("labrails.cli.analysis_cmds", "Write REPORT.md from logged data only (runs the analysis first)."),
    "data": ("labrails.cli.data_cmds", "The experiment's real data: show what runs loaded, and pin it (human only)."),
    "split": ("labrails.cli.split_cmd", "Make a train/val/test split file once, and check a split for leakage before trusting results."),
}
MODULES = tuple(dict.fromkeys(module for module, _ in COMMANDS.values()))


def modules_for(argv: list[str]) -> tuple[str, ...]:
    """The modules a command line needs: the one defining its command, or all of them (an unknown
    command, an option first) so Typer reports the problem as it always does."""
    if argv and argv[0] in COMMANDS:
        return (COMMANDS[argv[0]][0],)
    return MODULES


def top_help(prog: str = "labrails", width: int | None = None) -> str:
    """What `labrails --help` prints, in click's layout, from the table above."""
    import shutil
    import textwrap

    width = width or min(max(shutil.get_terminal_size((80, 24)).columns, 40), 100)
    names = [name for name in COMMANDS if name != "hook"]
    pad = max(len(n) for n in names) + 2
    lines = [f"Usage: {prog} [OPTIONS] COMMAND [ARGS]...", ""]
    lines += textwrap.wrap(HELP, width, initial_indent="  ", subsequent_indent="  ")
    lines += ["", "Options:", "  --version  Print labrails' version and exit.", "  --help     Show this message and exit.", "",
              "Commands:"]
    for name in names:
        text = textwrap.wrap(COMMANDS[name][1], max(width - pad - 2, 20))
        lines.append(f"  {name:<{pad}}{text[0]}")
        lines += [" " * (pad + 2) + more for more in text[1:]]
    lines += ["", f"Run `{prog} COMMAND --help` for a command's options."]
    return "\n".join(lines) + "\n"


def register_all(app, modules: tuple[str, ...] = MODULES) -> None:
    import importlib

    for name in modules:
        importlib.import_module(name).register(app)
