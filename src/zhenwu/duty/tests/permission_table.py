"""Role × route table of the duty app: the staff pages, the public pages and the API."""

from zhenwu.duty.tests.permission_table_api import TABLE as API
from zhenwu.duty.tests.permission_table_public import TABLE as PUBLIC
from zhenwu.duty.tests.permission_table_staff import TABLE as STAFF
from zhenwu.testing.permissions import Check

TABLE: dict[str, list[Check]] = {**STAFF, **PUBLIC, **API}
