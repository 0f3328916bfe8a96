"""Two indexes SQLite gets and PostgreSQL does not: the ledger's order and the deadlines, each
with the scope's columns (unit, handling unit, accused unit, accused official).

On SQLite they let a deep page's ids (``OFFSET``; ``core.views.common.RememberedCountPaginator``)
and a dashboard's deadline counts be read from the index alone: a county office's page 1,501 took
~400 ms and takes ~120 ms (``make bench``). On PostgreSQL the same indexes made the planner walk
the ledger in date order and compute the full-text match of every row it passed (a county office's
search at province scale: 0.27 s → 2.1 s), so PostgreSQL keeps the plain indexes of
``Petition.Meta`` only.

They are created by migration 0004, not declared in ``Meta`` (Django cannot declare an index for
one database). Django rebuilds a SQLite table for most ALTERs and recreates only the indexes it
knows, so a later migration that alters ``petitions_petition`` must call
``sqlite_scope_indexes_create`` again, as it must ``search.sqlite_search_triggers_create``;
``test_search`` checks that both are there.
"""

from django.db.backends.base.base import BaseDatabaseWrapper

SQLITE_SCOPE_INDEXES = {
    "petitions_received_scope_idx": (
        "CREATE INDEX IF NOT EXISTS petitions_received_scope_idx ON petitions_petition "
        "(received_at DESC, id DESC, unit_id, handling_unit_id, accused_unit_id, accused_user_id)"
    ),
    "petitions_stage_due_scope_idx": (
        "CREATE INDEX IF NOT EXISTS petitions_stage_due_scope_idx ON petitions_petition "
        "(stage, due_on, unit_id, handling_unit_id, accused_unit_id, accused_user_id)"
    ),
}


def sqlite_scope_indexes_create(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for sql in SQLITE_SCOPE_INDEXES.values():
            cursor.execute(sql)


def sqlite_scope_indexes_drop(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for name in SQLITE_SCOPE_INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
