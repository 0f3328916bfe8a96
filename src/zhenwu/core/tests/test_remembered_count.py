"""Long lists remember their count for a minute (per person and query); short ones count exactly."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.test import RequestFactory

from zhenwu.core.models import Unit
from zhenwu.core.services.units import unit_create
from zhenwu.core.views import common
from zhenwu.testing.world import World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()


def page_count(user: object, query: str = "") -> int:
    request = RequestFactory().get("/units/" + query)
    request.user = user  # type: ignore[assignment]
    return common.paginate(request, Unit.objects.order_by("pk"), per_page=2).paginator.count


def add_unit(world: World, n: int) -> None:
    unit_create(
        actor=world.user("admin"), parent=world.county, kind="office", name=f"科室{n}", code=f"KS{n:02d}"
    )


def test_long_list_count_is_remembered_per_person_and_query(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(common, "LARGE_COUNT", 3)
    before = Unit.objects.count()
    assert before > 3
    assert page_count(world.user("admin")) == before
    add_unit(world, 1)
    # The same person and query: the remembered count; the rows themselves are read fresh.
    assert page_count(world.user("admin")) == before
    assert page_count(world.user("admin"), "?page=2") == before
    # Another query or another person counts anew.
    assert page_count(world.user("admin"), "?kind=office") == before + 1
    assert page_count(world.user("office")) == before + 1
    assert page_count(AnonymousUser()) == before + 1
    cache.clear()  # a minute later
    assert page_count(world.user("admin")) == before + 1


def test_short_list_is_counted_exactly(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "LARGE_COUNT", 10_000)
    before = Unit.objects.count()
    assert page_count(world.user("admin")) == before
    add_unit(world, 2)
    assert page_count(world.user("admin")) == before + 1
