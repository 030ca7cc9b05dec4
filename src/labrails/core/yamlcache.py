"""Parsed YAML for the hook path, cached as JSON under .labrails/cache/.

Importing PyYAML alone costs more than the whole guard decision, so the guard reads spec.yaml and
config.yaml through this cache, keyed on the file's size and mtime; on a miss it parses once and stores
the result. A cache that cannot be written (read-only tree) only costs speed.
"""

from __future__ import annotations

import json
import os

from labrails.core.digest import sha1

# typing.TYPE_CHECKING without importing typing (nor pathlib), which the hook path avoids.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any


def load_yaml_cached(path: Path | str, state: Path | str) -> Any:
    path = os.fspath(path)
    st = os.stat(path)
    key = f"{st.st_size}:{st.st_mtime_ns}"
    name = os.path.basename(path)
    cache = os.path.join(os.fspath(state), "cache", f"{name}.{sha1(path.encode()).hexdigest()[:10]}.json")
    try:
        with open(cache, encoding="utf-8") as fh:
            cached = json.load(fh)
        if cached.get("key") == key:
            return cached["data"]
    except (OSError, ValueError):
        pass
    # PyYAML only on a miss: that is the point of the cache.
    from pathlib import Path

    from labrails.core.yamlfile import load_yaml

    data = load_yaml(Path(path), what=name)
    try:
        os.makedirs(os.path.dirname(cache), exist_ok=True)
        tmp = f"{cache[:-len('.json')]}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(json.dumps({"key": key, "data": data}, default=str))
        os.replace(tmp, cache)
    except OSError:
        pass
    return data
