"""May this run start? The one answer every way of starting a run gets.

:func:`check_start` is called by ``labrails.start_run`` before anything is written, so it holds however the
run was launched (a script, ``python -m``, ``python -c``, a shell script, a subprocess, a sweep, a submitit
job). The guard asks the same functions to explain early (:func:`derisk_blocker`, :func:`checkpoint_blocker`)
and the sweep planner asks :func:`check_experiment`. The rules, each a refusal with its name and fix:

- ``checkpoint``: a run belongs to the phase of spec.yaml whose command patterns match it, else the phase
  whose ``profiles`` (or name) is its profile, else the last phase. It starts only when every earlier
  phase with ``checkpoint: true`` is approved, with a signed approval, for the spec as it is now.
- ``checkpoint-removed``: a checkpoint the human recorded (at ``labrails new`` or an approval) has since
  been dropped from spec.yaml or set to false.
- ``derisk-first``: a run of a profile other than de-risk starts only when a de-risk run vouches for it:
  same code version, same config.yaml, completed within its budget and reviewed as passed, as the
  registry's *signed* verdicts say (:mod:`labrails.core.verdicts`); an unsigned verdict counts as absent.
- ``synthetic-config``: a profile that must use real data whose resolved config asks for generated data.
- ``data-pin``: a pinned data file changed since the human pinned it.
- ``data-source`` and ``data-pin`` again, at ``run.record_data`` (:mod:`labrails.tracking.datacheck`): a run that
  must use real data recorded a source other than spec.yaml's ``data.source``, or data other than the pinned data.

A refusal is appended to .labrails/refusals.jsonl (one line each), which ``labrails status`` counts.
Rules about the launch text itself (flags, the foreground, an identical run) stay guard rules.
"""

from __future__ import annotations

import json
import os

from labrails.core.errors import LabrailsError
from labrails.core.expview import ExperimentView

# typing.TYPE_CHECKING without importing typing, which the hook path avoids.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from labrails.core.spec import Phase, Spec

DERISK = "de-risk"
FULL = "full"
REFUSALS_FILE = "refusals.jsonl"
_SYNTHETIC_KEYS = ("synthetic", "use_synthetic", "synthetic_data", "fake_data", "dummy_data")
_SOURCE_KEYS = ("dataset", "source", "data_source", "kind", "type")
_SYNTHETIC_WORDS = ("synthetic", "fake", "dummy", "random", "mock", "toy", "generated")


class Refusal:
    __slots__ = ("rule", "reason", "fix")

    def __init__(self, rule: str, reason: str, fix: str = ""):
        self.rule, self.reason, self.fix = rule, reason, fix

    def __repr__(self) -> str:
        return f"Refusal({self.rule!r}, {self.reason!r})"


class RunRefused(LabrailsError):
    """The policy refuses this run; ``refusals`` lists every rule that did (the first is shown first)."""

    def __init__(self, refusals: list[Refusal], *, path=None):
        self.refusals = list(refusals)
        first = self.refusals[0]
        more = "".join(f"\n  also [{r.rule}]: {r.reason}" for r in self.refusals[1:])
        super().__init__(f"run refused [{first.rule}]: {first.reason}{more}", fix=first.fix or None, path=path)

    @property
    def rule(self) -> str:
        return self.refusals[0].rule


def real_data_profile(profile: str | None, spec: Spec | None) -> bool:
    """True for a profile that must use the real, pinned data (every profile the spec does not exempt)."""
    allowed = spec.synthetic_allowed_in if spec is not None else (DERISK,)
    return profile not in allowed


# --------------------------------------------------------------------------- checkpoints
def pending_checkpoints(spec: Spec, phase: Phase, approved: dict) -> list[str]:
    """Names of the checkpoints before ``phase`` that ``approved`` (phase -> approval) lacks, in order."""
    return [p.name for p in spec.earlier_checkpoints(phase) if p.name not in approved]


def phase_for(spec: Spec, launch_text: str, profile: str | None) -> Phase | None:
    """The phase a run belongs to: by command pattern, else by profile, else the last phase (so a launch that
    matches nothing waits for every earlier checkpoint). None only when the spec has no phases."""
    if not spec.phases:
        return None
    phase = spec.phase_of(launch_text)
    if phase is not None:
        return phase
    if profile:
        for p in spec.phases:
            if profile.lower() in {x.lower() for x in (*p.profiles, p.name)}:
                return p
    return spec.phases[-1]


def checkpoint_blocker(spec: Spec | None, approved: dict, launch_text: str, profile: str | None) -> str | None:
    """Why ``launch_text`` (of ``profile``) waits for the human (None when every earlier checkpoint is approved)."""
    if spec is None or not spec.phases:
        return None
    phase = phase_for(spec, launch_text, profile)
    pending = pending_checkpoints(spec, phase, approved) if phase is not None else []
    if not pending:
        return None
    gate = next(p for p in spec.phases if p.name == pending[0])
    from labrails.core import gates

    todo = gates.missing(spec, gate)
    if todo:
        return (f"'{launch_text}' belongs to phase '{phase.name}', but phase '{gate.name}' comes first and has not produced "
                f"{'; '.join(todo)} yet. Do the work of phase '{gate.name}' first; only then does its checkpoint wait for the "
                f"human (`labrails approve {gate.name}`, in their own terminal).")
    produce = (f" Phase '{gate.name}' must first produce: {gate.description or 'what its description in spec.yaml states'}"
               + (f" (its commands: {', '.join(gate.commands)})." if gate.commands else "."))
    return (f"'{launch_text}' belongs to phase '{phase.name}', but the checkpoint of phase '{pending[0]}' is not approved yet."
            f"{produce} Then stop and show the human what they need to review (the diff of data and evaluation code, the "
            f"data declaration, the review); they approve with `labrails approve {pending[0]}` in their own terminal.")


def removed_checkpoints(spec: Spec | None, recorded: list[str] | None) -> list[str]:
    """Checkpoints the human recorded that the spec no longer has (dropped, or set to false)."""
    if spec is None or not recorded:
        return []
    now = {p.name for p in spec.phases if p.checkpoint}
    return [name for name in recorded if name not in now]


# --------------------------------------------------------------------------- de-risk first
def derisk_rows(state) -> dict:
    """The registry rows that can vouch for a run: de-risk runs only, selected in SQL, so a start does not
    decode every row of a 10,000-run experiment."""
    from labrails.core.registry import read_rows

    return read_rows(state, "profile = ?", (DERISK,))


def derisk_verdict(rows: dict, *, code_version: str, config_sha: str, profile: str | None,
                   script_name: str = "train.py") -> tuple[str | None, dict | None]:
    """(why a ``profile`` run may not start yet, None) or (None, the signed completion verdict that vouches).

    A de-risk run vouches when its signed verdicts say it ran on the same code version and config.yaml,
    completed within its budget and passed its review.
    """
    from labrails.core import verdicts

    if profile == DERISK:
        return None, None
    fix = f"Run `{script_name} de-risk` first (under a minute), read its review, then launch this run."
    candidates = [r for r in rows.values() if isinstance(r, dict) and r.get("profile") == DERISK]
    same = [r for r in candidates if r.get("code_version") == code_version and r.get("config_file_sha256") == config_sha]
    done, forged = [], []
    for row in same:
        verdict, problem = verdicts.completion(row)
        if verdict is not None:
            done.append((row, verdict))
        elif problem:
            forged.append(f"{row.get('run')}: {problem}")
    if not done:
        if forged:
            return (f"the de-risk run {forged[-1]}, so it counts as absent (labrails reports this as tampering). {fix}"), None
        if candidates and not same:
            return ("the code or config.yaml changed since the last de-risk run, so it no longer vouches for this "
                    f"{profile} run. {fix}"), None
        failed = [r for r in same if r.get("status") in ("failed", "crashed")]
        if failed:
            return (f"the de-risk run {failed[-1]['run']} on this code and config {failed[-1]['status']}; fix it and "
                    f"re-run de-risk before a {profile} run."), None
        return f"no de-risk run of this experiment has completed on the current code and config. {fix}", None
    row, verdict = max(done, key=lambda t: t[0].get("started_ts") or 0)
    budget, took = verdict.get("budget_seconds"), verdict.get("duration_s")
    if budget and took and float(took) > float(budget):
        return (f"the de-risk run {row['run']} took {float(took):.0f} s, over its {float(budget):.0f} s budget; "
                "shrink the de-risk profile until it fits, then re-run it."), None
    review, problem = verdicts.review(row)
    if problem:
        return (f"the de-risk run {row['run']}: {problem}, so its review counts as absent (labrails reports this as "
                f"tampering). Run `labrails review {row['run']}` again."), None
    if review is None:
        return (f"the de-risk run {row['run']} has not been reviewed. Run `labrails review {row['run']}`, "
                "fix any blockers, then launch this run."), None
    if not review.get("passed"):
        return (f"the de-risk run {row['run']} did not pass its review ({review.get('headline')}). "
                f"Read runs/{row['run']}/review.md, fix the blockers and re-run de-risk."), None
    return None, verdict


def derisk_blocker(exp: ExperimentView, script: str, profile: str | None) -> str | None:
    """Why a ``profile`` run of ``script`` may not start yet (None when a de-risk run vouches): the guard's entry."""
    if profile in (None, DERISK) or DERISK not in exp.profiles:
        return None
    rows = {row["run"]: row for row in exp.registry_find(profile=DERISK)}  # one indexed query, not every run
    reason, _ = derisk_verdict(rows, code_version=exp.code_version(script), config_sha=exp.config_sha(),
                               profile=profile, script_name=os.path.basename(script))
    return reason


# --------------------------------------------------------------------------- synthetic data in config
def _synthetic_word(value: str) -> bool:
    low = value.lower()
    return any(low == w or low.startswith(w + "-") or low.startswith(w + "_") for w in _SYNTHETIC_WORDS)


def synthetic_in_config(values, prefix: str = "", depth: int = 0) -> str | None:
    """The first config entry that asks for generated data (``data.synthetic: true``, ``dataset: fake``...)."""
    if not isinstance(values, dict) or depth > 32:
        return None
    for key, value in values.items():
        where = f"{prefix}.{key}" if prefix else str(key)
        k = str(key).lower()
        if k in _SYNTHETIC_KEYS and value is True:
            return f"{where}: true"
        if k in _SOURCE_KEYS and isinstance(value, str) and _synthetic_word(value):
            return f"{where}: {value}"
        found = synthetic_in_config(value, where, depth + 1)
        if found:
            return found
    return None


# --------------------------------------------------------------------------- the whole answer
def check_start(*, root, profile: str, profiles: list[str], launch_text: str, code_version: str, config_sha: str,
                resolved: dict, spec: Spec | None, rows: dict | None = None,
                script_name: str = "train.py") -> tuple[list[Refusal], dict]:
    """Every refusal for this run (empty: it may start) and what vouches for it (``derisk_run``, ``expected_data``).

    ``rows`` are the registry rows that may vouch (read with ``derisk_rows`` when not given, and only when a
    de-risk verdict is needed); ``resolved`` the config as the run would use it. Reads approvals, the
    recorded checkpoints and the data pin from ``root``/.labrails; an unreadable one raises LabrailsError.
    """
    from labrails.core import approvals, datapin

    state = os.path.join(str(root), ".labrails")
    refusals: list[Refusal] = []
    permit: dict = {}
    if spec is not None:
        approved = approvals.valid_approvals(state, spec.sha256)
        why = checkpoint_blocker(spec, approved, launch_text, profile)
        if why:
            refusals.append(Refusal("checkpoint", why, "the human approves the checkpoint in their own terminal"))
        gone = removed_checkpoints(spec, approvals.recorded_checkpoints(state))
        if gone:
            refusals.append(Refusal(
                "checkpoint-removed",
                f"spec.yaml no longer has the checkpoint(s) {', '.join(gone)} the human set (removed, or set to false)",
                "restore `checkpoint: true` on those phases; only the human changes checkpoints (and re-approves the spec)"))
    real = real_data_profile(profile, spec)
    if real:
        hit = synthetic_in_config(resolved)
        if hit:
            refusals.append(Refusal("synthetic-config", f"config.yaml makes the '{profile}' profile use generated data ({hit})",
                                    "full runs use the real dataset declared in spec.yaml; if it cannot be loaded, stop and tell the human"))
    if DERISK in profiles and profile != DERISK:
        if rows is None:
            rows = derisk_rows(state)
        why, verdict = derisk_verdict(rows, code_version=code_version, config_sha=config_sha, profile=profile, script_name=script_name)
        if why:
            refusals.append(Refusal("derisk-first", why, f"run `{script_name} de-risk`, read its review, then this run"))
        elif verdict is not None:
            permit["derisk_run"] = verdict.get("run")
            if verdict.get("data_fingerprint"):
                permit["expected_data"] = {"fingerprint": verdict["data_fingerprint"], "from": f"de-risk run {verdict.get('run')}"}
    pin = datapin.current_pin(state)
    if pin is not None:
        permit["expected_data"] = {"fingerprint": pin.get("fingerprint"), "from": "the pin", "pinned_ts": pin.get("pinned_ts"),
                                   "source": pin.get("source")}
        changed = datapin.changed_files(pin, root)[0] if real else []
        if changed:
            refusals.append(Refusal("data-pin", "pinned data changed since the human pinned it: " + "; ".join(changed),
                                    "restore the pinned files; if the data legitimately changed, the human re-pins it "
                                    "(`labrails data show`, `labrails data pin`)"))
    return refusals, permit


def check_experiment(root, *, script, profile: str, launch_text: str) -> list[Refusal]:
    """:func:`check_start` for a run not yet resolved (the sweep planner): reads config, spec and registry itself."""
    from pathlib import Path

    from labrails.core import config as config_mod
    from labrails.core.snapshot import code_version, git_state

    root = Path(root)
    spec = None
    if (root / "spec.yaml").is_file():
        from labrails.core.spec import load_spec

        spec = load_spec(root / "spec.yaml")
    config_path = root / "config.yaml"
    resolved = config_mod.resolve(config_path, profile, None, script=config_mod.script_name(Path(script), root))
    refusals, _ = check_start(
        root=root, profile=profile, profiles=config_mod.profiles_of(config_path), launch_text=launch_text,
        code_version=code_version(git_state(root), Path(script)), config_sha=config_mod.file_sha256(config_path),
        resolved=resolved.values, spec=spec, script_name=Path(script).name)
    return refusals


def derisk_blocker_for(experiment_root: str, script: str, profile: str | None) -> str | None:
    """:func:`derisk_blocker` for an experiment given by its folder."""
    return derisk_blocker(ExperimentView(str(experiment_root)), str(script), profile)


def tampering(root) -> list[str]:
    """Every signed record of the experiment whose signature does not hold (approvals, recorded checkpoints,
    the data pin, registry verdicts), one line each naming the file. Each counts as absent."""
    from labrails.core import approvals, datapin, verdicts
    from labrails.core.registry import Registry

    state = os.path.join(str(root), ".labrails")
    out = approvals.tampering(state) + datapin.tampering(state)
    rows = Registry(state).rows()
    out += [f"{os.path.join(state, 'registry')}: {line}" for line in verdicts.tampering(rows)]
    out += _run_json_claims(str(root), rows)
    return out


def _run_json_claims(root: str, rows: dict) -> list[str]:
    """run.json files that claim a completion the registry never recorded: an edit, since only the library
    writes both, and it writes the registry row (signed) in the same close."""
    out = []
    runs = os.path.join(root, "runs")
    try:
        names = sorted(os.listdir(runs))
    except OSError:
        return out
    for name in names:
        try:
            with open(os.path.join(runs, name, "run.json"), encoding="utf-8") as fh:
                claimed = json.load(fh).get("status")
        except (OSError, ValueError, AttributeError):
            continue
        recorded = (rows.get(name) or {}).get("status") if isinstance(rows.get(name), dict) else None
        if claimed == "completed" and recorded != "completed":
            out.append(f"{os.path.join(runs, name, 'run.json')}: says completed, but the registry recorded "
                       f"{recorded or 'no such run'}; the completion is not signed by the library, so it counts as "
                       f"{recorded or 'absent'}")
    return out


# --------------------------------------------------------------------------- the refusal log
def record_refusal(state, refusal: Refusal, *, script: str | None, profile: str | None, name: str | None) -> None:
    """Append one line to .labrails/refusals.jsonl; `labrails status` counts them. Never raises."""
    import time

    line = json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%S"), "rule": refusal.rule, "script": script,
                       "profile": profile, "name": name, "reason": refusal.reason[:500]}) + "\n"
    try:
        os.makedirs(str(state), exist_ok=True)
        fd = os.open(os.path.join(str(state), REFUSALS_FILE), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)
    except OSError:
        pass  # the refusal itself still stops the run; only its count is lost


def read_refusals(state) -> list[dict]:
    path = os.path.join(str(state), REFUSALS_FILE)
    out = []
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                try:
                    row = json.loads(line)
                except ValueError:
                    continue
                if isinstance(row, dict):
                    out.append(row)
    except OSError:
        return []
    return out
