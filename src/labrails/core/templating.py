"""Render the Jinja2 templates shipped in templates/.

One environment per process, and compiled templates kept between processes in a bytecode cache
(``$XDG_CACHE_HOME/labrails/templates``, else ``~/.cache/labrails/templates``): every run writes a
README.txt, and compiling its template costs more than rendering it. Jinja checks each template's
modification time against its cached code, so an edited template is recompiled; a cache that cannot
be written only costs the compile.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from labrails.core.resources import resource

_ENV: Any = None


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "labrails" / "templates"


def environment() -> Any:
    global _ENV
    if _ENV is None:
        import jinja2

        cache = None
        try:
            folder = _cache_dir()
            folder.mkdir(parents=True, exist_ok=True)
            if os.access(folder, os.W_OK):
                cache = jinja2.FileSystemBytecodeCache(str(folder))
        except OSError:
            cache = None
        _ENV = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(resource("templates"))),
            undefined=jinja2.StrictUndefined,  # a missing field is a bug in labrails, not an empty line in a README
            keep_trailing_newline=True,
            autoescape=False,
            bytecode_cache=cache,
        )
    return _ENV


def render(template: str, /, **context: Any) -> str:
    return environment().get_template(template).render(**context)
