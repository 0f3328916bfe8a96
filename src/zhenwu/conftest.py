"""Fixtures shared by every app's tests."""

import pytest

from zhenwu.testing.world import World, build_world


@pytest.fixture
def world(db: None) -> World:
    return build_world()
