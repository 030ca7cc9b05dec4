"""The quickstart experiment (real scaffold runs on digits: de-risk and full, reviewed), made once."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def quickstarted(tmp_path_factory):
    pytest.importorskip("torch", reason="the quickstart trains the scaffold's PyTorch model: pip install 'labrails[torch]'")
    from labrails.project.quickstart import quickstart

    return quickstart(tmp_path_factory.mktemp("qs"), echo=lambda *_: None)
