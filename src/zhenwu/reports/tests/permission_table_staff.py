"""Role x route rules of the reports staff pages (see zhenwu.testing.permissions)."""

from zhenwu.testing.permissions import Check

TABLE: dict[str, list[Check]] = {}
