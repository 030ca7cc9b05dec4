"""``labrails report check``: every number in REPORT.md must be what its source holds.

A cited number, ``[0.9310](config:full-mlp#test_accuracy.mean)``, is checked against that source alone, and
each line's claims about configurations, datasets and models against the runs it stands on
(labrails.analysis.claims). Every other number must be a rounding of a value some file logged:

The logged values are the numbers in each run's metrics.json, logs/metrics.jsonl, data.json,
config.yaml and run.json, in analysis/ (results.csv, summary.csv, all_results.json) and in spec.yaml
(thresholds a human wrote). A number in the report is traced when one of them equals it after rounding
to the decimals shown (``0.9871`` matches 0.98712...; ``97.1%`` matches 0.9712). An integer with no
decimals must equal a logged integer exactly (a count such as n, a seed, an epoch, a row count).

Not checked, because they are names rather than measurements: dates and timestamps, run and
configuration names, identities and hashes, section numbers, link targets, and code spans that are file
paths. A blockquote is checked as text instead: when it is a verbatim quote of JOURNAL.md,
IGNORED_RUNS.md, spec.yaml or a run's run.json, its numbers are that file's words, not claims.
"""

from __future__ import annotations

import bisect
import csv
import json
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Iterable, Iterator

from labrails.analysis.runset import strip_seed
from labrails.core.errors import LabrailsError
from labrails.core.experiment import Experiment
from labrails.core.naming import descriptive_part
from labrails.tracking.metrics_log import read_metrics

REPORT = "REPORT.md"
# "32,561" is one number with a digit group, not 32 and 561: the grouped form is tried first.
_NUMBER = re.compile(r"(?<![\w.\-])(?P<num>[-+]?(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?)"
                     r"(?P<pct>\s?%|\s?percent\b)?(?![\w]|\.\d)")
# A number with its source, as `labrails report` writes it: [0.9310](config:full-mlp#test_accuracy.mean)
CITATION = re.compile(r"\[(?P<shown>[^\]\[]*)\]\((?P<kind>run|config|hypothesis|criterion|comparison):(?P<target>[^#)\s]+)"
                      r"#(?P<field>[^)\s]+)\)")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}[:-]\d{2}(?:[:-]\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?")
_TIME = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\b")
_HASH = re.compile(r"\bsha256:[0-9a-f]+|\b(?=[0-9]*[a-f])[0-9a-f]{7,}\b|\b[0-9a-f]{8}_[\w+]+")
_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_CODE_SPAN = re.compile(r"`([^`]*)`")
_HEADING_NUMBER = re.compile(r"^(#+\s+)(\d+(?:\.\d+)*\.?)")
_LIST_NUMBER = re.compile(r"^(\s*)\d+[.)]\s")
_PATHLIKE = re.compile(r"[/\\]|^\.?[\w.\-]+\.[A-Za-z]\w{0,5}$")


@dataclass(frozen=True)
class Untraced:
    line: int
    number: str
    text: str
    column: int = 0
    why: str = "not found in any logged file"

    def context(self, width: int = 50) -> str:
        start = max(0, self.column - width)
        snippet = self.text[start:self.column + len(self.number) + width].strip()
        return ("..." if start else "") + snippet + ("..." if self.column + len(self.number) + width < len(self.text) else "")


@dataclass
class CheckResult:
    report: Path
    numbers: int = 0
    untraced: list[Untraced] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.untraced

    def render(self) -> str:
        if self.ok:
            return f"{self.report.name}: all {self.numbers} numbers trace back to logged values"
        lines = [f"{self.report.name}: {len(self.untraced)} claim(s) of {self.numbers} numbers do not hold:"]
        lines += [f"  line {u.line}: {u.number}: {u.why}\n      in: {u.context()}" for u in self.untraced]
        lines.append("fix: regenerate the report with `labrails report`, or cite each number's source as "
                     "[value](config:NAME#metric.mean) / [value](run:RUN#metric) and state only what the cited runs recorded")
        return "\n".join(lines)


# --------------------------------------------------------------------------- the logged values
class LoggedNumbers:
    """Every number the experiment's files hold, searchable by 'rounds to'."""

    def __init__(self, values: Iterable[float]):
        finite = [abs(float(v)) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)]
        self.sorted = sorted(set(finite))
        self.integers = {int(v) for v in self.sorted if v.is_integer() and v < 2**53}

    def __len__(self) -> int:
        return len(self.sorted)

    def within(self, low: float, high: float) -> bool:
        i = bisect.bisect_left(self.sorted, low)
        return i < len(self.sorted) and self.sorted[i] <= high

    def traces(self, token: str, percent: bool) -> bool:
        token = token.replace(",", "")
        try:
            shown = Decimal(token)
        except InvalidOperation:
            return False
        value = abs(float(shown))
        exponent = shown.as_tuple().exponent
        if not percent and exponent >= 0 and "e" not in token.lower():
            return int(value) in self.integers  # a count must be a logged count, not a rounded measurement
        half = 0.5 * 10.0 ** min(int(exponent), 0) if isinstance(exponent, int) else 0.5
        slack = 1e-9 * max(1.0, value)  # binary floats that print exactly on the rounding boundary
        low, high = value - half - slack, value + half + slack
        if self.within(low, high):
            return True
        return percent and self.within(low / 100, high / 100)


def logged_numbers(exp: Experiment) -> LoggedNumbers:
    return LoggedNumbers(_all_values(exp))


def _all_values(exp: Experiment) -> Iterator[float]:
    for run_dir in exp.run_dirs():
        for name in ("metrics.json", "data.json", "run.json"):
            yield from _json_numbers(run_dir / name)
        yield from _yaml_numbers(run_dir / "config.yaml")
        yield from _log_numbers(run_dir / "logs" / "metrics.jsonl")
    analysis = exp.root / "analysis"
    yield from _json_numbers(analysis / "all_results.json")
    for name in ("results.csv", "summary.csv"):
        yield from _csv_numbers(analysis / name)
    if exp.spec_path.is_file():
        yield from _yaml_numbers(exp.spec_path)
        yield from _numbers_in_text(exp.spec_path.read_text(encoding="utf-8"))  # thresholds in success criteria


def _walk(node: Any) -> Iterator[float]:
    if isinstance(node, bool):
        return
    if isinstance(node, (int, float)):
        yield node
    elif isinstance(node, str):
        try:
            yield float(node)  # YAML reads 1e-3 as a string; JSON files keep NaN as "nan"
        except ValueError:
            return
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(key)  # class labels in data.json class_counts are keys
            yield from _walk(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from _walk(value)


def _json_numbers(path: Path) -> Iterator[float]:
    if path.is_file():
        try:
            yield from _walk(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return


def _yaml_numbers(path: Path) -> Iterator[float]:
    if path.is_file():
        import yaml

        try:
            yield from _walk(yaml.safe_load(path.read_text(encoding="utf-8")))
        except yaml.YAMLError:
            return


def _log_numbers(path: Path) -> Iterator[float]:
    # Every logged value, plus how far each series went (last step and epoch) and how many points it has.
    # Intermediate step numbers are left out: they would make every integer below the step count "traced".
    last: dict[tuple[str, str], dict[str, float]] = {}
    for record in read_metrics(path):
        if str(record.get("name", "")).startswith("__"):
            continue
        value = record.get("value")
        if isinstance(value, (int, float)):
            yield value
        seen = last.setdefault((record.get("name"), record.get("split") or ""), {"points": 0})
        seen["points"] += 1
        for key in ("step", "epoch"):
            if isinstance(record.get(key), (int, float)):
                seen[key] = max(seen.get(key, record[key]), record[key])
                if key == "epoch":
                    yield record[key]  # epochs are few and a report may name any of them
    for seen in last.values():
        yield from seen.values()


def _csv_numbers(path: Path) -> Iterator[float]:
    if not path.is_file():
        return
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.reader(fh):
            for cell in row:
                for part in cell.split():  # the seeds column holds "42 43 44"
                    try:
                        yield float(part)
                    except ValueError:
                        continue


def _numbers_in_text(text: str) -> Iterator[float]:
    for m in _NUMBER.finditer(text):
        value = float(m["num"])
        yield value / 100 if m["pct"] else value
        yield value


# --------------------------------------------------------------------------- quoted text and names
def _quote_sources(exp: Experiment) -> str:
    texts = [p.read_text(encoding="utf-8") for p in (exp.journal, exp.ignored, exp.spec_path) if p.is_file()]
    if exp.spec_path.is_file():
        import yaml

        try:
            texts += list(_strings(yaml.safe_load(exp.spec_path.read_text(encoding="utf-8"))))  # unescaped YAML strings
        except yaml.YAMLError:
            pass
    for run_dir in exp.run_dirs():
        try:
            info = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        texts += [s for s in _strings(info)]
        error = info.get("error") or {}
        texts.append(": ".join(str(x) for x in (error.get("type"), error.get("message")) if x))
    return "\n".join(_squash(t) for t in texts)


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def _squash(text: str) -> str:
    return " ".join(text.split())


def _names(exp: Experiment) -> list[str]:
    """Run names, configuration names, identities: labels whose digits are not measurements."""

    names = {exp.name}
    for run_dir in exp.run_dirs():
        names.update({run_dir.name, descriptive_part(run_dir.name), strip_seed(descriptive_part(run_dir.name))})
        try:
            info = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        names.update(str(info.get(k)) for k in ("identity", "code_version", "git_commit", "config_hash") if info.get(k))
    results = exp.root / "analysis" / "all_results.json"
    if results.is_file():
        try:
            record = json.loads(results.read_text(encoding="utf-8"))
            names.update(c["name"] for c in record.get("configurations", []))
            names.update(record.get("metrics", {}))
        except (OSError, ValueError, KeyError, TypeError):
            pass
    return sorted((n for n in names if any(ch.isdigit() for ch in n)), key=len, reverse=True)


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def _mask(line: str, names: list[str]) -> str:
    """Blank out every part of a line whose digits are labels, keeping columns so positions stay readable."""
    m = _HEADING_NUMBER.match(line)
    if m:
        line = _blank(line, m.start(2), m.end(2))
    m = _LIST_NUMBER.match(line)
    if m:
        line = _blank(line, m.start(0), m.end(0))
    for pattern in (_LINK_TARGET, _DATETIME, _TIME):
        line = pattern.sub(lambda mm: " " * len(mm.group(0)), line)
    for span in list(_CODE_SPAN.finditer(line)):
        inner = span.group(1).strip()
        if _PATHLIKE.search(inner) or inner in names:
            line = _blank(line, span.start(), span.end())
    for name in names:
        line = re.sub(r"(?<![\w.\-])" + re.escape(name) + r"(?![\w\-])", lambda mm: " " * len(mm.group(0)), line)
    return _HASH.sub(lambda mm: " " * len(mm.group(0)), line)


# --------------------------------------------------------------------------- the check
def numbers_in(line: str, names: list[str]) -> list[tuple[str, bool, int]]:
    """(number as shown, whether % or 'percent' follows, column) for each number in a line that is a claim."""
    return [(m["num"], bool(m["pct"]), m.start()) for m in _NUMBER.finditer(_mask(line, names))]


def check_report(exp: Experiment, report: Path | None = None) -> CheckResult:
    path = Path(report) if report is not None else exp.root / REPORT
    if not path.is_file():
        raise LabrailsError("there is no report to check", path=path, fix="write it with `labrails report`")
    from labrails.analysis.claims import Sources

    logged = logged_numbers(exp)
    quotes = _quote_sources(exp)
    names = _names(exp)
    sources = Sources(exp)
    result = CheckResult(path)
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith(">"):
            quoted = _squash(stripped.lstrip(">").strip())
            if quoted and quoted in quotes:
                continue  # a verbatim quote: its numbers are the quoted file's, not the report's
        cited_runs: list[str] = []
        line = _CODE_SPAN.sub(lambda mm: " " * len(mm.group(0)) if CITATION.search(mm.group(0)) else mm.group(0), line)
        for m in CITATION.finditer(line):  # a cited number must be what its source holds
            result.numbers += 1
            runs, why = sources.check_citation(m["kind"], m["target"], m["field"], m["shown"])
            cited_runs += runs
            if why:
                result.untraced.append(Untraced(lineno, m["shown"], line, m.start(), why))
        bare = CITATION.sub(lambda mm: " " * len(mm.group(0)), line)
        named = sources.configurations_named(bare)
        for token, percent, column in numbers_in(bare, names):
            result.numbers += 1
            if not logged.traces(token, percent):
                result.untraced.append(Untraced(lineno, token + ("%" if percent else ""), line, column))
                continue
            elsewhere = sources.belongs_elsewhere(token, percent, named)
            if elsewhere:
                result.untraced.append(Untraced(lineno, token, line, column, elsewhere))
        for claim, why in sources.check_claims(bare, cited_runs, named):
            result.untraced.append(Untraced(lineno, claim, line, max(line.lower().find(claim.lower()), 0), why))
    if result.ok:
        sources.record_pass(path)
    return result
