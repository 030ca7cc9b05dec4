"""A sweep is part of the phase its runs belong to: it waits for the human like a single run would."""

from __future__ import annotations

from labrails.sweep import plan_sweep
from testing.human import approve_at_terminal


def require_derisk_approval(experiment):
    import yaml

    spec = yaml.safe_load(experiment.spec_path.read_text())
    derisk, full = spec["phases"]
    derisk.update(commands=["tiny_run.py de-risk*"], checkpoint=True)
    full.update(commands=["tiny_run.py full*"])
    experiment.spec_path.write_text(yaml.safe_dump(spec, sort_keys=False))


def test_a_sweep_waits_for_an_unapproved_checkpoint(derisked, write_suite):
    require_derisk_approval(derisked)
    plan = plan_sweep(write_suite())
    assert plan.blocker and "not approved" in plan.blocker and "labrails approve de-risk" in plan.blocker
    approve_at_terminal(derisked.root, "de-risk")
    assert plan_sweep(write_suite()).blocker is None
