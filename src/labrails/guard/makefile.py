"""Which recipe lines ``make TARGET`` runs: enough of make to judge them, one level of prerequisites deep.

Reads plain assignments (``PY = python``, ``:=``, ``?=``, ``+=``), explicit rules and their tab-indented
recipes, expands ``$(VAR)``, ``${VAR}``, ``$@``, ``$<``, ``$^`` and ``$$``; a recipe of the target and of
its direct prerequisites is returned. What it cannot resolve (no Makefile target of that name, a
pattern rule, ``include``) is reported, so the guard can fail closed instead of guessing.
"""

from __future__ import annotations

import re

from labrails.guard.lazyre import lazy

_ASSIGN = lazy(r"^(?:override\s+|export\s+)?([A-Za-z_.][A-Za-z0-9_.-]*)\s*(\?=|:::=|::=|:=|\+=|!=|=)\s*(.*)$")
_RULE = lazy(r"^([^:=#\t][^:=#]*?)\s*::?(?!=)\s*([^=#]*?)\s*(?:;\s*(.*))?$")
_VAR = lazy(r"\$\(([A-Za-z_.][A-Za-z0-9_.-]*)\)|\$\{([A-Za-z_.][A-Za-z0-9_.-]*)\}|\$([@<^*?])")
_VALUE_OPTIONS = {"-C": "dir", "--directory": "dir", "-f": "file", "--file": "file", "--makefile": "file",
                  "-j": None, "--jobs": None, "-l": None, "--load-average": None, "-I": None, "--include-dir": None,
                  "-o": None, "--old-file": None, "-W": None, "--what-if": None, "--assume-new": None,
                  "--assume-old": None, "--new-file": None, "-O": None, "--output-sync": None, "--eval": None}


def make_invocation(args: list[str]) -> tuple[str | None, str | None, list[str]]:
    """(``-C`` folder, ``-f`` file, targets) of a make command line; VAR=value overrides are dropped."""
    folder = makefile = None
    targets: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        name, eq, value = a.partition("=") if a.startswith("--") else (a, "", "")
        if name in _VALUE_OPTIONS:
            if not eq:
                if name in ("-j", "--jobs", "-l", "--load-average") and not (i + 1 < len(args) and args[i + 1].isdigit()):
                    i += 1
                    continue
                value = args[i + 1] if i + 1 < len(args) else ""
                i += 1
            if _VALUE_OPTIONS[name] == "dir":
                folder = value if folder is None or value.startswith("/") else f"{folder}/{value}"
            elif _VALUE_OPTIONS[name] == "file":
                makefile = value
        elif a.startswith("-C") and len(a) > 2:
            folder = a[2:]
        elif a.startswith("-f") and len(a) > 2:
            makefile = a[2:]
        elif a.startswith("-") or "=" in a:
            pass
        else:
            targets.append(a)
        i += 1
    return folder, makefile, targets


def _logical_lines(text: str) -> list[str]:
    return text.replace("\\\r\n", " ").replace("\\\n", " ").splitlines()


def recipes(text: str, targets: list[str]) -> tuple[list[tuple[str, str]], str | None]:
    """The (target, recipe line) pairs ``make targets`` runs, or a problem saying why that is unknown."""
    variables: dict[str, str] = {"MAKE": "make", "SHELL": "/bin/sh"}
    rules: dict[str, tuple[list[str], list[str]]] = {}
    order: list[str] = []
    current: list[list[str]] = []
    includes = False
    for line in _logical_lines(text):
        if line.startswith("\t"):
            for recipe in current:
                recipe.append(line[1:])
            continue
        stripped = line.split("#", 1)[0].rstrip()
        if not stripped.strip():
            continue
        if re.match(r"^-?s?include\s", stripped):
            includes = True
            continue
        m = _ASSIGN.match(stripped)
        if m:
            name, op, value = m.groups()
            if op == "+=":
                variables[name] = (variables.get(name, "") + " " + value).strip()
            elif op == "?=":
                variables.setdefault(name, value)
            else:
                variables[name] = value
            current = []
            continue
        m = _RULE.match(stripped)
        if m:
            names = m.group(1).split()
            prereqs = m.group(2).split()
            current = []
            for name in names:
                recipe: list[str] = []
                if m.group(3):
                    recipe.append(m.group(3))
                old = rules.get(name)
                rules[name] = (prereqs + (old[0] if old else []), (old[1] if old else []) + recipe)
                current.append(rules[name][1])
                if name not in order:
                    order.append(name)
            continue
        current = []
    if not targets:
        default = next((t for t in order if not t.startswith(".") and "%" not in t), None)
        if default is None:
            return [], "the Makefile has no target to run"
        targets = [default]
    out: list[tuple[str, str]] = []
    for target in targets:
        if target not in rules:
            if includes or any("%" in t for t in rules):
                return [], f"the target {target!r} comes from an include or a pattern rule labrails does not read"
            return [], f"the Makefile has no target {target!r}"
        prereqs, lines = rules[target]
        for prereq in prereqs:
            if prereq in rules:
                out += [(prereq, _expand(line, variables, prereq, rules[prereq][0])) for line in rules[prereq][1]]
        out += [(target, _expand(line, variables, target, prereqs)) for line in lines]
    return [(t, line.lstrip("@-+ \t")) for t, line in out if line.strip()], None


def _expand(line: str, variables: dict[str, str], target: str, prereqs: list[str]) -> str:
    def one(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2)
        if name is not None:
            return variables.get(name, m.group(0))
        auto = m.group(3)
        return {"@": target, "<": prereqs[0] if prereqs else "", "^": " ".join(prereqs), "?": " ".join(prereqs),
                "*": target}.get(auto, "")

    line = line.replace("$$", "\0")
    for _ in range(8):
        expanded = _VAR.sub(one, line)
        if expanded == line:
            break
        line = expanded
    return line.replace("\0", "$")
