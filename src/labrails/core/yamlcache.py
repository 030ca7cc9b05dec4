"""Parsed YAML for the hook path, cached as JSON under .labrails/cache/.

Importing PyYAML alone costs more than the whole guard decision, so the guard reads spec.yaml and
config.yaml through this cache, keyed on the file's size and mtime; on a miss it parses once and stores
the result. A cache that cannot be written (read-only tree) only costs speed.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

# typing.TYPE_CHECKING without importing typing, which the hook path avoids.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def load_yaml_cached(path: Path, state: Path) -> Any:
    path = Path(path)
    st = path.stat()
    key = f"{st.st_size}:{st.st_mtime_ns}"
    cache = Path(state) / "cache" / f"{path.name}.{hashlib.sha1(str(path).encode()).hexdigest()[:10]}.json"
    try:
        with open(cache, encoding="utf-8") as fh:
            cached = json.load(fh)
        if cached.get("key") == key:
            return cached["data"]
    except (OSError, ValueError):
        pass
    # PyYAML only on a miss: that is the point of the cache.
    from labrails.core.yamlfile import load_yaml

    data = load_yaml(path, what=path.name)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"key": key, "data": data}, default=str), encoding="utf-8")
        os.replace(tmp, cache)
    except OSError:
        pass
    return data
