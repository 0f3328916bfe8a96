"""Role x route rules of the duty staff_rosters pages (see zhenwu.testing.permissions)."""

from zhenwu.testing.permissions import Check

TABLE: dict[str, list[Check]] = {}
