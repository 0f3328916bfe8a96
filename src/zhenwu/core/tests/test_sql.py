"""``InIdList``: a column among a list of ids, the list bound as one parameter. ``Unindexed``: a
column as an expression that sorts the same. PostgreSQL connections run without JIT.
``PlannerSettingsIterable``: planner settings for one query's rows, not after."""

from typing import Any

import pytest
from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.test.utils import CaptureQueriesContext

from zhenwu.core.models import Unit
from zhenwu.core.sql import InIdList, PlannerSettingsIterable, Unindexed, with_iterable
from zhenwu.testing.world import World

pytestmark = pytest.mark.django_db


def test_matches_what_in_matches(world: World) -> None:
    ids = [world.township.pk, world.village.pk, 10**9]
    expected = set(Unit.objects.filter(pk__in=ids).values_list("pk", flat=True))
    assert set(Unit.objects.filter(InIdList("id", ids)).values_list("pk", flat=True)) == expected
    assert expected == {world.township.pk, world.village.pk}
    # With other conditions, on either side of an OR, and through a foreign key column.
    either = Unit.objects.filter(Q(InIdList("id", [world.county.pk])) | Q(code=world.village.code))
    assert set(either) == {world.county, world.village}
    children = Unit.objects.filter(InIdList("parent_id", [world.township.pk]))
    assert set(children) == set(Unit.objects.filter(parent=world.township))


def test_the_list_is_one_parameter(world: World) -> None:
    ids = list(Unit.objects.values_list("pk", flat=True))
    assert len(ids) > 3
    with CaptureQueriesContext(connection) as queries:
        assert Unit.objects.filter(InIdList("id", ids)).count() == len(ids)
    sql = queries.captured_queries[0]["sql"]
    # Not one placeholder per id: an array, or a JSON text SQLite reads as a table.
    assert ("= ANY(" in sql) if connection.vendor == "postgresql" else ("json_each(" in sql), sql


def test_an_empty_list_matches_nothing(world: World) -> None:
    assert not Unit.objects.filter(InIdList("id", [])).exists()
    # An OR with another condition keeps the other side.
    assert list(Unit.objects.filter(Q(InIdList("id", [])) | Q(pk=world.county.pk))) == [world.county]


def test_unindexed_sorts_like_the_column(world: World) -> None:
    by_path = list(Unit.objects.order_by("-path", "id").values_list("pk", flat=True))
    assert len(by_path) > 3
    assert list(Unit.objects.order_by(Unindexed("path").desc(), "id").values_list("pk", flat=True)) == by_path
    sql = str(Unit.objects.order_by(Unindexed("path").asc()).query)
    assert 'ORDER BY COALESCE("core_unit"."path", "core_unit"."path") ASC' in sql


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting")
def test_postgresql_connections_run_without_jit() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)


class _SmallWorkMem(PlannerSettingsIterable):
    SETTINGS = (("work_mem", "'1234kB'"),)


def _work_mem() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW work_mem")
        return str(cursor.fetchone()[0])


def _settings_seen(units: Any) -> set[str]:
    """The ``mem`` annotation of each row (Django adds it; the model has no such attribute)."""
    return {unit.__dict__["mem"] for unit in units}


def test_planner_settings_hold_for_their_query_alone(world: World) -> None:
    plain = Unit.objects.order_by("path")
    held = with_iterable(plain, _SmallWorkMem)
    # Slicing and filtering keep the iterable; the rows are the same.
    assert list(held[:2]) == list(plain[:2])
    assert list(held.filter(kind=world.village.kind)) == list(plain.filter(kind=world.village.kind))
    if connection.vendor != "postgresql":
        return
    before = _work_mem()
    assert before != "1234kB"
    with_mem = Unit.objects.annotate(mem=RawSQL("current_setting('work_mem')", []))
    assert _settings_seen(with_iterable(with_mem, _SmallWorkMem)) == {"1234kB"}
    # Inside the test's transaction too, the setting is back once the rows are read.
    assert _work_mem() == before
    assert _settings_seen(with_mem.all()) == {before}
