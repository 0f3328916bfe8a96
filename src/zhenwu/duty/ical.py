"""Duty shifts as iCalendar (RFC 5545) feeds, so that staff see their shifts in the phone's calendar.

A feed is read without signing in (calendar apps cannot sign in): the secret key in its URL is the
credential. Only a hash of the key is stored; the key is shown once when the feed is made, and a
revoked key answers 404 like an unknown one.

What a feed holds, and what it deliberately leaves out (a URL can end up in a cloud calendar):

* **A person's feed**: one event per shift of that person (from a month back on). The event says
  the shift, the position held, the roster, the unit (LOCATION), and the colleagues on the same
  shift with their positions and phones: the people one must be able to call while on duty, the
  same ones the duty desk shows. Nothing about other shifts or other people.
* **A unit's feed**: one event per shift of the unit's rosters, with who is on it (names and
  positions, no phones: a unit feed is shared more widely than a person's own feed, and a whole
  roster's phone list should not hang on one URL).
* Never in any feed: the duty log, open items or handover notes (they may be about residents),
  leave, swaps, or anything about a resident.

A feed stops working when it is revoked, when the person it is for is deactivated, or (for a unit
feed) when the colleague who made it may no longer see that unit.

Times are Beijing wall-clock times with ``TZID=Asia/Shanghai`` and a VTIMEZONE for it (UTC+8 and no
daylight saving time since 1991), so that a 24-hour shift from 08:30 ends at 08:30 the next day in
every calendar app. UIDs are stable per assignment (person feeds) or per shift (unit feeds), so a
phone updates an event in place when a swap or a takeover changes it.
"""

import datetime
from collections.abc import Callable, Iterable

from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, Timezone, TimezoneStandard

from zhenwu.core.localtime import BEIJING
from zhenwu.duty.choices import Position, RosterStatus
from zhenwu.duty.models import CalendarFeed, Shift, ShiftAssignment
from zhenwu.duty.selectors import feed_shifts

PRODID = "-//zhenwu//duty shifts//ZH"
UID_DOMAIN = "zhenwu"
#: How often calendar apps should fetch the feed again.
REFRESH = datetime.timedelta(hours=1)
CONTENT_TYPE = "text/calendar; charset=utf-8"

ShiftLink = Callable[[Shift], str]


def _shanghai() -> Timezone:
    """Asia/Shanghai: UTC+8 all year (China has had no daylight saving time since 1991)."""
    zone = Timezone()
    zone.add("TZID", "Asia/Shanghai")
    standard = TimezoneStandard()
    standard.add("DTSTART", datetime.datetime(1970, 1, 1))  # noqa: DTZ001 -- a VTIMEZONE onset is floating
    standard.add("TZOFFSETFROM", datetime.timedelta(hours=8))
    standard.add("TZOFFSETTO", datetime.timedelta(hours=8))
    standard.add("TZNAME", "CST")
    zone.add_component(standard)
    return zone


def _calendar(name: str, uid: str) -> Calendar:
    calendar = Calendar.new(prodid=PRODID, name=name, uid=uid, refresh_interval=REFRESH)
    calendar.add("X-WR-TIMEZONE", "Asia/Shanghai")
    calendar.add("X-PUBLISHED-TTL", "PT1H")
    calendar.add_component(_shanghai())
    return calendar


def _local(moment: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(moment, BEIJING)


def _status(shift: Shift) -> str:
    # A draft roster may still be laid out again: its shifts are tentative.
    return "CONFIRMED" if shift.roster.status == RosterStatus.PUBLISHED else "TENTATIVE"


def _person_line(assignment: ShiftAssignment, *, phone: bool) -> str:
    parts = [str(Position(assignment.position).label), assignment.person.get_full_name()]
    if phone and assignment.person.phone:
        parts.append(assignment.person.phone)
    return " ".join(parts)


def _event(
    *,
    uid: str,
    shift: Shift,
    summary: str,
    lines: Iterable[str],
    stamp: datetime.datetime,
    link: ShiftLink | None,
) -> Event:
    description = "\n".join(lines)
    url = link(shift) if link is not None else None
    if url:
        description = f"{description}\n{url}" if description else url
    event = Event.new(
        uid=uid,
        stamp=stamp,
        start=_local(shift.starts_at),
        end=_local(shift.ends_at),
        summary=summary,
        location=shift.unit.name,
        description=description,
        url=url or None,
    )
    event.add("STATUS", _status(shift))
    return event


def _colleagues_prefetch() -> Prefetch:
    return Prefetch(
        "shift__assignments",
        queryset=ShiftAssignment.objects.select_related("person").order_by("position", "id"),
    )


def person_calendar(
    feed: CalendarFeed,
    assignments: list[ShiftAssignment],
    *,
    now: datetime.datetime | None = None,
    link: ShiftLink | None = None,
) -> Calendar:
    """One event per shift of the feed's person, with the colleagues on it and their phones."""
    assert feed.person is not None  # noqa: S101 -- the caller chose a person feed
    person = feed.person
    now = now or timezone.now()
    # The colleagues of every shift in one more query.
    prefetch_related_objects(assignments, _colleagues_prefetch())
    name = _("Duty shifts of %(name)s") % {"name": person.get_full_name()}
    calendar = _calendar(name, f"duty-feed-{feed.pk}@{UID_DOMAIN}")
    for assignment in assignments:
        shift = assignment.shift
        colleagues = [a for a in shift.assignments.all() if a.person_id != person.pk]
        lines = [f"{shift.roster.name} · {shift.template.name}"]
        if colleagues:
            lines.append(_("On this shift with you:"))
            lines += [_person_line(a, phone=True) for a in colleagues]
        summary = _("Duty: %(shift)s (%(position)s)") % {
            "shift": shift.template.name,
            "position": Position(assignment.position).label,
        }
        calendar.add_component(
            _event(
                uid=f"duty-assignment-{assignment.pk}@{UID_DOMAIN}",
                shift=shift,
                summary=summary,
                lines=lines,
                stamp=now,
                link=link,
            )
        )
    return calendar


def unit_calendar(
    feed: CalendarFeed,
    shifts: list[Shift],
    *,
    now: datetime.datetime | None = None,
    link: ShiftLink | None = None,
) -> Calendar:
    """One event per shift of the feed's unit, with who is on it (names and positions, no phones)."""
    assert feed.unit is not None  # noqa: S101 -- the caller chose a unit feed
    unit = feed.unit
    now = now or timezone.now()
    name = _("Duty shifts of %(unit)s") % {"unit": unit.name}
    calendar = _calendar(name, f"duty-feed-{feed.pk}@{UID_DOMAIN}")
    for shift in shifts:
        # The unit is the feed's: set it so that LOCATION costs no query per shift.
        shift.unit = unit
        people = list(shift.assignments.all())
        leaders = [a.person.get_full_name() for a in people if a.position == Position.LEADER]
        names = "、".join(a.person.get_full_name() for a in people) or _("nobody assigned yet")
        summary = _("Duty: %(shift)s %(people)s") % {"shift": shift.template.name, "people": names}
        lines = [f"{shift.roster.name} · {shift.template.name}"]
        lines += [_person_line(a, phone=False) for a in people]
        if not leaders and people:
            lines.append(_("No leader on duty assigned."))
        calendar.add_component(
            _event(
                uid=f"duty-shift-{shift.pk}@{UID_DOMAIN}",
                shift=shift,
                summary=summary,
                lines=lines,
                stamp=now,
                link=link,
            )
        )
    return calendar


def feed_calendar(
    feed: CalendarFeed, *, now: datetime.datetime | None = None, link: ShiftLink | None = None
) -> bytes:
    """The feed as an .ics file (UTF-8, folded and escaped by the icalendar library)."""
    if feed.person is not None:
        assignments = [a for a in feed_shifts(person=feed.person) if isinstance(a, ShiftAssignment)]
        calendar = person_calendar(feed, assignments, now=now, link=link)
    else:
        shifts = [s for s in feed_shifts(unit=feed.unit) if isinstance(s, Shift)]
        calendar = unit_calendar(feed, shifts, now=now, link=link)
    return bytes(calendar.to_ical())
