"""Mediation tests run on a fixed spring day of 2026 (the deadline engine knows 2026's holidays)."""

from collections.abc import Iterator

import pytest
import time_machine

from zhenwu.mediation.tests.factories import at


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Traveller]:
    """2026-03-10 09:00 in Shanghai, ticking (timestamps of successive acts differ)."""
    with time_machine.travel(at("2026-03-10", 9), tick=True) as coordinates:
        yield coordinates
