"""Role x route rules of the duty staff_desk pages (see zhenwu.testing.permissions)."""

from zhenwu.testing.permissions import Check

TABLE: dict[str, list[Check]] = {}
