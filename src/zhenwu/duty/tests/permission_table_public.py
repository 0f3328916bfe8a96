"""Role x route rules of the duty public routes (see zhenwu.testing.permissions)."""

from zhenwu.testing.permissions import Check

TABLE: dict[str, list[Check]] = {}
