"""Role x route rules of the duty api routes (see zhenwu.testing.permissions)."""

from zhenwu.testing.permissions import Check

TABLE: dict[str, list[Check]] = {}
