"""What a sentence of REPORT.md claims, checked against the runs it stands on.

Three checks, on top of "every number is a rounding of some logged value" (report_check.py):

- a *cited* number, ``[0.9310](config:full-mlp#test_accuracy.mean)``, must be what that source holds. Sources:
  ``run:RUN#metric`` (the run's metrics.json; ``data.KEY`` / ``config.KEY`` read data.json / config.yaml),
  ``config:NAME#metric.stat`` (stat: mean, std, min, max, n), ``hypothesis:I#field``,
  ``criterion:I/NAME#field`` and ``comparison:A~BASELINE#field`` (all_results.json, I counted from 1);
- an uncited number on a line that names configurations must not be a value of another configuration only
  (a number moved from one configuration's sentence to another's);
- a dataset or model the line names (from a vocabulary of well-known ones) must be one the cited runs
  recorded (data.json source, config.yaml, the configuration's name, the script): the runs cited on the line,
  else those of the configurations it names, else every analysed run.

A passing check stores the report's sha256 in ``.labrails/report_check.json``; the Stop hook compares it with
REPORT.md to ask for the check again after an edit.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from labrails.core.experiment import Experiment
from labrails.core.fsutil import write_json

PASSED = "report_check.json"

DATASETS = {
    "breast_cancer": ("breast cancer", "wdbc"), "digits": ("digits",), "iris": ("iris",), "wine": ("wine",),
    "diabetes": ("diabetes",), "california housing": ("california housing",), "adult": ("adult", "census income"),
    "mnist": ("mnist",), "fashion-mnist": ("fashion mnist",), "cifar-10": ("cifar 10", "cifar10"),
    "cifar-100": ("cifar 100", "cifar100"), "imagenet": ("imagenet",), "imdb": ("imdb",), "sst-2": ("sst 2", "sst2"),
    "squad": ("squad",), "glue": ("glue",), "covtype": ("covtype", "forest cover"), "20 newsgroups": ("20 newsgroups", "20newsgroups"),
    "olivetti": ("olivetti",), "titanic": ("titanic",), "wikitext": ("wikitext",), "tinystories": ("tinystories",),
}
MODELS = {
    "logistic regression": ("logistic regression", "logreg"), "mlp": ("mlp", "multilayer perceptron", "multi layer perceptron"),
    "random forest": ("random forest",), "svm": ("svm", "support vector"), "gradient boosting": ("gradient boosting", "xgboost", "lightgbm"),
    "resnet": ("resnet",), "bert": ("bert",), "gpt": ("gpt",), "lstm": ("lstm",), "cnn": ("cnn", "convolutional"),
    "transformer": ("transformer",), "k-nearest neighbours": ("knn", "nearest neighbors", "nearest neighbours"),
    "naive bayes": ("naive bayes",), "decision tree": ("decision tree",), "linear regression": ("linear regression",),
}


def normalize(text: str) -> str:
    """CamelCase, snake_case, kebab-case and dotted names to lower-case words: LogisticRegression -> logistic regression."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text)
    text = re.sub(r"([A-Z])([A-Z][a-z])", r"\1 \2", text)
    return " " + re.sub(r"[^a-z0-9]+", " ", text.lower()) + " "


def _mentions(normalized: str, alias: str) -> bool:
    return f" {alias} " in normalized


class Sources:
    """The experiment's analysis and runs, read once, answering for citations and claims."""

    def __init__(self, exp: Experiment):
        self.exp = exp
        path = exp.root / "analysis" / "all_results.json"
        try:
            self.record = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        except (OSError, ValueError):
            self.record = {}
        self.configs = {c["name"]: c for c in self.record.get("configurations", [])}
        self._described: dict[str, str] = {}
        self._values: dict[str, Any] = {}

    # ------------------------------------------------------------------ citations
    def resolve(self, kind: str, target: str, field: str) -> tuple[Any, list[str], str | None]:
        """(value, runs it stands on, error)."""
        rec = self.record
        if kind == "run":
            run_dir = self.exp.runs_dir / target
            if not run_dir.is_dir():
                return None, [], f"cites run {target}, which does not exist"
            if field.startswith(("data.", "config.")):
                where, key = field.split(".", 1)
                doc = _read(run_dir / ("data.json" if where == "data" else "config.yaml"))
            else:
                doc, key = _read(run_dir / "metrics.json"), field
            return _dig(doc, key), [target], None
        if kind == "config":
            c = self.configs.get(target)
            if c is None:
                return None, [], f"cites configuration {target}, which the analysis does not have ({', '.join(self.configs) or 'none'})"
            metric, _, stat = field.rpartition(".")
            return (c["summary"].get(metric) or {}).get(stat), list(c["runs"]), None
        if kind in ("hypothesis", "criterion"):
            index, _, config = target.partition("/")
            items = rec.get("hypotheses" if kind == "hypothesis" else "criteria") or []
            if not index.isdigit() or not 1 <= int(index) <= len(items):
                return None, [], f"cites {kind} {index}, but all_results.json has {len(items)}"
            item = items[int(index) - 1]
            if kind == "criterion":
                item = next((r for r in item["results"] if r["configuration"] == config), None)
                if item is None:
                    return None, [], f"cites {kind} {target}: no result for configuration {config}"
                return item.get(field), self._runs_of([config]), None
            return item.get(field), self._runs_of([item.get("a"), item.get("b")]), None
        if kind == "comparison":
            a, _, b = target.partition("~")
            item = next((c for c in rec.get("comparisons") or [] if c["configuration"] == a and c["baseline"] == b), None)
            if item is None:
                return None, [], f"cites comparison {a} vs {b}, which all_results.json does not have"
            return item.get(field), self._runs_of([a, b]), None
        return None, [], f"unknown source kind {kind}"

    def check_citation(self, kind: str, target: str, field: str, shown: str) -> tuple[list[str], str | None]:
        from labrails.analysis.report_check import LoggedNumbers

        value, runs, error = self.resolve(kind, target, field)
        if error:
            return runs, error
        token = shown.strip().lstrip("+").replace(",", "")
        percent = token.endswith("%")
        token = token.rstrip("% ")
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return runs, f"{kind}:{target}#{field} holds no number (it holds {value!r})"
        if not LoggedNumbers([value]).traces(token, percent) or (token.startswith("-") != (value < 0) and value != 0):
            return runs, f"{kind}:{target}#{field} holds {value!r}, not {shown}"
        return runs, None

    def _runs_of(self, configs: list[str | None]) -> list[str]:
        return [r for name in configs if name in self.configs for r in self.configs[name]["runs"]]

    # ------------------------------------------------------------------ numbers of another configuration
    def configurations_named(self, line: str) -> list[str]:
        return [n for n in self.configs if re.search(r"(?<![\w\-])" + re.escape(n) + r"(?![\w\-])", line)]

    def _config_numbers(self, name: str):
        from labrails.analysis.report_check import LoggedNumbers, _walk

        if name not in self._values:
            c = self.configs[name]
            values = list(_walk(c))
            values += [v for r in self.record.get("runs", []) if r.get("configuration") == name for v in _walk(r.get("metrics"))]
            self._values[name] = LoggedNumbers(values)
        return self._values[name]

    def belongs_elsewhere(self, token: str, percent: bool, named: list[str]) -> str | None:
        """A number on a line about ``named`` configurations that only another configuration logged."""
        if not named or ("." not in token and not percent):
            return None  # counts (seeds, n, epochs) are shared by every configuration; measurements are not
        if any(self._config_numbers(n).traces(token, percent) for n in named):
            return None
        owners = [n for n in self.configs if n not in named and self._config_numbers(n).traces(token, percent)]
        if owners:
            return (f"a value of {', '.join(owners)}, written on a line about {', '.join(named)} "
                    f"(which logged no such value)")
        return None

    # ------------------------------------------------------------------ datasets and models
    def described(self, run: str) -> str:
        """Everything a run recorded about its data and model, as normalized words."""
        if run not in self._described:
            run_dir = self.exp.runs_dir / run
            data = _read(run_dir / "data.json") or {}
            config = _read(run_dir / "config.yaml") or {}
            info = _read(run_dir / "run.json") or {}
            parts = [str(data.get("source") or ""), str(data.get("notes") or ""), json.dumps(config, default=str),
                     json.dumps(info.get("overrides") or {}, default=str), str(info.get("descriptive_name") or run)]
            script = config.get("script") if isinstance(config, dict) else None
            if isinstance(script, str) and (self.exp.root / script).is_file():
                parts.append((self.exp.root / script).read_text(encoding="utf-8", errors="replace"))
            self._described[run] = normalize(" ".join(parts))
        return self._described[run]

    def check_claims(self, line: str, cited_runs: list[str], named: list[str]) -> list[tuple[str, str]]:
        line = re.sub(r"\]\([^)]*\)", "]", line)  # link targets are sources, not claims
        for label in self._labels():  # names of the experiment, its runs and configurations say nothing about data
            line = line.replace(label, " ")
        text = normalize(line)
        found = [(kind, concept, alias) for kind, vocab in (("dataset", DATASETS), ("model", MODELS))
                 for concept, aliases in vocab.items() for alias in (*aliases, normalize(concept).strip())
                 if _mentions(text, alias)]
        if not found:
            return []
        runs = cited_runs or self._runs_of(named) or [r["run"] for r in self.record.get("runs", [])] or \
            [d.name for d in self.exp.run_dirs()]
        if not runs:
            return []
        recorded = " ".join(self.described(r) for r in dict.fromkeys(runs))
        out, seen = [], set()
        for kind, concept, alias in found:
            vocab = DATASETS if kind == "dataset" else MODELS
            if concept in seen or any(_mentions(recorded, a) for a in (*vocab[concept], normalize(concept).strip())):
                continue
            seen.add(concept)
            which = "the cited runs" if cited_runs else ("the runs of " + ", ".join(named) if named else "the analysed runs")
            recorded_data = sorted({str((_read(self.exp.runs_dir / r / "data.json") or {}).get("source")) for r in runs})
            why = f"claims {kind} '{concept}', which {which} did not record (data: {', '.join(recorded_data)})"
            out.append((alias.strip(), why))
        return out

    def _labels(self) -> list[str]:
        if "labels" not in self._values:
            names = {self.exp.name, *self.configs, *(r["run"] for r in self.record.get("runs", []))}
            names |= {e["run"] for e in self.record.get("excluded", [])}
            self._values["labels"] = sorted(names, key=len, reverse=True)
        return self._values["labels"]

    # ------------------------------------------------------------------ passing
    def record_pass(self, report: Path) -> None:
        write_json(self.exp.state / PASSED, {"report": report.name, "sha256": sha256(report)})


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _read(path: Path) -> Any:
    if not path.is_file():
        return None
    try:
        if path.suffix == ".json":
            return json.loads(path.read_text(encoding="utf-8"))
        import yaml

        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except Exception:  # noqa: BLE001  (an unreadable file records nothing; the claim check then says so)
        return None


def _dig(doc: Any, key: str) -> Any:
    if isinstance(doc, dict) and key in doc:
        return doc[key]
    for part in key.split("."):
        if not isinstance(doc, dict):
            return None
        doc = doc.get(part)
    return doc
