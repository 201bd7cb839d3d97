"""Shared fixtures of the plain pytest suite.

Golden files (tests/golden/*.txt) are regenerated with ``pytest --regen-golden``
or ``BNNC_REGEN_GOLDEN=1 pytest``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("bnnc", deadline=None, max_examples=25, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("thorough", deadline=None, max_examples=500,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "bnnc"))

GOLDEN = Path(__file__).resolve().parent / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--regen-golden", action="store_true", default=False,
                     help="rewrite tests/golden/*.txt from the current output instead of comparing")


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """golden(name, text): compare ``text`` with tests/golden/NAME (or rewrite it when regenerating)."""
    regen = request.config.getoption("--regen-golden") or os.environ.get("BNNC_REGEN_GOLDEN") == "1"

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if regen:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            return
        assert path.exists(), f"missing golden file {path}; run pytest --regen-golden"
        expected = path.read_text()
        assert text == expected, f"{name} differs from the golden file; if intended, run pytest --regen-golden"

    return check
