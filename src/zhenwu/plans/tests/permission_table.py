"""Role × route table of the plans app: the staff pages and the API."""

from zhenwu.plans.tests.permission_table_api import TABLE as API
from zhenwu.plans.tests.permission_table_staff import TABLE as STAFF
from zhenwu.testing.permissions import Check

TABLE: dict[str, list[Check]] = {**STAFF, **API}
