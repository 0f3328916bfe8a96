"""Fixtures shared by every app's tests."""

import pytest
from django.core.cache import cache

from zhenwu.testing.world import World, build_world


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Rate-limit counters live in the cache; no test may inherit another's."""
    cache.clear()


@pytest.fixture
def world(db: None) -> World:
    return build_world()
