"""Duty tests start before the example special period (2026-03-01 to 2026-03-20)."""

from collections.abc import Iterator

import pytest
import time_machine

from zhenwu.duty.tests.factories import at


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(at("2026-02-25", 9), tick=False) as traveller:
        yield traveller
