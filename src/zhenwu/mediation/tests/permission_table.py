"""Role × route table of the mediation app: the staff pages and the API."""

from zhenwu.mediation.tests.permission_table_api import TABLE as API
from zhenwu.mediation.tests.permission_table_staff import TABLE as STAFF
from zhenwu.testing.permissions import Check

TABLE: dict[str, list[Check]] = {**STAFF, **API}
