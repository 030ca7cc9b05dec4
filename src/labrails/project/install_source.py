"""How a PEP 723 script written by ``labrails new`` finds the labrails that wrote it.

pip and uv record how a distribution was installed in its ``direct_url.json`` (PEP 610): a local wheel
or sdist (``archive_info``), a folder (``dir_info``, editable or not), or a VCS checkout (``vcs_info``).
An install from a package index has none, and then ``labrails>=VERSION`` resolves from the index like
any dependency. Anything else becomes a ``[tool.uv.sources]`` entry, so `uv run train.py` gets the same
labrails the user has, not whatever the index holds (or nothing, for an unpublished build).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

if TYPE_CHECKING:
    from typing import Any


def _local_path(url: str) -> str:
    return unquote(urlparse(url).path)


def uv_source(direct_url: dict[str, Any] | None) -> str | None:
    """The ``[tool.uv.sources]`` line for an install described by ``direct_url`` (None: from an index)."""
    if not direct_url or "url" not in direct_url:
        return None
    url = str(direct_url["url"])
    if "vcs_info" in direct_url:
        vcs = direct_url["vcs_info"]
        rev = vcs.get("commit_id") or vcs.get("requested_revision")
        return f'labrails = {{ git = "{url}"' + (f', rev = "{rev}"' if rev else "") + " }"
    if not url.startswith("file:"):
        return f'labrails = {{ url = "{url}" }}'  # a wheel or sdist fetched from a URL
    path = _local_path(url)
    if "dir_info" in direct_url:
        editable = bool(direct_url["dir_info"].get("editable"))
        return f'labrails = {{ path = "{path}"' + (", editable = true" if editable else "") + " }"
    return f'labrails = {{ path = "{path}" }}'  # archive_info: a local wheel or sdist


def installed_direct_url() -> dict[str, Any] | None:
    """The running labrails distribution's direct_url.json (None for an index install or no install)."""
    from importlib import metadata

    try:
        text = metadata.distribution("labrails").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def installed_from_here(direct_url: dict[str, Any] | None, package_dir: str) -> bool:
    """Whether the installed distribution is the labrails running now (not another copy on PYTHONPATH)."""
    from importlib import metadata
    import os

    try:
        files = metadata.distribution("labrails").locate_file("labrails")
    except metadata.PackageNotFoundError:
        return False
    if direct_url and direct_url.get("dir_info", {}).get("editable"):
        return os.path.realpath(package_dir).startswith(os.path.realpath(_local_path(direct_url["url"])))
    return os.path.realpath(str(files)) == os.path.realpath(package_dir)
