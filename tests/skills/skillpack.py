"""Reading the skill pack as data: frontmatter, bodies, code, and the `labrails ...` commands it teaches.

Used by the tests beside this file; plain functions, no pytest.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from testing.paths import REPO

SKILLS_DIR = REPO / "skills"
EVALS_DIR = REPO / "evals"
SPEC_KEYS = {"name", "description", "license", "allowed-tools", "metadata", "compatibility"}

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>[^\n`]*)$")
_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
_LINK = re.compile(r"\]\(([^)\s]+)\)")
# A `labrails` command starts a line or follows a shell separator, and is followed by a subcommand word.
_COMMAND_START = re.compile(r"(?:^|[\s;&|(])labrails\s+[a-z]")
_OPERATORS = {"&&", "||", ";", "|", "&", "(", ")", ";;", "|&"}
_WRAPPERS = {"nohup", "time", "exec", "command", "sudo"}


@dataclass
class CodeChunk:
    """One piece of code in a markdown file: a fenced block (with its info string) or an inline span."""

    text: str
    kind: str  # "block" or "span"
    lang: str
    source: str  # file (and line) for messages


@dataclass
class Skill:
    name: str
    dir: Path
    frontmatter: dict
    body: str
    raw: str
    files: list[Path] = field(default_factory=list)  # SKILL.md and every markdown file under the skill

    @property
    def description(self) -> str:
        return str(self.frontmatter.get("description", ""))


def split_frontmatter(text: str) -> tuple[dict, str]:
    import yaml

    if not text.startswith("---\n"):
        raise ValueError("SKILL.md must start with a '---' frontmatter block")
    end = text.index("\n---", 4)
    meta = yaml.safe_load(text[4:end]) or {}
    body = text[end + 4:].lstrip("\n")
    return meta, body


def load_skills(skills_dir: Path) -> list[Skill]:
    found = []
    for skill_md in sorted(skills_dir.glob("*/SKILL.md")):
        raw = skill_md.read_text(encoding="utf-8")
        meta, body = split_frontmatter(raw)
        files = [skill_md, *sorted(p for p in skill_md.parent.rglob("*.md") if p != skill_md)]
        found.append(Skill(skill_md.parent.name, skill_md.parent, meta, body, raw, files))
    return found


def code_chunks(text: str, source: str) -> list[CodeChunk]:
    """Fenced code blocks and inline code spans of a markdown text, in order."""
    chunks: list[CodeChunk] = []
    lines = text.split("\n")
    prose: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if m:
            fence, lang, start = m["fence"], m["info"].strip().split(" ")[0].lower(), i
            i += 1
            body = []
            while i < len(lines) and not lines[i].strip().startswith(fence):
                body.append(lines[i])
                i += 1
            chunks.append(CodeChunk("\n".join(body), "block", lang, f"{source}:{start + 1}"))
            i += 1
            continue
        prose.append((i, lines[i]))
        i += 1
    # Inline spans may not cross paragraphs; join consecutive prose lines so wrapped spans are found.
    paragraph: list[tuple[int, str]] = []

    def flush() -> None:
        if not paragraph:
            return
        joined = " ".join(line for _, line in paragraph)
        for span in _SPAN.finditer(joined):
            chunks.append(CodeChunk(span.group(2).strip(), "span", "", f"{source}:{paragraph[0][0] + 1}"))
        paragraph.clear()

    last = -2
    for number, line in prose:
        if not line.strip() or number != last + 1:
            flush()
        if line.strip():
            paragraph.append((number, line))
        last = number
    flush()
    return chunks


def markdown_code(path: Path) -> list[CodeChunk]:
    return code_chunks(path.read_text(encoding="utf-8"), str(path))


def json_code(path: Path) -> list[CodeChunk]:
    """Inline code spans inside every string of a JSON file (the evals)."""
    out: list[CodeChunk] = []

    def walk(node, where: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}[{i}]")
        elif isinstance(node, str):
            out.extend(CodeChunk(m.group(2).strip(), "span", "", f"{path}{where}") for m in _SPAN.finditer(node))

    walk(json.loads(path.read_text(encoding="utf-8")), "")
    return out


@dataclass
class Command:
    argv: list[str]  # starting with "labrails"
    line: str
    source: str


def _segments(tokens: list[str]) -> list[list[str]]:
    out, current = [], []
    for tok in tokens:
        if tok in _OPERATORS:
            if current:
                out.append(current)
            current = []
        else:
            current.append(tok)
    if current:
        out.append(current)
    return out


_REDIRECT = re.compile(r"(?:^|(?<=\s))\d*(?:>>?|<)(?:&\d+|\s*[^\s;&|<>\"']+)")


_QUOTED = re.compile(r"(\"[^\"]*\"|'[^']*')")


def _strip_redirections(line: str) -> str:
    """``cmd > out.log 2>&1 &`` -> ``cmd  &``: redirections and their targets are not arguments (a ``>=``
    inside a quoted argument such as ``--success "acc >= 0.95"`` is text, not a redirection)."""
    parts = _QUOTED.split(line)
    return "".join(part if i % 2 else _REDIRECT.sub(" ", part) for i, part in enumerate(parts))


def _unwrap(tokens: list[str]) -> list[str]:
    tokens = list(tokens)
    while tokens:
        head = tokens[0]
        if re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", head) or head in _WRAPPERS:
            tokens.pop(0)
        elif head == "timeout" and len(tokens) > 1:
            tokens = tokens[2:]
        else:
            break
    return tokens


def commands_in(chunk: CodeChunk) -> list[Command]:
    """Every `labrails ...` invocation in a code chunk. Raises ValueError for one the shell could not parse."""
    found: list[Command] = []
    for line in chunk.text.split("\n"):
        stripped = line.strip()
        if stripped.startswith(("from ", "import ")) or not _COMMAND_START.search(stripped):
            continue
        if stripped.startswith("$ "):
            stripped = stripped[2:]
        if chunk.lang == "python" or stripped.startswith("#"):
            # A command quoted in a Python comment or string: take the text from `labrails` on.
            stripped = stripped[re.search(r"labrails\s", stripped).start():]
            stripped = re.split(r"[`'\"]\s*$|\)\s*$", stripped)[0]
        lexer = shlex.shlex(_strip_redirections(stripped), posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        try:
            tokens = list(lexer)
        except ValueError as exc:
            raise ValueError(f"{chunk.source}: cannot parse shell line {line!r}: {exc}") from None
        for segment in _segments(tokens):
            argv = _unwrap(segment)
            if argv[:1] == ["labrails"] and len(argv) > 1:
                found.append(Command(argv, line.strip(), chunk.source))
    return found


def script_launches(chunk: CodeChunk, script: str = "train.py") -> list[list[str]]:
    """Argument lists given to ``SCRIPT`` (e.g. ``uv run train.py full --force`` -> ["full", "--force"])."""
    out = []
    for line in chunk.text.split("\n"):
        if script not in line or line.strip().startswith("#") or chunk.lang == "python":
            continue
        lexer = shlex.shlex(_strip_redirections(line.strip()), posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        try:
            tokens = list(lexer)
        except ValueError:
            continue
        for segment in _segments(tokens):
            argv = segment
            if script in argv:
                out.append(argv[argv.index(script) + 1:])
    return out


def relative_links(path: Path) -> list[str]:
    """Relative link targets in a markdown file (no URLs, no anchors, no report citations such as `config:NAME#m`)."""
    from labrails.analysis.report_check import CITATION

    text = CITATION.sub("", path.read_text(encoding="utf-8"))
    return [t for t in _LINK.findall(text) if "://" not in t and not t.startswith("#")]


# A script launched the ways the skills teach: `uv run train.py full`, `python train.py de-risk`, `pixi run python ...`.
_SCRIPT_LAUNCH = re.compile(r"(?<![\w/.-])((?:uv run|pixi run python|python3?) [\w./-]+\.py(?: [\w.=-]+)*)")


def shell_join(argv: list[str]) -> str:
    """``shlex.join``, but a glob such as ``runs/*-full-seed*/config.yaml`` stays unquoted: the shell expands it."""
    return " ".join(word if re.fullmatch(r"[\w./*?=@%+:,-]+", word) else shlex.quote(word) for word in argv)


@dataclass
class Example:
    """One example command of the pack: ``key`` is its normalised text, the same wherever it is written."""

    key: str
    argv: list[str]
    source: str


def examples_in(chunk: CodeChunk) -> list[Example]:
    """Every example command in a code chunk: `labrails ...` invocations and script launches."""
    found = [Example(shell_join(c.argv), c.argv, c.source) for c in commands_in(chunk)]
    for m in _SCRIPT_LAUNCH.finditer(chunk.text):
        argv = m.group(1).split()
        found.append(Example(" ".join(argv), argv, chunk.source))
    return found
