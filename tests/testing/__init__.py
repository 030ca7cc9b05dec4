"""Helpers the tests share, importable from any test directory as ``from testing.<module> import ...``.

- ``paths``        where the repository, the test fixtures and the scaffold are
- ``experiments``  a fresh experiment with the tiny fixture script in it
- ``commands``     run a script or the `labrails` CLI in an experiment, as a user would
- ``runs``         write a finished run directory with the library itself (no training), find runs by name
- ``reviews``      review a run and say why it did not pass
- ``fake_model``, ``claude_client``, ``client_fixtures``  the real Claude Code client against a scripted model
"""
