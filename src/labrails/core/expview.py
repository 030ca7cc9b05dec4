"""A cheap, read-only view of one experiment's state: config, spec, approvals, registry, code version.

Every file is read at most once per view, and YAML comes through the JSON cache of
:mod:`labrails.core.yamlcache`. The guard builds a view for every agent command aimed at an experiment,
so each reader imports what it reads with (pathlib, the YAML cache, the spec parser, git) when first
called: together they cost as much as the rest of a decision, and most decisions need one or two.
"""

from __future__ import annotations

import json
import os

# typing.TYPE_CHECKING without importing typing, which the hook path avoids.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

    from labrails.core.spec import Spec


def find_experiment_root(start: str) -> str | None:
    """The nearest folder at or above ``start`` with a .labrails/ or both spec.yaml and config.yaml."""
    here = os.path.abspath(start)
    while True:
        if os.path.isdir(os.path.join(here, ".labrails")) or (
            os.path.isfile(os.path.join(here, "spec.yaml")) and os.path.isfile(os.path.join(here, "config.yaml"))
        ):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


class ExperimentView:
    """What the guard (and the policy) need to know about one experiment, read lazily and once."""

    def __init__(self, root: str):
        self.root = root
        self.state = os.path.join(root, ".labrails")
        self._config = self._spec = self._registry = None
        self._spec_loaded = self._config_loaded = False
        self._code_version = None

    def path(self, *parts: str) -> str:
        return os.path.join(self.root, *parts)

    @property
    def config_path(self) -> Path:
        from pathlib import Path

        return Path(self.path("config.yaml"))

    @property
    def config_data(self) -> Any:
        if not self._config_loaded:
            self._config_loaded = True
            from labrails.core.yamlcache import load_yaml_cached

            path = self.path("config.yaml")
            self._config = load_yaml_cached(path, self.state) if os.path.isfile(path) else None
        return self._config

    @property
    def profiles(self) -> list[str]:
        data = self.config_data
        return list((data or {}).get("profiles") or {}) if isinstance(data, dict) else []

    @property
    def spec(self) -> Spec | None:
        if not self._spec_loaded:
            self._spec_loaded = True
            path = self.path("spec.yaml")
            if os.path.isfile(path):
                from labrails.core.spec import parse_spec, sha256_of
                from labrails.core.yamlcache import load_yaml_cached

                raw = load_yaml_cached(path, self.state)
                self._spec = parse_spec(raw if isinstance(raw, dict) else {}, path, sha256_of(path))
        return self._spec

    def approvals(self) -> dict:
        spec = self.spec
        if spec is None:
            return {}
        from labrails.core.approvals import valid_approvals

        return valid_approvals(self.state, spec.sha256)

    @property
    def registry_rows(self) -> dict:
        """Every registry row (name -> row), in start order; read-only (works on a read-only experiment).

        A registry that cannot be read raises a LabrailsError saying how to rebuild it (the guard fails closed).
        """
        if self._registry is None:
            from labrails.core.registry import read_rows

            self._registry = read_rows(self.state)
        return self._registry

    def registry_find(self, **columns: str) -> list[dict]:
        """The rows whose ``identity``/``status``/``profile``/``run`` equal the values given: one indexed
        query, so its cost does not grow with the number of runs (``registry_rows`` reads them all)."""
        if self._registry is not None:
            return [r for r in self._registry.values() if all(r.get(k) == v for k, v in columns.items())]
        from labrails.core.registry import read_rows

        bad = set(columns) - {"identity", "status", "profile", "run"}
        if bad:
            raise ValueError(f"not a registry column: {sorted(bad)}")
        where = " AND ".join(f"{k} = ?" for k in columns)
        return list(read_rows(self.state, where, tuple(columns.values())).values())

    def code_version(self, script: str) -> str:
        """``labrails.core.snapshot.code_version`` of ``script``, without spawning git or parsing the script
        when nothing it depends on changed (:mod:`labrails.core.codecache`)."""
        if self._code_version is None or self._code_version[0] != script:
            from labrails.core.codecache import code_version

            self._code_version = (script, code_version(self.root, script, self.state))
        return self._code_version[1]

    def cached_code_version(self, script: str) -> str | None:
        """The code version the cache holds for ``script`` (None: it would be computed anew)."""
        from labrails.core.codecache import lookup

        return lookup(self.root, script, self.state)

    def config_sha(self) -> str:
        from labrails.core.digest import sha256

        with open(self.path("config.yaml"), "rb") as fh:
            return sha256(fh.read()).hexdigest()
