"""Reads of the public pages (and the public API route): look-up by number and code, the public timeline.

Nothing here returns anything about a person: only what the resident may be told about their matter.
"""

import datetime
import hmac
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from zhenwu.core.models import Unit
from zhenwu.petitions.choices import DeclineRoute, EventKind, IntakeChannel, Satisfaction, Status
from zhenwu.petitions.models import Petition, PetitionEvent

_DUMMY_HASH = "0" * 64

NOT_FOUND_MESSAGE = _(
    "No matter matches this number and query code. Check both and try again, "
    "or ask the office that registered your matter."
)


def petition_by_code(number: str, code: str) -> Petition | None:
    """The matter with this number if the code matches; one read, and the same work when it is missing."""
    try:
        petition = Petition.objects.only("pk", "query_code_hash").get(number=number)
    except Petition.DoesNotExist:
        hmac.compare_digest(_DUMMY_HASH, Petition.hash_query_code(code))
        return None
    return petition if petition.query_code_matches(code) else None


@dataclass
class TimelineEntry:
    occurred_at: datetime.datetime
    title: str
    details: list[tuple[str, str]] = field(default_factory=list)


def _date(value: object) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        return None


def label_of(choices: Any, value: object) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return ""


def _date_text(value: object) -> str:
    day = _date(value)
    return f"{day:%Y-%m-%d}" if day else ""


def public_timeline(petition: Petition) -> list[TimelineEntry]:
    """The public events of the matter, each reduced to what the resident is told.

    Only chosen fields of each event are shown: a staff member's note on a transition, the actor
    and anything not listed here never reach the page.
    """
    events = list(PetitionEvent.objects.filter(petition=petition, public=True).order_by("occurred_at", "id"))
    unit_ids = {
        e.data.get("handling_unit")
        for e in events
        if e.kind == EventKind.TRANSITION and e.to_status == Status.ASSIGNED
    }
    ids = [i for i in unit_ids if isinstance(i, int)]
    units = dict(Unit.objects.filter(pk__in=ids).values_list("pk", "name"))
    entries: list[TimelineEntry] = []
    for event in events:
        data = event.data if isinstance(event.data, dict) else {}
        entry = TimelineEntry(event.occurred_at, "")
        if event.kind == EventKind.REGISTERED:
            entry.title = gettext("Registered")
            entry.details.append(
                (pgettext("intake channel", "Channel"), label_of(IntakeChannel, data.get("channel")))
            )
            if due := _date_text(data.get("due_on")):
                entry.details.append((gettext("Acceptance notice due by"), due))
        elif event.kind == EventKind.TRANSITION:
            entry.title = label_of(Status, event.to_status)
            if event.to_status == Status.DECLINED:
                entry.details.append((gettext("Proper channel"), label_of(DeclineRoute, data.get("route"))))
                entry.details.append((gettext("Reason"), petition.decline_reason))
            elif event.to_status == Status.ASSIGNED and data.get("handling_unit") in units:
                entry.details.append((gettext("Handling unit"), units[data["handling_unit"]]))
            elif event.to_status == Status.RATED:
                entry.details.append(
                    (gettext("Your rating"), label_of(Satisfaction, data.get("satisfaction")))
                )
        elif event.kind == EventKind.EXTENDED:
            entry.title = gettext("Handling deadline extended")
            entry.details.append((gettext("Reason"), event.note))
            if due := _date_text(data.get("to")):
                entry.details.append((gettext("New due date"), due))
        elif event.kind == EventKind.NOTE and "hearing_days" in data:
            entry.title = gettext("Hearing time not counted")
            entry.details.append((gettext("Days"), str(data["hearing_days"])))
            if due := _date_text(data.get("due_on")):
                entry.details.append((gettext("New due date"), due))
        elif event.kind == EventKind.NOTE and "due_on" in data:
            entry.title = gettext("Due date set")
            entry.details.append((gettext("Due on"), _date_text(data.get("due_on"))))
        if entry.title:
            entries.append(entry)
    return entries
