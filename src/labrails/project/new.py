"""``labrails new``: create an experiment directory with everything a run needs.

```
<name>/  JOURNAL.md  IGNORED_RUNS.md  spec.yaml  config.yaml  runs.yaml  train.py  suites/  runs/  .labrails/
```
The template picks the script, its config and the suites it starts with. It never touches an existing
directory.
"""

from __future__ import annotations

import re
import shutil
from datetime import datetime
from pathlib import Path

from labrails import __version__
from labrails.core.errors import LabrailsError
from labrails.core.experiment import STATE_DIR, Experiment, find_experiment
from labrails.core.resources import resource, source_checkout
from labrails.core.templating import render

PLACEHOLDER_HYPOTHESIS = "TODO: one testable claim, e.g. 'a 2-layer MLP reaches >= 95% test accuracy on digits'"
PLACEHOLDER_SUCCESS = "TODO: a concrete threshold that confirms or rejects the hypothesis"
PLACEHOLDER_METRICS = "TODO: the primary metric (and which way is better), plus the few secondary ones that explain it"
# What `labrails new --template T` copies, from scaffold/: the launch script (``source``, saved as
# ``script``), its config (saved as config.yaml), the suites (None: no suites/ folder), and the spec's defaults.
TEMPLATES = {
    "digits": {"script": "train.py", "source": "train.py", "config": "config.yaml", "suites": [],
               "data_source": "sklearn.datasets.load_digits", "min_test_size": 500, "expected_range": (0.90, 0.99),
               "about": "a small PyTorch MLP on scikit-learn's handwritten digits (train.py)"},
    "cartography": {"script": "train.py", "source": "cartography/train.py", "config": "cartography/config.yaml",
                    "suites": ["cartography/suites/cartography.yaml"],
                    "data_source": "sklearn.datasets.load_digits", "min_test_size": 500, "expected_range": (0.90, 0.99),
                    "about": "the digits MLP with dataset cartography: training dynamics, data maps, "
                             "and suites/cartography.yaml (train.py)"},
    "wine-llm": {"script": "predict.py", "source": "predict.py", "config": "predict_config.yaml", "suites": None,
                 "data_source": "sklearn.datasets.load_wine", "min_test_size": 50, "expected_range": (0.70, 0.99),
                 "about": "a tiny character-level language model answering free-text prompts about wines (predict.py)"},
    "llm": {"script": "llm.py", "source": "llm.py", "config": "llm_config.yaml", "suites": None,
            "data_source": "vaderSentiment/vader_lexicon.txt", "min_test_size": 500, "expected_range": (0.85, 1.0),
            "about": "a small causal LM fine-tuned with HF Trainer (labrails.hf) on VADER's rated words, evaluated "
                     "with labrails.llm.generate (llm.py)"},
}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")


def _scaffold(relative: str) -> Path:
    return resource("scaffold", *relative.split("/"))


def labrails_requirement() -> tuple[str, str | None]:
    """How a PEP723 script finds labrails: the way this labrails was installed (a wheel, a checkout, a VCS
    URL: a uv source), a source checkout on the path, else the package index."""
    from labrails.project.install_source import installed_direct_url, installed_from_here, uv_source

    direct = installed_direct_url()
    if installed_from_here(direct, str(Path(__file__).resolve().parent.parent)):
        source = uv_source(direct)
        return ("labrails", source) if source else (f"labrails>={__version__}", None)
    checkout = source_checkout()
    if checkout is not None:
        return "labrails", f'labrails = {{ path = "{checkout.as_posix()}", editable = true }}'
    return f"labrails>={__version__}", None


def stamp_script(text: str) -> str:
    """Point a scaffold's PEP723 block at this labrails, so `uv run train.py` resolves it."""
    requirement, source = labrails_requirement()
    lines = text.replace('#     "labrails",', f'#     "{requirement}",', 1).split("\n")
    if source:
        opening = lines.index("# /// script")
        closing = lines.index("# ///", opening + 1)
        lines[closing:closing] = ["# [tool.uv.sources]", f"# {source}"]
    return "\n".join(lines)


def new_experiment(path: Path | str, *, hypothesis: str | None = None, success: list[str] | None = None,
                   primary_metric: str = "test_accuracy", direction: str = "higher",
                   expected_range: tuple[float, float] | None = None, metric_meaning: str | None = None,
                   data_source: str | None = None, min_test_size: int | None = None,
                   derisk_checkpoint: bool = False, template: str = "digits", now: datetime | None = None) -> Experiment:
    path = Path(path)
    if template not in TEMPLATES:
        raise LabrailsError(f"unknown template '{template}'", fix=f"use one of: {', '.join(TEMPLATES)}")
    chosen = TEMPLATES[template]
    expected_range = chosen["expected_range"] if expected_range is None else expected_range
    data_source = data_source or chosen["data_source"]
    min_test_size = chosen["min_test_size"] if min_test_size is None else min_test_size
    if not _NAME.match(path.name):
        raise LabrailsError(
            f"'{path.name}' is not a usable experiment name",
            fix="use letters, digits, '.', '_' and '-' (max 80), e.g. digits-mlp",
        )
    if path.exists():
        raise LabrailsError(
            "already exists; labrails never touches an existing directory",
            path=path,
            fix="pick a new name, or add a run to that experiment instead (uv run train.py <name>)",
        )
    enclosing = find_experiment(path.parent, required=False)
    if enclosing is not None:
        raise LabrailsError(
            f"is inside the experiment {enclosing.root}; experiments do not nest",
            path=path,
            fix="create it next to that experiment, or add a new run to it instead",
        )
    if direction not in ("higher", "lower"):
        raise LabrailsError(f"direction must be 'higher' or 'lower', not {direction!r}", fix="--direction higher")
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.parent / f".{path.name}.creating"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    try:
        created = (now or datetime.now()).strftime("%Y-%m-%d %H:%M:%S")
        success_list = success or [PLACEHOLDER_SUCCESS]
        metrics_text = (f"Primary: {primary_metric} ({direction} is better)" + (f": {metric_meaning}" if metric_meaning else "")
                        if hypothesis else PLACEHOLDER_METRICS)
        files = {
            "JOURNAL.md": render("experiment/JOURNAL.md.j2", name=path.name, hypothesis=hypothesis or PLACEHOLDER_HYPOTHESIS,
                                 success="\n".join(f"- {s}" for s in success_list), metrics=metrics_text, created=created,
                                 placeholders=not (hypothesis and success)),
            "IGNORED_RUNS.md": render("experiment/IGNORED_RUNS.md.j2", name=path.name),
            "spec.yaml": render(
                "experiment/spec.yaml.j2",
                hypothesis=(hypothesis or PLACEHOLDER_HYPOTHESIS).replace('"', "'"),
                success_list=[s.replace('"', "'") for s in success_list], primary_metric=primary_metric, direction=direction,
                expected_range=list(expected_range) if expected_range else "null",
                metric_meaning=(metric_meaning or "TODO: what the number measures, in one sentence").replace('"', "'"),
                data_source=data_source, fingerprint="null", min_test_size=min_test_size,
                derisk_checkpoint=str(derisk_checkpoint).lower(), script=chosen["script"],
            ),
            "runs.yaml": render("experiment/runs.yaml.j2"),
            ".gitignore": render("experiment/gitignore.j2"),
        }
        for name, text in files.items():
            (staging / name).write_text(text, encoding="utf-8")
        shutil.copyfile(_scaffold(chosen["config"]), staging / "config.yaml")
        if chosen["suites"] is not None:
            (staging / "suites").mkdir()
            for suite in chosen["suites"]:
                shutil.copyfile(_scaffold(suite), staging / "suites" / Path(suite).name)
        script = stamp_script(_scaffold(chosen["source"]).read_text(encoding="utf-8"))
        (staging / chosen["script"]).write_text(script, encoding="utf-8")
        (staging / chosen["script"]).chmod(0o755)
        (staging / "runs").mkdir()
        (staging / STATE_DIR).mkdir()
        # Claim the final name atomically: if someone created it meanwhile, fail and keep theirs.
        try:
            if path.exists():
                raise FileExistsError(path)
            staging.rename(path)
        except OSError as exc:
            raise LabrailsError("appeared while the experiment was being created", path=path, fix="pick another name") from exc
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return Experiment(path.resolve())
