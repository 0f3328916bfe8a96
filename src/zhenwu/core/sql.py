"""Small SQL building blocks the ORM does not have."""

import json
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Aggregate, BooleanField, F, Func, JSONField, QuerySet
from django.db.models.functions import Coalesce
from django.db.models.query import ModelIterable
from django.db.models.sql.compiler import SQLCompiler


class InIdList(Func):
    """``column IN (ids)`` with the whole list as one parameter: ``= ANY(%s)`` (an array) on
    PostgreSQL, ``IN (SELECT value FROM json_each(%s))`` on SQLite, a list of parameters elsewhere.

    ``Q(unit_id__in=ids)`` makes Django check, convert and bind each id as the queryset is built and
    again as it is compiled: with a county's ~400 unit ids that was ~6 ms a query, and a dashboard
    runs a dozen (``make bench``). The databases plan both forms the same way, through the column's
    index (given ``ANALYZE`` statistics on SQLite: ``core.maintenance.tasks``). ``json_each`` is
    SQLite's JSON1, which Django's ``JSONField`` (used here) needs anyway.

    A ``NOT`` of it leaves out rows whose column is NULL, like SQL's ``NOT IN``;
    ``Q(InIdList("unit_id", ids))`` composes with other conditions.
    """

    output_field = BooleanField()

    def __init__(self, column: str, ids: Iterable[int]) -> None:
        super().__init__(F(column))
        self.ids = [int(pk) for pk in ids]

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        if not self.ids:
            raise EmptyResultSet  # as Django's own ``__in=[]``: the condition matches nothing
        column_sql, params = compiler.compile(self.get_source_expressions()[0])
        if connection.vendor == "postgresql":
            return f"{column_sql} = ANY(%s)", [*params, self.ids]
        if connection.vendor == "sqlite":
            subquery = "SELECT value FROM json_each(%s)"
            return f"{column_sql} IN ({subquery})", [*params, json.dumps(self.ids, separators=(",", ":"))]
        marks = ", ".join(["%s"] * len(self.ids))
        return f"{column_sql} IN ({marks})", [*params, *self.ids]


class Unindexed(Coalesce):
    """A column as ``COALESCE(column, column)``: the same value, but no index matches it.

    For an ``ORDER BY`` that the database should sort after filtering rather than read from an
    index in order. With ``ORDER BY received_at DESC LIMIT 50`` and a rare word, PostgreSQL walks
    the date index and tests each row's text until it has 50 (a county office's search in a
    province: 40,000 rows and ~1 s); ordered by this expression, it finds the few matches through
    the text index and sorts them (``petitions.ledger.ledger_pages``). Neither PostgreSQL nor
    SQLite folds ``COALESCE(x, x)`` back to ``x``.
    """

    def __init__(self, column: str) -> None:
        super().__init__(F(column), F(column))


class JSONGroupArray(Aggregate):
    """A group's values as one JSON array: ``json_group_array`` on SQLite, ``jsonb_agg`` on
    PostgreSQL (``jsonb``, which Django reads as text and ``JSONField`` decodes). The order of the
    elements is not defined: put what orders them into each element.
    """

    function = "JSON_GROUP_ARRAY"
    output_field = JSONField()

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, Any]:
        return self.as_sql(compiler, connection, function="JSONB_AGG", **extra_context)


if TYPE_CHECKING:
    _ModelIterable = ModelIterable[Any]
else:
    _ModelIterable = ModelIterable  # generic in django-stubs only


class PlannerSettingsIterable(_ModelIterable):
    """Model rows read with PostgreSQL's planner settings ``SETTINGS`` changed for that query only.

    The query runs in ``transaction.atomic`` (a savepoint inside a transaction) after
    ``SET LOCAL``; the settings are put back ``TO DEFAULT`` once its rows are read, so neither a
    surrounding transaction nor the connection keeps them. If the query fails, the rollback undoes
    them. Other databases read the rows unchanged. Subclasses name the settings
    (``petitions.ledger.IndexWalkIterable``); ``with_iterable`` puts one on a queryset.
    """

    SETTINGS: tuple[tuple[str, str], ...] = ()

    def __iter__(self) -> Iterator[Any]:
        using = self.queryset.db
        connection = connections[using]
        if connection.vendor != "postgresql" or not self.SETTINGS:
            yield from super().__iter__()
            return
        # Constant names and values of the subclass, never user input.
        change = "; ".join(f"SET LOCAL {name} = {value}" for name, value in self.SETTINGS)
        restore = "; ".join(f"SET LOCAL {name} TO DEFAULT" for name, _value in self.SETTINGS)
        with transaction.atomic(using=using), connection.cursor() as cursor:
            cursor.execute(change)
            rows = list(super().__iter__())
            cursor.execute(restore)
        yield from rows


Q_ = TypeVar("Q_", bound=QuerySet[Any])


def with_iterable(queryset: Q_, iterable: type[_ModelIterable]) -> Q_:
    """A copy of ``queryset`` whose model rows are read by ``iterable`` (kept through slicing and
    further filters; ``values()`` and ``values_list()`` read as usual)."""
    clone = queryset.all()
    clone._iterable_class = iterable  # noqa: SLF001 -- Django's own hook for how rows are read
    return clone
