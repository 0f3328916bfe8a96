"""The petition lifecycle as one table (STYLE.md §4): status -> statuses it may move to."""

from zhenwu.petitions.choices import Status

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.REGISTERED: frozenset({Status.ACCEPTED, Status.DECLINED}),
    Status.ACCEPTED: frozenset({Status.ASSIGNED}),
    # A handling unit that says the matter is not theirs sends it back for re-assignment.
    Status.ASSIGNED: frozenset({Status.HANDLING, Status.ASSIGNED}),
    Status.HANDLING: frozenset({Status.ANSWERED, Status.ASSIGNED}),
    Status.ANSWERED: frozenset({Status.RATED, Status.UNDER_REVIEW, Status.CLOSED}),
    Status.RATED: frozenset({Status.UNDER_REVIEW, Status.CLOSED}),
    Status.UNDER_REVIEW: frozenset({Status.REVIEWED}),
    Status.REVIEWED: frozenset({Status.UNDER_RE_REVIEW, Status.CLOSED}),
    Status.UNDER_RE_REVIEW: frozenset({Status.RE_REVIEWED}),
    Status.RE_REVIEWED: frozenset({Status.CLOSED}),
    # A closed matter can still be taken to review/re-review while the resident's window is open.
    Status.CLOSED: frozenset({Status.UNDER_REVIEW, Status.UNDER_RE_REVIEW}),
    Status.DECLINED: frozenset(),
}


def can_move(current: str, target: str) -> bool:
    return target in ALLOWED_TRANSITIONS.get(current, frozenset())
