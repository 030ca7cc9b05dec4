"""The skill pack is well-formed, cheap to keep loaded, and valid for both validators.

- frontmatter: only the Agent Skills keys; name = directory; description third person, says when, no < >;
- size: all names + descriptions under 400 tokens (~1,600 characters), each body under 5,000 tokens
  (~20,000 characters) and 500 lines;
- progressive disclosure: every reference file is linked from its SKILL.md, every link resolves;
- `agentskills validate` (PyPI skills-ref) on every skill, `claude plugin validate . --strict` on the repo.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from skillpack import EVALS_DIR, REPO, SKILLS_DIR
from skillpack import SPEC_KEYS, relative_links

CHARS_PER_TOKEN = 4
LISTING_BUDGET_TOKENS = 400
BODY_BUDGET_TOKENS = 5000
MAX_LINES = 500
EXPECTED = {"experiment-runner", "ml-experimentation", "evaluation-outputs", "spec-driven-experiments"}


def test_the_pack_has_the_four_skills(skills):
    assert {s.name for s in skills} == EXPECTED


def test_frontmatter_has_only_spec_keys(skills):
    for skill in skills:
        extra = set(skill.frontmatter) - SPEC_KEYS
        assert not extra, f"{skill.name}: frontmatter keys outside the spec: {sorted(extra)}"
        assert {"name", "description"} <= set(skill.frontmatter), skill.name


def test_name_matches_directory_and_spec_rules(skills):
    for skill in skills:
        name = skill.frontmatter["name"]
        assert name == skill.dir.name
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name) and len(name) <= 64, name


def test_descriptions(skills):
    for skill in skills:
        text = skill.description
        assert 0 < len(text) <= 1024, f"{skill.name}: description is {len(text)} characters"
        assert "<" not in text and ">" not in text, f"{skill.name}: no angle brackets in a description"
        assert "Use when" in text, f"{skill.name}: the description must say when to use the skill"
        first = text.split()[0]
        assert first.endswith("s") and first[0].isupper(), f"{skill.name}: start with a third-person verb, not {first!r}"
        assert not re.search(r"\b(I|you|your|we)\b", text, re.I), f"{skill.name}: third person only"
        line = next(l for l in skill.raw.splitlines() if l.startswith("description:"))
        value = line.split(":", 1)[1].strip()
        if ": " in text:
            assert value[0] in "'\"", f"{skill.name}: a description containing ': ' must be quoted"


def test_optional_keys_are_well_typed(skills):
    for skill in skills:
        fm = skill.frontmatter
        if "license" in fm:
            assert isinstance(fm["license"], str)
        if "compatibility" in fm:
            assert isinstance(fm["compatibility"], str) and len(fm["compatibility"]) <= 500
        if "metadata" in fm:
            assert isinstance(fm["metadata"], dict) and all(isinstance(v, str) for v in fm["metadata"].values())


def test_always_on_cost_of_the_pack(skills):
    listing = sum(len(s.frontmatter["name"]) + len(s.description) for s in skills)
    assert listing < LISTING_BUDGET_TOKENS * CHARS_PER_TOKEN, f"names + descriptions = {listing} characters"


def test_bodies_are_short(skills):
    for skill in skills:
        assert len(skill.body) < BODY_BUDGET_TOKENS * CHARS_PER_TOKEN, f"{skill.name}: body is {len(skill.body)} characters"
        assert skill.raw.count("\n") < MAX_LINES, f"{skill.name}: SKILL.md has {skill.raw.count(chr(10))} lines"


def test_references_are_linked_and_resolve(skills):
    for skill in skills:
        linked = set()
        for path in skill.files:
            for target in relative_links(path):
                resolved = (path.parent / target.split("#")[0]).resolve()
                assert resolved.exists(), f"{path}: broken link {target}"
                if path.name == "SKILL.md":
                    linked.add(resolved)
        for ref in sorted((skill.dir / "references").glob("*.md")):
            assert ref.resolve() in linked, f"{ref} is not linked from {skill.name}/SKILL.md, so no agent will load it"


def test_references_have_a_table_of_contents(skills):
    # Long reference files start with a contents list so a partial read still shows what is inside.
    for skill in skills:
        for ref in sorted((skill.dir / "references").glob("*.md")):
            text = ref.read_text(encoding="utf-8")
            if text.count("\n") > 100:
                assert "## Contents" in text[:1500], f"{ref}: add a Contents list near the top"


def test_no_local_paths_in_the_pack(skills):
    paths = [p for skill in skills for p in skill.files]
    paths += sorted(EVALS_DIR.rglob("*.json")) + sorted(EVALS_DIR.rglob("*.md"))
    for path in paths:
        text = path.read_text(encoding="utf-8")
        for needle in ("/home/", "/Users/", "/root/", "C:\\Users"):
            assert needle not in text, f"{path}: machine-specific path {needle!r}"


def _agentskills() -> list[str] | None:
    exe = shutil.which("agentskills") or str(Path(sys.executable).parent / "agentskills")
    if Path(exe).is_file():
        return [exe]
    try:
        import skills_ref  # noqa: F401
    except ImportError:
        return None
    return [sys.executable, "-m", "skills_ref.cli"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_agentskills_validate(name):
    cmd = _agentskills()
    if cmd is None:
        pytest.skip("agentskills (PyPI: skills-ref) not installed: pip install skills-ref")
    proc = subprocess.run([*cmd, "validate", str(SKILLS_DIR / name)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.e2e
def test_claude_plugin_validate_strict(claude_bin):
    from testing.claude_client import validate_plugin

    report = validate_plugin(REPO, strict=True, claude_bin=claude_bin)
    assert report.returncode == 0, report.stdout + report.stderr
    provides = validate_plugin(REPO, json_report=True, claude_bin=claude_bin).json.get("provides", {})
    assert sorted(provides.get("skills", [])) == sorted(f"labrails:{n}" for n in EXPECTED), json.dumps(provides)


def test_labrails_init_installs_the_whole_pack(tmp_path):
    from labrails.project.init import install_into

    install_into(tmp_path)
    installed = {p.parent.name for p in (tmp_path / ".claude" / "skills").glob("*/SKILL.md")}
    assert installed == EXPECTED
    for name in EXPECTED:
        refs = {p.name for p in (SKILLS_DIR / name / "references").glob("*.md")}
        copied = {p.name for p in (tmp_path / ".claude" / "skills" / name / "references").glob("*.md")}
        assert refs == copied, name
