"""Public-page tests run on the petitions tests' spring day of 2026, with an empty cache each time.

The cache holds the rate-limit counters; clearing it keeps one test's requests from counting
against the next.
"""

from collections.abc import Iterator

import pytest
import time_machine
from django.core.cache import cache

from zhenwu.petitions.tests.factories import at


@pytest.fixture(autouse=True)
def spring_2026() -> Iterator[None]:
    with time_machine.travel(at("2026-04-01", 9), tick=True):
        yield


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()
