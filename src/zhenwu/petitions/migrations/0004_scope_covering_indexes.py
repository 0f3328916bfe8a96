"""The date-order and deadline indexes per database (``petitions/vendor_indexes.py``): SQLite gets
them with the scope's columns instead of the plain ones, PostgreSQL keeps the plain ones. Django's
state no longer tracks either."""

from typing import Any

from django.db import migrations

from zhenwu.petitions.vendor_indexes import vendor_indexes_create, vendor_indexes_drop


def create(apps: Any, schema_editor: Any) -> None:
    vendor_indexes_create(schema_editor.connection)


def drop(apps: Any, schema_editor: Any) -> None:
    vendor_indexes_drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0003_encrypt_personal_data"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="petition", name="petitions_stage_due_idx"),
                migrations.RemoveIndex(model_name="petition", name="petitions_received_idx"),
            ],
            database_operations=[migrations.RunPython(create, drop, elidable=False)],
        ),
    ]
