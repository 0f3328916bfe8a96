"""The ledger's date-order index and the deadline index, which differ per database.

- **SQLite** gets them with the scope's columns (unit, handling unit, accused unit, accused
  official), so a deep page's ids (``OFFSET``; ``core.views.common.RememberedCountPaginator``)
  and a dashboard's deadline counts are read from the index alone: a county office's page 1,501
  took ~400 ms and takes ~110 ms (``make bench``). With the plain indexes beside them, SQLite
  sometimes chose a plain one and read the table (a dashboard 78 → 100 ms), so it has only these.
- **PostgreSQL** keeps the plain ``(stage, due_on)`` and ``(received_at DESC, id DESC)``. With the
  covering ones its planner walked the ledger in date order computing every row's full-text match
  (a county office's search at province scale: 2.1 s); it does the same through the plain date
  index once its statistics are fresh (docs/performance.md), so the covering ones are not the
  cause there, but they did not help either and PostgreSQL was measured without them.
- **SQLite** also gets the scope alone, from each side (``unit_id …`` and ``handling_unit_id …``)
  and by id: a scope is counted, a small scope's search read (``ledger.ledger_search_from_scope``),
  and a search's matches tested against the scope from the indexes alone, not from the table's
  rows, which hold the texts. A county office's scope of 20,000 matters in a province: 99 → 22 ms.
- **Both** get the ledger's sorts by deadline, either way, and by status (migration 0007): on
  SQLite with the scope's columns, on PostgreSQL plain. SQLite also gets the category and channel
  filters in date order with the scope's columns (beside Django's plain ones, which the state
  tracks). The deadline's are on ``(due_on IS NULL),
  due_on, id``, the expressions ``ledger.ledger_order`` sorts by (matters without a deadline
  last; SQLite's indexes cannot serve ``NULLS LAST``). A county office's page 1 by deadline
  sorted all 10^5 matters: 386 → 42 ms on SQLite, 256 → 50 ms on PostgreSQL.

Django cannot declare an index for one database, so ``Petition.Meta`` declares neither and
migration 0004 makes them (on PostgreSQL the plain ones are those migration 0001 created). Django
rebuilds a SQLite table for most ALTERs and recreates only the indexes it knows: a later migration
that alters ``petitions_petition`` must call ``vendor_indexes_create`` again, as it must
``search.sqlite_search_triggers_create``; ``test_search`` checks that both are there.
"""

from django.db.backends.base.base import BaseDatabaseWrapper

#: The columns the scope tests (``selectors.petition_scope_q``), which SQLite's indexes carry.
_SCOPE = "unit_id, handling_unit_id, accused_unit_id, accused_user_id"


def _indexes(*definitions: tuple[str, str]) -> dict[str, str]:
    """``{name: CREATE INDEX …}`` on the matters' table, from ``(name, columns)``."""
    return {
        name: f"CREATE INDEX IF NOT EXISTS {name} ON petitions_petition ({columns})"
        for name, columns in definitions
    }


VENDOR_INDEXES: dict[str, dict[str, str]] = {
    "sqlite": _indexes(
        ("petitions_received_scope_idx", f"received_at DESC, id DESC, {_SCOPE}"),
        ("petitions_stage_due_scope_idx", f"stage, due_on, {_SCOPE}"),
        # The scope's two sides, each with the other columns the scope tests (migration 0005).
        ("petitions_unit_scope_idx", _SCOPE),
        ("petitions_handling_scope_idx", "handling_unit_id, unit_id, accused_unit_id, accused_user_id"),
        # And by id, with the status: a search's matches are tested against the scope (and a
        # status filter) here, not in the table's wide rows (a township office's count of 工资
        # in a county: 32 → 17 ms; with a status filter, a county office's page 91 → 80 ms).
        ("petitions_id_scope_idx", f"id, {_SCOPE}, status"),
        # The ledger's sorts by deadline (either way, ``ledger.ledger_order``) and by status, with
        # the scope's columns (migration 0007): page 1 of a county office sorted by deadline
        # sorted all 10^5 matters and took ~350 ms.
        ("petitions_due_scope_idx", f"(due_on IS NULL), due_on, id, {_SCOPE}"),
        ("petitions_due_desc_scope_idx", f"(due_on IS NULL), due_on DESC, id DESC, {_SCOPE}"),
        # By status, newest first within one: it also serves a status filter in the default order
        # (a plain (status, id) was taken for that filter and read all 11,848 matters handling).
        ("petitions_status_scope_idx", f"status, received_at DESC, id DESC, {_SCOPE}"),
        # A category or channel filter in date order, with the scope's columns: a township office's
        # count of a category read the whole table (57 ms), of a channel every such matter's row
        # (35 ms); from these, 4 and 5 ms.
        ("petitions_category_scope_idx", f"category_id, received_at DESC, id DESC, {_SCOPE}"),
        ("petitions_channel_scope_idx", f"channel, received_at DESC, id DESC, {_SCOPE}"),
    ),
    "postgresql": _indexes(
        ("petitions_received_idx", "received_at DESC, id DESC"),
        ("petitions_stage_due_idx", "stage, due_on"),
        # The ledger's sorts by deadline and by status (migration 0007), as on SQLite but plain.
        ("petitions_due_order_idx", "(due_on IS NULL), due_on, id"),
        ("petitions_due_desc_order_idx", "(due_on IS NULL), due_on DESC, id DESC"),
        ("petitions_status_order_idx", "status, received_at DESC, id DESC"),
    ),
}
#: The plain indexes of migration 0001, which SQLite does not keep.
PLAIN_INDEXES = ("petitions_received_idx", "petitions_stage_due_idx")


def vendor_indexes_create(connection: BaseDatabaseWrapper) -> None:
    """This database's indexes (and on SQLite, without the plain ones)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in PLAIN_INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
        for sql in VENDOR_INDEXES.get(connection.vendor, {}).values():
            cursor.execute(sql)


def vendor_indexes_drop(connection: BaseDatabaseWrapper) -> None:
    """Back to migration 0001's plain indexes on every database."""
    with connection.cursor() as cursor:
        for name in VENDOR_INDEXES.get(connection.vendor, {}):
            if name not in PLAIN_INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
        for sql in VENDOR_INDEXES["postgresql"].values():
            cursor.execute(sql)
