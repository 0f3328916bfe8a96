"""Safety tests run on a working Monday in 2026, 09:00 Beijing time."""

from collections.abc import Iterator

import pytest
import time_machine

from zhenwu.safety.tests.factories import at


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(at("2026-06-15", 9), tick=False) as traveller:
        yield traveller
