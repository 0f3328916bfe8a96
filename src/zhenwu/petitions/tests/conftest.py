"""Petitions tests run on a fixed spring day of 2026.

The real clock (late November 2026) would put every 60-day deadline into 2027, a year whose
holidays are not published yet, leaving those deadlines pending; tests that are about that case
travel there themselves.
"""

from collections.abc import Iterator

import pytest
import time_machine

from zhenwu.petitions.tests.factories import at


@pytest.fixture(autouse=True)
def spring_2026() -> Iterator[None]:
    with time_machine.travel(at("2026-04-01", 9), tick=True):
        yield
