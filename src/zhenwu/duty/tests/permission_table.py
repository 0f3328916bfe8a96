"""Role × route table of the duty app: the staff pages, the public page and the API."""

from zhenwu.duty.tests.permission_table_api import TABLE as API
from zhenwu.duty.tests.permission_table_public import TABLE as PUBLIC
from zhenwu.duty.tests.permission_table_staff_desk import TABLE as DESK
from zhenwu.duty.tests.permission_table_staff_rosters import TABLE as ROSTERS
from zhenwu.testing.permissions import Check

TABLE: dict[str, list[Check]] = {**ROSTERS, **DESK, **PUBLIC, **API}
