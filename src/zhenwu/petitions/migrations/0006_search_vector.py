"""PostgreSQL: the matters' text-search vectors stored in a generated column, indexed in place of
the expression index of migration 0002 (see petitions/search.py). Nothing on other databases.

A page that walks the date index tests each row it reads against the words; with the expression
index each test recomputed ``to_tsvector`` from the row's text (~45 µs), with the stored column it
reads the vector (a county office's page of 宅基地: 42 → 7 ms of SQL, ``make bench``). As
PostgreSQL's documentation on text-search indexes puts it, a separate column also spares the
recheck of a lossy index scan the same recomputation. The column roughly doubles the table's heap
(the county's 10^5 matters: 62 → 124 MB). Adding it rewrites the table once: ~16 s for 10^5 matters.
"""

from typing import Any

from django.db import migrations

FORWARD = [
    "ALTER TABLE petitions_petition ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED",
    "CREATE INDEX IF NOT EXISTS petitions_search_vector_gin ON petitions_petition USING gin (search_vector)",
    "DROP INDEX IF EXISTS petitions_search_gin",
    # The rewritten table has no statistics for the new column until the next ANALYZE, which a
    # rewrite does not prompt. Without them, the county office's page of 拖欠工资 took 278 ms
    # instead of 61 (make bench, before and after an ANALYZE by hand).
    "ANALYZE petitions_petition",
]
BACKWARD = [
    "CREATE INDEX IF NOT EXISTS petitions_search_gin ON petitions_petition "
    "USING gin (to_tsvector('simple', search_text))",
    "DROP INDEX IF EXISTS petitions_search_vector_gin",
    "ALTER TABLE petitions_petition DROP COLUMN IF EXISTS search_vector",
    "ANALYZE petitions_petition",
]


def forward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql)


def backward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0005_scope_side_indexes"),
    ]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
