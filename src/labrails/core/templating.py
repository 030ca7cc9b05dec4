"""Render the Jinja2 templates shipped in templates/."""

from __future__ import annotations

from typing import Any

from labrails.core.resources import resource


def render(template: str, /, **context: Any) -> str:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resource("templates"))),
        undefined=jinja2.StrictUndefined,  # a missing field is a bug in labrails, not an empty line in a README
        keep_trailing_newline=True,
        autoescape=False,
    )
    return env.get_template(template).render(**context)
