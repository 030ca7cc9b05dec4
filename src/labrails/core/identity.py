"""A run's identity: what makes two runs "the same run" (same resolved config, same code)."""

from __future__ import annotations


def run_identity(config_hash: str, code_version: str) -> str:
    """``{config_hash[:8]}_{code_version}``: recorded by every run, matched by the guard and by sweeps."""
    return f"{config_hash[:8]}_{code_version}"
