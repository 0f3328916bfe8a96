"""The duty demo: what ``load_demo`` adds for 河坝镇, that its past looks real, and that it loads once.

Each test loads the core demo and the domain demos (the project loads per test; there is no
module-scoped database fixture). The clock is frozen by the duty conftest; each test moves it.
"""

import datetime
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import translation

from zhenwu.core.choices import Role
from zhenwu.core.models import AuditEvent, Unit, User
from zhenwu.duty.choices import Position, RosterStatus, ShiftDays
from zhenwu.duty.demo import PLACE, duty_demo_load
from zhenwu.duty.models import (
    DutyLogEntry,
    Handover,
    Leave,
    ReceptionDay,
    Roster,
    RosterMember,
    Shift,
    ShiftAssignment,
    SignOn,
)
from zhenwu.duty.selectors import coverage_report, fairness_report, public_receptions
from zhenwu.duty.tests.factories import at

pytestmark = pytest.mark.django_db

#: Words of the purposes the README excludes; no demo text may carry them (as in the reports demo).
EXCLUDED_WORDS = ("重点人员", "稳控", "劝返", "越级", "行踪", "盯守", "截访")


def load() -> str:
    """Run ``load_demo`` with its messages in English (the site's default is Chinese)."""
    out = StringIO()
    with translation.override("en"):
        call_command("load_demo", stdout=out)
    return out.getvalue()


def state_of_everything() -> dict[str, Any]:
    return {
        "rosters": list(Roster.objects.order_by("pk").values_list("pk", "name", "status", "published_at")),
        "templates": list(Shift.objects.order_by("pk").values_list("pk", "template_id", "starts_at")),
        "members": list(RosterMember.objects.order_by("pk").values_list("pk", "person_id", "position")),
        "assignments": list(ShiftAssignment.objects.order_by("pk").values_list("pk", "person_id")),
        "leave": list(Leave.objects.order_by("pk").values_list("pk", "person_id", "starts_on", "ends_on")),
        "sign_ons": list(SignOn.objects.order_by("pk").values_list("pk", "signed_at")),
        "log": list(DutyLogEntry.objects.order_by("pk").values_list("pk", "text")),
        "handovers": list(Handover.objects.order_by("pk").values_list("pk", "next_shift_id")),
        "receptions": list(ReceptionDay.objects.order_by("pk").values_list("pk", "on_date", "is_published")),
        "audit": AuditEvent.objects.count(),
    }


def demo_texts() -> list[str]:
    texts = list(Roster.objects.values_list("name", flat=True))
    texts += list(Shift.objects.values_list("template__name", flat=True).distinct())
    texts += list(DutyLogEntry.objects.values_list("text", flat=True))
    texts += list(Handover.objects.values_list("summary", flat=True))
    texts += list(Leave.objects.values_list("reason", flat=True))
    for place, topic in ReceptionDay.objects.values_list("place", "topic"):
        texts += [place, topic]
    return texts


def test_demo_roster_of_the_township_with_a_real_past_week_and_receptions_loads_once(clock):
    now = at("2026-12-01", 10, 30)  # a Tuesday
    clock.move_to(now)
    out = load()
    assert "Demo duty: roster 12月值班表 with 56 shifts" in out
    assert "3 reception days" in out

    township = Unit.objects.get(code="HB")
    office = User.objects.get(username="hb_office")
    roster = Roster.objects.get(unit=township)
    assert (roster.name, roster.starts_on, roster.ends_on) == (
        "12月值班表",
        datetime.date(2026, 11, 24),
        datetime.date(2026, 12, 25),
    )
    assert roster.status == RosterStatus.PUBLISHED and roster.published_with_gaps == []
    assert roster.created_by == office == roster.published_by
    assert roster.published_at is not None and roster.published_at < at("2026-11-24", 0)
    templates = {
        t.name: (t.start_time, t.end_time, t.days, t.leaders_required, t.officers_required)
        for t in roster.templates.all()
    }
    assert templates == {
        "白班": (datetime.time(8, 30), datetime.time(17, 30), ShiftDays.WORKING_DAYS, 1, 1),
        "夜班": (datetime.time(17, 30), datetime.time(8, 30), ShiftDays.WORKING_DAYS, 1, 1),
        "节假日全天": (datetime.time(8, 30), datetime.time(8, 30), ShiftDays.REST_DAYS, 1, 2),
    }
    # 2026-11-24 .. 12-25: 24 working days (two shifts each) and 8 weekend days (one 24-hour shift).
    assert Shift.objects.filter(roster=roster, is_rest_day=False).count() == 48
    assert set(
        Shift.objects.filter(roster=roster, is_rest_day=True).values_list("template__name", flat=True)
    ) == {"节假日全天"}

    # The pool: every leader of the township; its office staff and mediators as duty officers.
    pool = {
        (m.person.role, m.position)
        for m in RosterMember.objects.filter(roster=roster).select_related("person")
    }
    assert pool == {
        (Role.LEADER, Position.LEADER),
        (Role.OFFICE, Position.OFFICER),
        (Role.MEDIATOR, Position.OFFICER),
    }
    leaders = set(User.objects.filter(unit=township, role=Role.LEADER))
    assert {m.person for m in RosterMember.objects.filter(roster=roster, position=Position.LEADER)} == leaders

    # Every shift is staffed as required, nobody in two places, on leave or short of rest.
    report = coverage_report(roster)
    assert report.ok, report.problem_lines()
    assert not [u for u in report.understaffed if u.shift.starts_at > now]
    rows = [row for row in fairness_report(roster) if row.position == Position.OFFICER]
    assert max(row.shifts for row in rows) - min(row.shifts for row in rows) <= 2

    # The leave: an officer away for three days next week, with no shift then.
    leave = Leave.objects.get()
    assert leave.person.position == "党政办工作人员"
    assert (leave.starts_on, leave.ends_on) == (datetime.date(2026, 12, 8), datetime.date(2026, 12, 10))
    assert not ShiftAssignment.objects.filter(
        person=leave.person, shift__on_date__range=(leave.starts_on, leave.ends_on)
    ).exists()
    assert ShiftAssignment.objects.filter(person=leave.person, shift__roster=roster).exists()

    # The past week: everyone on a shift that has started signed on before it began; nothing later.
    started = ShiftAssignment.objects.filter(shift__roster=roster, starts_at__lte=now)
    assert started.count() > 20
    assert SignOn.objects.count() == started.count()
    assert all(s.signed_at < s.shift.starts_at for s in SignOn.objects.select_related("shift"))
    assert not SignOn.objects.filter(shift__starts_at__gt=now).exists()
    assert not DutyLogEntry.objects.filter(created_at__gt=now).exists()

    # A few log entries, by the people on duty; one handover carrying an open item the next shift closed.
    entries = list(DutyLogEntry.objects.select_related("shift", "author"))
    assert 4 <= len(entries) <= 10
    for entry in entries:
        assert entry.shift.starts_at <= entry.created_at < entry.shift.ends_at
        assert entry.shift.assignments.filter(person=entry.author).exists()
    handover = Handover.objects.get()
    (carried,) = handover.carried.all()
    assert carried.is_open and carried.shift == handover.shift
    assert handover.next_shift is not None and handover.next_shift.starts_at == handover.shift.ends_at
    assert (
        handover.shift.ends_at - datetime.timedelta(minutes=30)
        < handover.handed_over_at
        < handover.shift.ends_at
    )
    closing = DutyLogEntry.objects.get(resolves=carried)
    assert closing.shift == handover.next_shift

    # Reception days: 党委书记 next Monday morning, 镇长 that Thursday; the Monday after not yet published.
    receptions = [
        (r.leader.position, r.on_date, r.start_time, r.is_published)
        for r in ReceptionDay.objects.select_related("leader").order_by("on_date")
    ]
    assert receptions == [
        ("党委书记", datetime.date(2026, 12, 7), datetime.time(9), True),
        ("党委副书记、镇长", datetime.date(2026, 12, 10), datetime.time(14, 30), True),
        ("党委书记", datetime.date(2026, 12, 14), datetime.time(9), False),
    ]
    assert set(ReceptionDay.objects.values_list("place", flat=True)) == {PLACE}
    assert [r.on_date for r in public_receptions(today=now.date())] == [
        datetime.date(2026, 12, 7),
        datetime.date(2026, 12, 10),
    ]

    # Only staff data: no text serves a purpose the README excludes.
    assert not [text for text in demo_texts() if any(word in text for word in EXCLUDED_WORDS)]

    # Loading again changes nothing, not even the audit log.
    before = state_of_everything()
    clock.move_to(at("2026-12-02", 12))
    assert "Demo duty: already there." in load()
    assert state_of_everything() == before


def test_a_period_reaching_into_a_year_the_calendar_does_not_know_uses_every_day_shifts(clock):
    now = at("2026-12-20", 21)  # a Sunday evening: the roster runs to 2027-01-13
    clock.move_to(now)
    out = load()
    assert "Demo duty: roster 12月值班表 with 64 shifts" in out  # 32 days x 2
    roster = Roster.objects.get()
    assert (roster.starts_on, roster.ends_on) == (datetime.date(2026, 12, 13), datetime.date(2027, 1, 13))
    assert set(roster.templates.values_list("name", "days")) == {
        ("白班", ShiftDays.EVERY_DAY),
        ("夜班", ShiftDays.EVERY_DAY),
    }
    assert roster.status == RosterStatus.PUBLISHED
    report = coverage_report(roster)
    assert report.ok, report.problem_lines()
    # The current night shift (Sunday 17:30 to Monday 08:30) is signed on; nothing after now.
    current = Shift.objects.get(roster=roster, starts_at__lte=now, ends_at__gt=now)
    assert current.template.name == "夜班"
    assert current.sign_ons.count() == current.assignments.count() == 2
    assert not SignOn.objects.filter(signed_at__gt=now).exists()
    assert Handover.objects.count() == 1
    assert ReceptionDay.objects.filter(is_published=True).count() == 2


def test_an_incomplete_township_is_skipped(clock, world):
    # The test world has 河坝镇 but no hb_office account.
    with translation.override("en"):
        assert duty_demo_load() == "Demo duty: skipped (the demo township is incomplete)."
    assert not Roster.objects.exists()


def test_the_spring_festival_week_is_covered_by_24_hour_shifts(clock):
    # Loaded on 2026-02-20, in the middle of the 春节 holiday (02-15 .. 02-23): nine rest days in a row,
    # then 02-28 (Saturday) is an adjusted working day.
    clock.move_to(at("2026-02-20", 11))
    load()
    roster = Roster.objects.get()
    assert roster.name == "2月值班表"
    holiday = Shift.objects.filter(roster=roster, on_date__range=("2026-02-15", "2026-02-23"))
    assert {(s.template.name, s.is_rest_day, s.day_name) for s in holiday} == {("节假日全天", True, "春节")}
    assert holiday.count() == 9
    adjusted = Shift.objects.filter(roster=roster, on_date="2026-02-28")
    assert sorted(s.template.name for s in adjusted) == ["夜班", "白班"]
    report = coverage_report(roster)
    assert report.ok, report.problem_lines()
