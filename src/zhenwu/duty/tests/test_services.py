"""Duty services: generation (rotation, fairness, rest rule, leave), coverage, edits, swaps, publishing."""

import datetime
from collections import Counter
from collections.abc import Iterator

import pytest
from django.utils import translation

from zhenwu.core.choices import Role
from zhenwu.core.exceptions import Conflict, InvalidTransition, NotFound, PermissionRefused, ValidationFailed
from zhenwu.core.models import AuditEvent
from zhenwu.duty.choices import AssignmentSource, Position, RosterStatus, ShiftDays, SwapStatus
from zhenwu.duty.models import Roster, Shift, ShiftAssignment, ShiftTemplate, SwapRequest
from zhenwu.duty.selectors import coverage_report, fairness_report
from zhenwu.duty.services import (
    assignment_remove,
    assignment_set,
    leave_add,
    roster_create,
    roster_generate,
    roster_members_set,
    roster_publish,
    shift_template_add,
    swap_arrange,
    swap_decide,
    swap_request,
)
from zhenwu.duty.tests.factories import at, pool, special_period, staff, t

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Refusals in English, so that their words can be asserted (the site's default is Chinese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def people(world):
    return pool(world)


@pytest.fixture
def roster(world, people):
    leaders, officers = people
    return special_period(world, leaders, officers)


# --- generation ----------------------------------------------------------------------------------


def test_a_twenty_day_special_period_is_generated_without_gaps(world, roster):
    result = roster_generate(actor=world.user("office"), roster=roster)
    assert result.shifts_created == 20
    assert result.assigned == 20 * 3
    assert result.unfilled == []
    report = coverage_report(roster)
    assert report.ok, report.problem_lines()
    first = Shift.objects.filter(roster=roster).order_by("starts_at").first()
    assert first is not None
    # 08:30 Beijing is 00:30 UTC; a 24-hour shift ends at 08:30 the next morning.
    assert first.starts_at == datetime.datetime(2026, 3, 1, 0, 30, tzinfo=datetime.UTC)
    assert first.ends_at == at("2026-03-02", 8, 30)


def test_rotation_is_fair_counts_differ_by_at_most_one(world, roster):
    roster_generate(actor=world.user("office"), roster=roster)
    rows = fairness_report(roster)
    for position in (Position.LEADER, Position.OFFICER):
        counts = [row.shifts for row in rows if row.position == position]
        assert max(counts) - min(counts) <= 1, (position, counts)
    leaders = {row.person.full_name: row for row in rows if row.position == Position.LEADER}
    assert sum(row.shifts for row in leaders.values()) == 20
    assert all(row.hours == row.shifts * 24 for row in leaders.values())
    # The weekend days of 1-20 March 2026 (1, 7, 8, 14, 15) are rest days, spread over the leaders.
    assert sum(row.rest_days for row in leaders.values()) == 5
    rest = [row.rest_days for row in leaders.values()]
    assert max(rest) - min(rest) <= 2


def test_rest_rule_no_two_nights_in_a_row(world, roster):
    roster_generate(actor=world.user("office"), roster=roster)
    days: dict[int, list[datetime.date]] = {}
    for person_id, on_date in ShiftAssignment.objects.filter(shift__roster=roster).values_list(
        "person_id", "shift__on_date"
    ):
        days.setdefault(person_id, []).append(on_date)
    for person_days in days.values():
        person_days.sort()
        gaps = [(b - a).days for a, b in zip(person_days, person_days[1:], strict=False)]
        assert min(gaps) >= 2, person_days  # a 24-hour shift, then at least a day off
    assert coverage_report(roster).short_rest == []


def test_day_and_night_shifts_across_midnight_cover_every_minute(world, people):
    leaders, officers = people
    office = world.user("office")
    roster = roster_create(
        actor=office,
        unit=world.township,
        name="防汛值班",
        starts_on=datetime.date(2026, 3, 1),
        ends_on=datetime.date(2026, 3, 3),
    )
    shift_template_add(
        actor=office,
        roster=roster,
        name="白班",
        start_time=t("08:30"),
        end_time=t("17:30"),
        officers_required=1,
    )
    shift_template_add(
        actor=office,
        roster=roster,
        name="夜班",
        start_time=t("17:30"),
        end_time=t("08:30"),
        officers_required=1,
    )
    roster_members_set(actor=office, roster=roster, position=Position.LEADER, people=leaders)
    roster_members_set(actor=office, roster=roster, position=Position.OFFICER, people=officers)
    roster_generate(actor=office, roster=roster)
    report = coverage_report(roster)
    assert report.ok, report.problem_lines()
    night = Shift.objects.get(roster=roster, template__name="夜班", on_date=datetime.date(2026, 3, 3))
    assert night.ends_at == at("2026-03-04", 8, 30)
    assert night.hours == 15
    # Nobody works the night and then the next morning's day shift (less than the minimum rest).
    assert report.short_rest == []
    rows = fairness_report(roster)
    assert sum(row.nights for row in rows) == 3 * 2  # three nights, a leader and an officer each


def test_gaps_are_listed_when_templates_leave_the_night_empty(world, people):
    leaders, officers = people
    office = world.user("office")
    roster = roster_create(
        actor=office,
        unit=world.township,
        name="白天值班",
        starts_on=datetime.date(2026, 3, 2),
        ends_on=datetime.date(2026, 3, 3),
    )
    shift_template_add(actor=office, roster=roster, name="白班", start_time=t("08:30"), end_time=t("17:30"))
    roster_members_set(actor=office, roster=roster, position=Position.LEADER, people=leaders)
    roster_members_set(actor=office, roster=roster, position=Position.OFFICER, people=officers)
    roster_generate(actor=office, roster=roster)
    gaps = [(g.starts_at, g.ends_at) for g in coverage_report(roster).gaps]
    # The duty day starts at 08:30: each night until the next morning is a gap.
    assert gaps == [
        (at("2026-03-02", 17, 30), at("2026-03-03", 8, 30)),
        (at("2026-03-03", 17, 30), at("2026-03-04", 8, 30)),
    ]


def test_working_day_and_rest_day_templates_follow_the_statutory_calendar(world, people):
    leaders, officers = people
    office = world.user("office")
    roster = roster_create(
        actor=office,
        unit=world.township,
        name="春节值班",
        starts_on=datetime.date(2026, 2, 13),
        ends_on=datetime.date(2026, 2, 15),
    )
    shift_template_add(
        actor=office,
        roster=roster,
        name="工作日白班",
        start_time=t("08:30"),
        end_time=t("17:30"),
        days=ShiftDays.WORKING_DAYS,
    )
    shift_template_add(
        actor=office,
        roster=roster,
        name="节假日全天",
        start_time=t("08:30"),
        end_time=t("08:30"),
        days=ShiftDays.REST_DAYS,
    )
    roster_members_set(actor=office, roster=roster, position=Position.LEADER, people=leaders)
    roster_members_set(actor=office, roster=roster, position=Position.OFFICER, people=officers)
    roster_generate(actor=office, roster=roster, now=at("2026-02-01", 9))
    shifts = {
        s.on_date.isoformat(): (s.template.name, s.is_rest_day, s.day_name) for s in roster.shifts.all()
    }
    # 02-13 Friday and 02-14 Saturday (an adjusted working day) are working days; 02-15 is 春节.
    assert shifts == {
        "2026-02-13": ("工作日白班", False, ""),
        "2026-02-14": ("工作日白班", False, "春节"),
        "2026-02-15": ("节假日全天", True, "春节"),
    }
    holiday = roster.shifts.get(on_date=datetime.date(2026, 2, 15))
    assert holiday.assignments.filter(position=Position.LEADER).count() == 1


def test_people_on_leave_are_not_rostered_and_a_hand_edit_on_leave_is_refused(world, roster, people):
    leaders, _officers = people
    office = world.user("office")
    leave_add(
        actor=office,
        person=leaders[0],
        starts_on=datetime.date(2026, 3, 1),
        ends_on=datetime.date(2026, 3, 10),
    )
    roster_generate(actor=office, roster=roster)
    held = ShiftAssignment.objects.filter(shift__roster=roster, person=leaders[0]).values_list(
        "shift__on_date", flat=True
    )
    assert held and all(day > datetime.date(2026, 3, 10) for day in held)
    shift = Shift.objects.get(roster=roster, on_date=datetime.date(2026, 3, 5))
    with pytest.raises(ValidationFailed) as caught:
        assignment_set(actor=office, shift=shift, position=Position.LEADER, person=leaders[0])
    assert "leave" in str(caught.value.message)


def test_leave_entered_after_generation_is_flagged(world, roster, people):
    leaders, _officers = people
    office = world.user("office")
    roster_generate(actor=office, roster=roster)
    first = (
        ShiftAssignment.objects.filter(shift__roster=roster, person=leaders[0]).order_by("starts_at").first()
    )
    assert first is not None
    day = first.shift.on_date
    leave_add(actor=office, person=leaders[0], starts_on=day, ends_on=day)
    report = coverage_report(roster)
    assert [o.assignment.pk for o in report.on_leave] == [first.pk]
    assert any(row.on_leave == 1 for row in fairness_report(roster) if row.person == leaders[0])


def test_regenerating_keeps_hand_edits(world, roster, people):
    leaders, _officers = people
    office = world.user("office")
    roster_generate(actor=office, roster=roster)
    shift = Shift.objects.get(roster=roster, on_date=datetime.date(2026, 3, 10))
    generated = shift.assignments.get(position=Position.LEADER)
    other = next(person for person in leaders if person.pk != generated.person_id)
    # Clear a day of the other leader around the 10th so that the hand edit keeps the rest rule.
    for assignment in ShiftAssignment.objects.filter(
        person=other, shift__on_date__range=(datetime.date(2026, 3, 9), datetime.date(2026, 3, 11))
    ):
        assignment_remove(actor=office, assignment=assignment)
    assignment_remove(actor=office, assignment=generated)
    manual = assignment_set(actor=office, shift=shift, position=Position.LEADER, person=other)
    result = roster_generate(actor=office, roster=roster)
    assert result.kept == 1
    manual.refresh_from_db()
    assert manual.source == AssignmentSource.MANUAL
    assert shift.assignments.get(position=Position.LEADER).pk == manual.pk
    assert coverage_report(roster).ok


def test_nothing_is_regenerated_once_shifts_have_started(world, roster, clock):
    office = world.user("office")
    roster_generate(actor=office, roster=roster)
    before = dict(
        ShiftAssignment.objects.filter(shift__on_date__lte=datetime.date(2026, 3, 4)).values_list(
            "pk", "person_id"
        )
    )
    clock.move_to(at("2026-03-04", 12))
    roster_generate(actor=office, roster=roster)
    after = dict(
        ShiftAssignment.objects.filter(shift__on_date__lte=datetime.date(2026, 3, 4)).values_list(
            "pk", "person_id"
        )
    )
    assert after == before


def test_publishing_with_gaps_needs_a_recorded_confirmation(world, roster, people):
    office = world.user("office")
    roster_generate(actor=office, roster=roster)
    shift = Shift.objects.get(roster=roster, on_date=datetime.date(2026, 3, 7))
    assignment_remove(actor=office, assignment=shift.assignments.filter(position=Position.OFFICER)[0])
    with pytest.raises(Conflict) as caught:
        roster_publish(actor=office, roster=roster)
    assert caught.value.code == "gaps"
    assert "1 of 2" in caught.value.errors["__all__"][0]
    with pytest.raises(ValidationFailed):
        roster_publish(actor=office, roster=roster, confirm_gaps=True)
    published = roster_publish(
        actor=office, roster=roster, confirm_gaps=True, note="一名值班员临时抽调，由镇长兼任"
    )
    assert published.status == RosterStatus.PUBLISHED
    assert len(published.published_with_gaps) == 1
    event = AuditEvent.objects.filter(
        object_type="duty.roster", object_id=str(roster.pk), note__contains="抽调"
    ).get()
    assert event.changes["problems"] == [None, 1]
    with pytest.raises(InvalidTransition):
        roster_generate(actor=office, roster=roster)


def test_publishing_a_complete_roster_needs_no_confirmation(world, roster):
    office = world.user("office")
    roster_generate(actor=office, roster=roster)
    assert roster_publish(actor=office, roster=roster).published_with_gaps == []


def test_one_person_in_two_places_and_double_booking_are_listed(world, roster, people):
    leaders, officers = people
    office = world.user("office")
    roster_generate(actor=office, roster=roster)
    shift = Shift.objects.get(roster=roster, on_date=datetime.date(2026, 3, 5))
    # A third officer on a shift that needs two: a double booking.
    spare = next(p for p in officers if not shift.assignments.filter(person=p).exists())
    for assignment in ShiftAssignment.objects.filter(
        person=spare, shift__on_date__range=(datetime.date(2026, 3, 4), datetime.date(2026, 3, 6))
    ):
        assignment_remove(actor=office, assignment=assignment)
    assignment_set(actor=office, shift=shift, position=Position.OFFICER, person=spare)
    # Another unit's roster holding the same leader across midnight of the same night. The services
    # refuse to create this (see below), so the row stands for data entered before the check existed.
    leader = shift.assignments.get(position=Position.LEADER).person
    other = roster_create(
        actor=world.user("admin"),
        unit=world.other_township,
        name="石桥镇值班",
        starts_on=datetime.date(2026, 3, 5),
        ends_on=datetime.date(2026, 3, 5),
    )
    night = shift_template_add(
        actor=world.user("admin"), roster=other, name="夜班", start_time=t("20:00"), end_time=t("08:00")
    )
    other_shift = Shift.objects.create(
        roster=other,
        template=night,
        unit=world.other_township,
        on_date=datetime.date(2026, 3, 5),
        starts_at=at("2026-03-05", 20),
        ends_at=at("2026-03-06", 8),
    )
    with pytest.raises(ValidationFailed):
        roster_members_set(actor=world.user("admin"), roster=other, position=Position.LEADER, people=[leader])
    ShiftAssignment.objects.create(
        shift=other_shift,
        person=leader,
        position=Position.LEADER,
        starts_at=other_shift.starts_at,
        ends_at=other_shift.ends_at,
    )
    report = coverage_report(roster)
    assert [(o.shift.pk, o.position, o.assigned) for o in report.overstaffed] == [
        (shift.pk, Position.OFFICER, 3)
    ]
    assert [(c.person.pk, c.second.shift.roster_id) for c in report.clashes] == [(leader.pk, other.pk)]
    lines = report.problem_lines()
    assert any("two places" in line for line in lines)


# --- hand edits and swaps ------------------------------------------------------------------------


def test_a_swap_with_someone_outside_the_pool_is_refused(world, roster):
    office = world.user("office")
    roster_generate(actor=office, roster=roster)
    assignment = ShiftAssignment.objects.filter(shift__roster=roster, position=Position.OFFICER)[0]
    with pytest.raises(ValidationFailed) as caught:
        swap_request(actor=office, assignment=assignment, to_person=world.user("mediator"))
    assert "pool" in str(caught.value.message)


def test_a_swap_asked_by_the_officer_and_approved_by_the_office(world, roster):
    office = world.user("office")
    roster_generate(actor=office, roster=roster)
    mine = ShiftAssignment.objects.filter(shift__roster=roster, position=Position.OFFICER).order_by(
        "starts_at"
    )[0]
    theirs = (
        ShiftAssignment.objects.filter(
            shift__roster=roster, position=Position.OFFICER, starts_at__gte=at("2026-03-12", 0)
        )
        .exclude(person=mine.person)
        .exclude(shift__assignments__person=mine.person)
        .order_by("starts_at")
        .first()
    )
    assert theirs is not None
    me, them = mine.person, theirs.person
    with pytest.raises(NotFound):  # the village reporter does not see the township's roster
        swap_request(actor=world.user("reporter"), assignment=mine, to_person=them, counterpart=theirs)
    with pytest.raises(PermissionRefused):  # a leader of the township, but not on that shift
        swap_request(actor=world.user("leader"), assignment=mine, to_person=them, counterpart=theirs)
    swap = swap_request(actor=me, assignment=mine, to_person=them, counterpart=theirs, reason="家中有事")
    assert swap.status == SwapStatus.PENDING
    with pytest.raises(PermissionRefused):
        swap_decide(actor=me, swap=swap, approve=True)
    swap_decide(actor=office, swap=swap, approve=True)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.person, theirs.person) == (them, me)
    assert mine.source == theirs.source == AssignmentSource.SWAP
    with pytest.raises(InvalidTransition):
        swap_decide(actor=office, swap=swap, approve=False)


def test_the_office_arranges_a_takeover_and_regeneration_keeps_it(world, roster, people):
    _leaders, officers = people
    office = world.user("office")
    roster_generate(actor=office, roster=roster)
    # A new officer joins the pool after generation and takes over one shift.
    newcomer = staff(world, "new", ("韩梅",), Role.OFFICE)[0]
    roster_members_set(actor=office, roster=roster, position=Position.OFFICER, people=[*officers, newcomer])
    shift = Shift.objects.get(roster=roster, on_date=datetime.date(2026, 3, 15))
    given = shift.assignments.filter(position=Position.OFFICER)[0]
    swap_arrange(actor=office, assignment=given, to_person=newcomer, reason="请假顶班")
    given.refresh_from_db()
    assert given.person == newcomer and given.source == AssignmentSource.TAKEOVER
    assert SwapRequest.objects.get().status == SwapStatus.APPROVED
    roster_generate(actor=office, roster=roster)
    assert shift.assignments.filter(person=newcomer, source=AssignmentSource.TAKEOVER).exists()
    # Regenerating gave the newcomer shifts too, and kept everyone's load even.
    counts = [row.shifts for row in fairness_report(roster) if row.position == Position.OFFICER]
    assert max(counts) - min(counts) <= 2


# --- bad input -----------------------------------------------------------------------------------


def test_a_period_ending_before_it_starts_is_refused(world):
    with pytest.raises(ValidationFailed) as caught:
        roster_create(
            actor=world.user("office"),
            unit=world.township,
            name="x",
            starts_on=datetime.date(2026, 3, 10),
            ends_on=datetime.date(2026, 3, 1),
        )
    assert "ends_on" in caught.value.errors
    assert not Roster.objects.exists()


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        ("12:00", "20:00", ShiftDays.EVERY_DAY),  # overlaps the day shift
        ("06:00", "09:00", ShiftDays.WORKING_DAYS),  # overlaps the end of the night before
        ("08:00", "08:00", ShiftDays.REST_DAYS),  # 24 h on rest days overlaps both
    ],
)
def test_overlapping_shift_templates_are_refused(world, start, end, days):
    office = world.user("office")
    roster = roster_create(
        actor=office,
        unit=world.township,
        name="x",
        starts_on=datetime.date(2026, 3, 1),
        ends_on=datetime.date(2026, 3, 2),
    )
    shift_template_add(actor=office, roster=roster, name="白班", start_time=t("08:30"), end_time=t("17:30"))
    shift_template_add(actor=office, roster=roster, name="夜班", start_time=t("17:30"), end_time=t("08:30"))
    with pytest.raises(ValidationFailed) as caught:
        shift_template_add(
            actor=office, roster=roster, name="加班", start_time=t(start), end_time=t(end), days=days
        )
    assert "start_time" in caught.value.errors
    assert ShiftTemplate.objects.filter(roster=roster).count() == 2


def test_templates_on_disjoint_days_may_share_hours(world):
    office = world.user("office")
    roster = roster_create(
        actor=office,
        unit=world.township,
        name="x",
        starts_on=datetime.date(2026, 3, 1),
        ends_on=datetime.date(2026, 3, 2),
    )
    shift_template_add(
        actor=office,
        roster=roster,
        name="工作日",
        start_time=t("08:30"),
        end_time=t("17:30"),
        days=ShiftDays.WORKING_DAYS,
    )
    shift_template_add(
        actor=office,
        roster=roster,
        name="休息日",
        start_time=t("08:30"),
        end_time=t("17:30"),
        days=ShiftDays.REST_DAYS,
    )
    assert roster.templates.count() == 2


def test_pool_members_must_work_in_the_unit(world, people):
    office = world.user("office")
    roster = roster_create(
        actor=office,
        unit=world.village,
        name="村值班",
        starts_on=datetime.date(2026, 3, 1),
        ends_on=datetime.date(2026, 3, 2),
    )
    leaders, _officers = people  # township staff, not the village's
    with pytest.raises(ValidationFailed):
        roster_members_set(actor=office, roster=roster, position=Position.LEADER, people=leaders)
    with pytest.raises(PermissionRefused):
        roster_create(
            actor=world.user("reporter"),
            unit=world.village,
            name="x",
            starts_on=datetime.date(2026, 3, 1),
            ends_on=datetime.date(2026, 3, 2),
        )


def test_generation_reports_what_it_cannot_fill(world, people):
    leaders, officers = people
    office = world.user("office")
    roster = special_period(world, leaders[:1], officers[:2], starts_on="2026-03-01", ends_on="2026-03-03")
    result = roster_generate(actor=office, roster=roster)
    # One leader cannot hold 24-hour shifts on consecutive days (rest rule): days 2 stays open.
    assert len(result.unfilled) == 2  # the leader and the officers of 03-02
    assert Counter(u.position for u in coverage_report(roster).understaffed) == {
        Position.LEADER: 1,
        Position.OFFICER: 1,
    }


def test_regenerating_keeps_a_shift_whose_swap_is_pending_and_removing_it_cancels_the_swap(
    world, roster, people
):
    _leaders, officers = people
    office = world.user("office")
    roster_generate(actor=office, roster=roster)
    newcomer = staff(world, "new", ("韩梅",), Role.OFFICE)[0]
    roster_members_set(actor=office, roster=roster, position=Position.OFFICER, people=[*officers, newcomer])
    given = Shift.objects.get(roster=roster, on_date=datetime.date(2026, 3, 15)).assignments.filter(
        position=Position.OFFICER
    )[0]
    swap = swap_request(actor=given.person, assignment=given, to_person=newcomer, reason="出差")
    roster_generate(actor=office, roster=roster)
    swap.refresh_from_db()
    assert swap.status == SwapStatus.PENDING and swap.assignment_id == given.pk
    assignment_remove(actor=office, assignment=given)
    swap.refresh_from_db()
    # The record stays, with who asked to give the shift away, and says it was cancelled.
    assert swap.status == SwapStatus.CANCELLED
    assert swap.assignment_id is None
    assert swap.from_person_id == given.person_id


def test_a_read_only_role_cannot_join_a_pool(world, roster):
    with pytest.raises(ValidationFailed):
        roster_members_set(
            actor=world.user("office"),
            roster=roster,
            position=Position.OFFICER,
            people=[world.user("oversight")],
        )
