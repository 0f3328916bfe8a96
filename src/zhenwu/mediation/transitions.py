"""The dispute lifecycle as one table (DESIGN.md: state machines are explicit)."""

from zhenwu.mediation.choices import DisputeStatus as S

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.REGISTERED: frozenset({S.ACCEPTED, S.DECLINED}),
    S.ACCEPTED: frozenset({S.AGREED, S.NOT_AGREED}),
    S.AGREED: frozenset({S.CLOSED}),
    S.NOT_AGREED: frozenset({S.CLOSED}),
    S.DECLINED: frozenset(),
    S.CLOSED: frozenset(),
}


def can_move(current: str, target: str) -> bool:
    return target in ALLOWED_TRANSITIONS.get(current, frozenset())
