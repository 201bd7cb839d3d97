"""Session-wide checks of the whole suite (tests/, cocotb_tests/ and the doctests)."""

from __future__ import annotations

import pytest


_UNGROUPED: set[str] = set()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Note the ``xdist_group`` tests a ``--dist loadgroup`` worker did not group (they then fail: see below).

    Why: the batched core tests (cocotb_tests/cores/_common.Batch) and the shared network builds rely
    on every test of a group running on one worker. pytest-xdist marks a grouped test by appending
    ``@<group>`` to its node id; with pytest 9.2 that rewrite no longer takes effect (pytest-xdist#1386),
    nothing fails, and each worker built and simulated the whole core batch again (about 3 CPU-minutes
    of make test). setup.cfg pins pytest below 9.2; this check keeps a later upgrade from hiding it.
    """
    if not getattr(session.config.option, "loadgroup", False):  # set on xdist workers only, by --dist loadgroup
        return
    _UNGROUPED.update(item.nodeid for item in session.items
                      if item.get_closest_marker("xdist_group") is not None and "@" not in item.nodeid)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Fail an ungrouped ``xdist_group`` test with the reason (an error raised at collection would only crash xdist)."""
    if item.nodeid in _UNGROUPED:
        pytest.fail(f"pytest-xdist's --dist loadgroup must run every xdist_group test of a group on one worker, "
                    f"not spread them: with pytest {pytest.__version__} it does not (pytest-xdist#1386); "
                    f"install the pytest that setup.cfg pins (pip install -e '.[dev]')", pytrace=False)
