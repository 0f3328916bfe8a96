"""The full-text index over Petition.search_text, one per database vendor (see petitions/search.py).

Written by hand: the index is not a model field, so the SQL is frozen here. SQLite gets an FTS5
table whose content is the petitions table itself (``detail=none``: each token is looked up alone,
so positions are not stored, which halves the index) and triggers that keep it in step with every
insert, update of search_text and delete, including bulk_create and raw SQL. PostgreSQL gets a GIN
expression index that the query in search.py matches exactly. Other vendors get nothing (the
search then scans, correct but slow).
"""

from typing import Any

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE petitions_search USING fts5("
    "search_text, content='petitions_petition', content_rowid='id', "
    "tokenize='unicode61', detail=none, columnsize=0)",
    "CREATE TRIGGER IF NOT EXISTS petitions_search_ai AFTER INSERT ON petitions_petition BEGIN "
    "INSERT INTO petitions_search(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS petitions_search_ad AFTER DELETE ON petitions_petition BEGIN "
    "INSERT INTO petitions_search(petitions_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS petitions_search_au AFTER UPDATE OF search_text ON petitions_petition "
    "WHEN old.search_text IS NOT new.search_text BEGIN "
    "INSERT INTO petitions_search(petitions_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO petitions_search(rowid, search_text) VALUES (new.id, new.search_text); END",
    # Index the rows that exist already (none on a new installation).
    "INSERT INTO petitions_search(petitions_search) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS petitions_search_au",
    "DROP TRIGGER IF EXISTS petitions_search_ad",
    "DROP TRIGGER IF EXISTS petitions_search_ai",
    "DROP TABLE IF EXISTS petitions_search",
]
POSTGRES_FORWARD = [
    "CREATE INDEX IF NOT EXISTS petitions_search_gin ON petitions_petition "
    "USING gin (to_tsvector('simple', search_text))",
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS petitions_search_gin"]

FORWARD = {"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}
BACKWARD = {"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}


def create_index(apps: Any, schema_editor: Any) -> None:
    for sql in FORWARD.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def drop_index(apps: Any, schema_editor: Any) -> None:
    for sql in BACKWARD.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
