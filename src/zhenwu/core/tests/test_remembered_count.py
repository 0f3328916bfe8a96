"""Long lists remember their count for a minute (per person and query); short ones count exactly;
deep pages read their ids first."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

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


def page_of(query_set: object, number: int, per_page: int = 3) -> list[int]:
    request = RequestFactory().get(f"/units/?page={number}")
    request.user = AnonymousUser()
    return [unit.pk for unit in common.paginate(request, query_set, per_page=per_page)]  # type: ignore[arg-type]


def test_deep_pages_read_ids_first_and_keep_the_order(
    world: World, monkeypatch: pytest.MonkeyPatch, django_assert_num_queries: object
) -> None:
    for n in range(3):
        add_unit(world, 10 + n)
    ordered = Unit.objects.select_related("parent").order_by("-kind", "-pk")
    ids = list(ordered.values_list("pk", flat=True))
    pages = (len(ids) + 2) // 3
    assert pages >= 3
    # Shallow pages: one slice of the queryset (plus the count).
    monkeypatch.setattr(common, "DEFERRED_JOIN_OFFSET", 10_000)
    shallow = [page_of(ordered, n) for n in range(1, pages + 1)]
    # Every page from the second on (offset 3) in two steps: the same rows in the same order.
    monkeypatch.setattr(common, "DEFERRED_JOIN_OFFSET", 3)
    deep = [page_of(ordered, n) for n in range(1, pages + 1)]
    assert deep == shallow
    assert [pk for page in deep for pk in page] == ids
    # Count, ids, rows (the joined parent comes with the rows: no query per row).
    request = RequestFactory().get("/units/?page=2")
    request.user = AnonymousUser()
    with django_assert_num_queries(3):  # type: ignore[operator]
        page = common.paginate(request, ordered, per_page=3)
        units = [unit for unit in page if isinstance(unit, Unit)]
        assert len(units) == 3 and [u.parent_id for u in units] == [
            u.parent.pk if u.parent else None for u in units
        ]


def pages_with_page_list(seen: list[int], per_page: int = 3) -> list[list[int]]:
    """Every page of the units by id, each read from ``page_list(count)``: the units by ``-pk``."""

    def page_list(count: int) -> object:
        seen.append(count)
        return Unit.objects.order_by("-pk")

    request = RequestFactory().get("/units/")
    request.user = AnonymousUser()
    paged = common.Paged(Unit.objects.order_by("pk"), page_list=page_list)  # type: ignore[arg-type]
    paginator = common.paginate(request, paged, per_page=per_page).paginator
    return [[unit.pk for unit in paginator.page(n)] for n in paginator.page_range]


def test_page_rows_come_from_the_page_list_given_the_count(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = list(Unit.objects.order_by("pk").values_list("pk", flat=True))
    assert len(ids) > 3
    seen: list[int] = []
    assert [pk for page in pages_with_page_list(seen) for pk in page] == ids[::-1]
    assert set(seen) == {len(ids)}  # the count of the list itself
    # Deep pages (ids first) read from it too.
    monkeypatch.setattr(common, "DEFERRED_JOIN_OFFSET", 3)
    assert [pk for page in pages_with_page_list(seen) for pk in page] == ids[::-1]


def test_pk_url_builds_what_reverse_builds() -> None:
    from django.urls import reverse

    detail = common.pk_url("petitions:detail")
    for pk in (1, 42, 2_000_000):
        assert detail(pk) == reverse("petitions:detail", args=[pk])


def test_a_counter_counts_in_place_of_the_list(world: World) -> None:
    """``Paged.counter`` (a faster query for the same count, ``ledger.ledger_pages``) is what the
    page numbers come from, once per page; the rows are still the list's."""
    calls: list[int] = []
    units = Unit.objects.order_by("pk")

    def counter() -> int:
        calls.append(1)
        return 2

    request = RequestFactory().get("/units/")
    request.user = AnonymousUser()
    with CaptureQueriesContext(connection) as queries:
        page = common.paginate(request, common.Paged(units, counter=counter), per_page=1)
        rows = list(page)
    assert calls == [1] and page.paginator.count == 2 and page.paginator.num_pages == 2
    assert rows == [units[0]]
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"]]
