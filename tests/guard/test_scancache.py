"""The remembered fabricated-data scan is redone as soon as any Python file of the experiment changes."""

from __future__ import annotations

import labrails
from labrails.guard.scancache import scan_launch


def test_a_new_fabricating_module_is_seen_after_a_clean_scan_was_cached(tmp_path):
    root = labrails.new_experiment(tmp_path / "exp", hypothesis="h", success=["s"]).root
    script = root / "run_it.py"
    script.write_text("from helpers import load\nX, y = load()\n")
    assert scan_launch(str(script), str(root)) == []
    assert (root / ".labrails" / "cache" / "synthscan.json").is_file()
    assert scan_launch(str(script), str(root)) == []  # from the cache
    (root / "helpers.py").write_text("import numpy as np\n\ndef load():\n    X = np.random.randn(100, 4)\n"
                                     "    y = np.random.randint(0, 2, 100)\n    return X, y\n")
    hits = scan_launch(str(script), str(root))
    assert hits and hits[0].rule == "random-data" and hits[0].path.endswith("helpers.py")
    assert [h.rule for h in scan_launch(str(script), str(root))] == [h.rule for h in hits]  # cached, same answer
