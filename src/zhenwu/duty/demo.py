"""Demo duty data for `make run`: a month's duty roster of 河坝镇 and its leaders' reception days.

The office of the demo township (``hb_office``) plans a roster for the township from seven days
before the day of loading to 24 days after it, named after the month most of it falls in (loaded on
2026-12-01: "12月值班表", 11-24 to 12-25):

* shifts: 白班 08:30–17:30 and 夜班 17:30–08:30 on working days, each with one leader on duty and
  one duty officer; 节假日全天 08:30–08:30 on weekends and statutory holidays with one leader and
  two officers. Which days are working days comes from the deadline engine's calendar, which knows
  only the years it has been given (2026 at the time of writing). **When the period reaches into a
  year the calendar does not know** (loading after 2026-12-07 runs into 2027), the working-day and
  rest-day shifts cannot be laid out (the engine never guesses holidays), so the roster uses
  白班 and 夜班 *every day* instead. This keeps the demo loadable on any date, rather than cutting the
  roster short at 12-31 (which would leave no future shifts at all once the year has turned);
* the pool: every leader of the township in turn as leader on duty; the township's office staff and
  mediators (the staff who work at the township itself, so they can sign on there) as duty officers;
* one officer (党政办工作人员) on annual leave for three days from the next Tuesday, entered before
  generating (so no shift of theirs falls on it);
* the roster is generated and published three days before it starts, so the whole past week is
  filled (``roster_generate`` with ``now`` at that moment).

The past is then written the way a real week looks: everyone on a shift that has started signed on
before it began; a few duty log entries; and one handover whose open item (a call about fallen rocks
on a village road) was carried to the next shift, which closed it.

How past moments are written (as in ``reports/demo.py``): the loader runs at the real time, and the
services take their clock from ``django.utils.timezone.now``, as they must. For demo data only, each
historical act runs inside ``unittest.mock.patch("django.utils.timezone.now")`` set to the moment it
is meant to have happened, so every rule of the service (sign-on window, no log entry in the future,
handover after the start) applies exactly as it would have then. Audit events keep the real time of
loading.

Also three reception days (领导接访日) at 镇综治中心接访室: 党委书记 next Monday morning and 镇长 on
the Thursday after it (both published on the public page), and 党委书记 the Monday after that, not
yet published.

Only staff data: who is on duty, their sign-ons and the duty log of the township's own work. Nothing
here names or follows any resident (README, "What it deliberately does not do").
"""

import datetime
import random
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhenwu.core.choices import Role
from zhenwu.core.deadlines import WorkCalendar
from zhenwu.core.demo import register_demo
from zhenwu.core.localtime import beijing_moment
from zhenwu.core.models import Unit, User
from zhenwu.duty.choices import LogKind, Position, ShiftDays
from zhenwu.duty.models import DutyLogEntry, ReceptionDay, Roster, Shift
from zhenwu.duty.selectors import coverage_report
from zhenwu.duty.services import (
    duty_log_add,
    leave_add,
    reception_create,
    roster_create,
    roster_generate,
    roster_members_set,
    roster_publish,
    shift_handover,
    shift_sign_on,
    shift_template_add,
)

DAYS_BEFORE = 7
DAYS_AFTER = 24
#: The office planned and published the roster this many days before it starts.
PLANNED_DAYS_AHEAD = 3
LEAVE_POSITION = "党政办工作人员"
LEAVE_DAYS = 3
PLACE = "镇综治中心接访室"
SECRETARY = "党委书记"
MAYOR = "党委副书记、镇长"


def _time(text: str) -> datetime.time:
    return datetime.time.fromisoformat(text)


#: (name, start, end, days, leaders, officers): by the calendar, and every day when it is unknown.
TEMPLATES_BY_CALENDAR = (
    ("白班", "08:30", "17:30", ShiftDays.WORKING_DAYS, 1, 1),
    ("夜班", "17:30", "08:30", ShiftDays.WORKING_DAYS, 1, 1),
    ("节假日全天", "08:30", "08:30", ShiftDays.REST_DAYS, 1, 2),
)
TEMPLATES_EVERY_DAY = (
    ("白班", "08:30", "17:30", ShiftDays.EVERY_DAY, 1, 1),
    ("夜班", "17:30", "08:30", ShiftDays.EVERY_DAY, 1, 1),
)

FIRST_NOTE = "值班表启用，值班电话、传真测试正常，值班记录本已交接。"
WARNING_CALL = "县应急管理局来电：未来两天有寒潮大风降温，请做好防寒防冻和值班值守。"
WARNING_ACTION = "已在镇村干部工作群转发预警，提醒各村（社区）检查取暖用电和危旧房屋。"
PATROL = "巡查镇区消防通道和集贸市场，情况正常。"
OPEN_CALL = "河西村来电：村道一处边坡有落石，村委会已设置警示标志，需镇交通办现场查看。"
HANDOVER = "本班接电话两次，已登记。河西村村道落石待镇交通办现场查看，请下一班跟进。"
CLOSED = "镇交通办已现场查看并清理落石，道路恢复通行，已电话告知河西村村委会。"


@contextmanager
def _clock_at(moment: datetime.datetime) -> Iterator[None]:
    """Demo data only: the service's clock reads ``moment`` (see the module docstring)."""
    with mock.patch("django.utils.timezone.now", return_value=moment.astimezone(datetime.UTC)):
        yield


def roster_name(starts_on: datetime.date, ends_on: datetime.date) -> str:
    """Named after the month most of the period falls in: 11-24..12-25 is "12月值班表"."""
    middle = starts_on + (ends_on - starts_on) / 2
    return f"{middle.month}月值班表"


def uses_calendar(calendar: WorkCalendar, starts_on: datetime.date, ends_on: datetime.date) -> bool:
    """Working-day and rest-day shifts only when the calendar knows every year of the period."""
    return all(calendar.knows_year(year) for year in range(starts_on.year, ends_on.year + 1))


def _working_day(calendar: WorkCalendar, day: datetime.date) -> datetime.date:
    """``day``, or the first working day after it (weekdays where the calendar does not know the year)."""
    while True:
        if calendar.knows_year(day.year):
            if calendar.is_working_day(day):
                return day
        elif day.weekday() < 5:
            return day
        day += datetime.timedelta(days=1)


def _next_weekday(day: datetime.date, weekday: int) -> datetime.date:
    """The first ``weekday`` strictly after ``day``."""
    return day + datetime.timedelta(days=(weekday - day.weekday() - 1) % 7 + 1)


def _first(people: list[User], position: str) -> User | None:
    return next((p for p in people if p.position == position), None)


@transaction.atomic
def duty_demo_load() -> str:
    """Idempotent: does nothing once the township has any roster or reception day (a second roster
    over the same weeks would put the same people in two places)."""
    township = Unit.objects.filter(code="HB", is_active=True).first()
    office = User.objects.filter(username="hb_office", is_active=True).select_related("unit").first()
    if township is None or office is None:
        return _("Demo duty: skipped (the demo township is incomplete).")
    if Roster.objects.filter(unit=township).exists() or ReceptionDay.objects.filter(unit=township).exists():
        return _("Demo duty: already there.")
    at_township = User.objects.filter(unit=township, is_active=True).order_by("pk")
    leaders = list(at_township.filter(role=Role.LEADER))
    officers = list(at_township.filter(role=Role.OFFICE)) + list(at_township.filter(role=Role.MEDIATOR))
    if len(leaders) < 3 or len(officers) < 4:
        return _("Demo duty: skipped (the demo township is incomplete).")
    rng = random.Random(2026)  # noqa: S311 -- invented demo moments, not security
    now = timezone.now()
    today = timezone.localdate(now)
    calendar = WorkCalendar()
    starts_on = today - datetime.timedelta(days=DAYS_BEFORE)
    ends_on = today + datetime.timedelta(days=DAYS_AFTER)
    planned_at = beijing_moment(starts_on - datetime.timedelta(days=PLANNED_DAYS_AHEAD), _time("10:00"))

    with _clock_at(planned_at):
        roster = roster_create(
            actor=office,
            unit=township,
            name=roster_name(starts_on, ends_on),
            starts_on=starts_on,
            ends_on=ends_on,
        )
        templates = (
            TEMPLATES_BY_CALENDAR if uses_calendar(calendar, starts_on, ends_on) else TEMPLATES_EVERY_DAY
        )
        for name, start, end, days, leaders_required, officers_required in templates:
            shift_template_add(
                actor=office,
                roster=roster,
                name=name,
                start_time=_time(start),
                end_time=_time(end),
                days=days,
                leaders_required=leaders_required,
                officers_required=officers_required,
            )
        roster_members_set(actor=office, roster=roster, position=Position.LEADER, people=leaders)
        roster_members_set(actor=office, roster=roster, position=Position.OFFICER, people=officers)
        on_leave = _first(officers, LEAVE_POSITION)
        if on_leave is not None:
            # Three days of annual leave from the next Tuesday (or the first working day after it).
            first = _working_day(calendar, _next_weekday(today, 1))
            leave_add(
                actor=office,
                person=on_leave,
                starts_on=first,
                ends_on=first + datetime.timedelta(days=LEAVE_DAYS - 1),
                reason="年休假",
            )
        roster_generate(actor=office, roster=roster, now=planned_at)
    with _clock_at(planned_at + datetime.timedelta(hours=2)):
        problems = coverage_report(roster).problem_lines()
        # The demo pool covers every shift; should a calendar oddity leave a gap, publish it as a
        # real office would, with the recorded confirmation.
        roster_publish(
            actor=office,
            roster=roster,
            confirm_gaps=bool(problems),
            note="演示数据：个别班次待补排。" if problems else "",
        )

    shifts = list(
        Shift.objects.filter(roster=roster)
        .select_related("template", "unit", "roster")
        .prefetch_related("assignments__person")
        .order_by("starts_at", "id")
    )
    sign_ons = _sign_on(shifts, now, rng)
    entries = _log(shifts, office, now)
    receptions = _receptions(township, office, leaders, calendar, today)
    return _(
        "Demo duty: roster %(name)s with %(shifts)d shifts, %(sign_ons)d sign-ons, %(entries)d log "
        "entries; %(receptions)d reception days."
    ) % {
        "name": roster.name,
        "shifts": len(shifts),
        "sign_ons": sign_ons,
        "entries": entries,
        "receptions": receptions,
    }


def _sign_on(shifts: list[Shift], now: datetime.datetime, rng: random.Random) -> int:
    """Everyone on a shift that has started signed on 5 to 40 minutes before it began."""
    count = 0
    for shift in shifts:
        if shift.starts_at > now:
            break
        for assignment in shift.assignments.all():
            moment = shift.starts_at - datetime.timedelta(minutes=rng.randint(5, 40))
            with _clock_at(moment):
                shift_sign_on(actor=assignment.person, shift=shift)
            count += 1
    return count


def _writer(shift: Shift, office: User) -> User:
    """The shift's (first) duty officer writes its log; the office when nobody holds the position."""
    officers = [a for a in shift.assignments.all() if a.position == Position.OFFICER]
    return min(officers, key=lambda a: a.pk).person if officers else office


def _write(
    shift: Shift,
    author: User,
    moment: datetime.datetime,
    kind: str,
    text: str,
    *,
    is_open: bool = False,
    resolves: DutyLogEntry | None = None,
) -> DutyLogEntry:
    """One log entry written at ``moment`` (see the module docstring)."""
    with _clock_at(moment):
        return duty_log_add(
            actor=author, shift=shift, kind=kind, text=text, is_open=is_open, resolves=resolves
        )


def _log(shifts: list[Shift], office: User, now: datetime.datetime) -> int:
    """A few log entries of the past week, and one handover carrying an open item that the next
    shift closed. Only shifts that have ended are written in, each within its own hours."""
    ended = [s for s in shifts if s.ends_at <= now]
    if not ended:
        return 0
    hour = datetime.timedelta(hours=1)
    # The handover: the last shift that ended a day or more ago, and the one after it.
    handed = next((s for s in reversed(ended) if s.ends_at <= now - datetime.timedelta(days=1)), ended[0])
    index = shifts.index(handed)
    following = shifts[index + 1] if index + 1 < len(shifts) else None
    entries: list[DutyLogEntry] = []
    quiet = [s for s in ended if s not in (handed, following)]
    if quiet:
        first, warned, patrolled = quiet[0], quiet[len(quiet) // 3], quiet[2 * len(quiet) // 3]
        entries.append(
            _write(first, _writer(first, office), first.starts_at + hour, LogKind.NOTE, FIRST_NOTE)
        )
        author = _writer(warned, office)
        entries.append(_write(warned, author, warned.starts_at + hour, LogKind.CALL, WARNING_CALL))
        entries.append(_write(warned, author, warned.starts_at + 2 * hour, LogKind.ACTION, WARNING_ACTION))
        entries.append(
            _write(
                patrolled, _writer(patrolled, office), patrolled.starts_at + 2 * hour, LogKind.EVENT, PATROL
            )
        )
    author = _writer(handed, office)
    item = _write(handed, author, handed.starts_at + 2 * hour, LogKind.CALL, OPEN_CALL, is_open=True)
    entries.append(item)
    with _clock_at(handed.ends_at - datetime.timedelta(minutes=10)):
        shift_handover(actor=author, shift=handed, summary=HANDOVER)  # carries the open item
    if following is not None and following.starts_at + 2 * hour < now:
        closer = _writer(following, office)
        moment = following.starts_at + 2 * hour
        entries.append(_write(following, closer, moment, LogKind.ACTION, CLOSED, resolves=item))
    return len(entries)


def _receptions(
    township: Unit, office: User, leaders: list[User], calendar: WorkCalendar, today: datetime.date
) -> int:
    """党委书记 next Monday morning and 镇长 that Thursday afternoon (published); 党委书记 the Monday
    after, not yet published."""
    secretary, mayor = _first(leaders, SECRETARY), _first(leaders, MAYOR)
    monday = _working_day(calendar, _next_weekday(today, 0))
    plans = []
    if secretary is not None:
        plans.append((secretary, monday, "09:00", "12:00", "", True))
        following = _working_day(calendar, _next_weekday(monday, 0))
        plans.append((secretary, following, "09:00", "12:00", "", False))
    if mayor is not None:
        thursday = _working_day(calendar, monday + datetime.timedelta(days=3))
        plans.append((mayor, thursday, "14:30", "17:30", "土地征收、劳动保障", True))
    for leader, day, start, end, topic, publish in plans:
        reception_create(
            actor=office,
            unit=township,
            leader=leader,
            on_date=day,
            start_time=_time(start),
            end_time=_time(end),
            place=PLACE,
            topic=topic,
            publish=publish,
        )
    return len(plans)


register_demo(duty_demo_load)
