"""Plans tests start before the issue's example period (2026-02-25 to 2026-03-16)."""

from collections.abc import Iterator

import pytest
import time_machine

from zhenwu.plans.tests.factories import at


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Traveller]:
    """2026-02-20 09:00 in Beijing, standing still (the holiday calendar knows 2026)."""
    with time_machine.travel(at("2026-02-20", 9), tick=False) as coordinates:
        yield coordinates
