"""Bad-input cases: see tests/bad_inputs/cases.py for the Case type and the building blocks."""

from __future__ import annotations

from tests.bad_inputs.cases import Case

CASES: list[Case] = [
]
