"""The reports services: slots, lateness, amendments and corrections, frequency switches, bad input."""

import datetime

import pytest
from django.db.models import Count

from zhenwu.core.exceptions import (
    Conflict,
    NotFound,
    PermissionRefused,
    UnknownCalendarYear,
    ValidationFailed,
)
from zhenwu.core.models import AuditEvent
from zhenwu.reports.choices import DayRule, SlotState, SubmissionKind
from zhenwu.reports.models import DeadlineSet, ReportSchedule, ReportSlot, ReportSubmission
from zhenwu.reports.selectors import slot_state
from zhenwu.reports.services import (
    lateness_minutes,
    report_submit,
    report_type_change_form,
    schedule_create,
    schedule_switch_frequency,
)
from zhenwu.reports.tests.factories import DAILY_FIELDS, at, daily_schedule, daily_type, values

pytestmark = pytest.mark.django_db


def slot_at(schedule: ReportSchedule, unit, day: str, hour: int, minute: int = 0) -> ReportSlot:
    return ReportSlot.objects.get(schedule=schedule, unit=unit, due_at=at(day, hour, minute))


# --- slot generation -----------------------------------------------------------------------------


def test_every_day_schedule_has_two_slots_a_day_for_each_unit(world):
    schedule = daily_schedule(world.user("office"), world.township, [world.village, world.village2])
    # 2026-02-25 .. 2026-03-16 is 20 days; 09:00 and 17:00; two villages.
    assert ReportSlot.objects.filter(schedule=schedule).count() == 20 * 2 * 2
    first = slot_at(schedule, world.village, "2026-02-25", 9)
    second = slot_at(schedule, world.village, "2026-02-25", 17)
    # Stored in UTC, meant in Beijing time: 09:00 CST is 01:00 UTC.
    assert first.due_at == datetime.datetime(2026, 2, 25, 1, 0, tzinfo=datetime.UTC)
    assert first.opens_at == at("2026-02-25", 0)
    assert second.opens_at == first.due_at


def test_working_day_schedule_skips_holidays_and_keeps_adjusted_working_days(world):
    office = world.user("office")
    schedule = daily_schedule(
        office,
        world.township,
        [world.village],
        starts_on="2026-02-12",
        ends_on="2026-03-02",
        times=("10:00",),
        day_rule=DayRule.WORKING_DAYS,
        allow_past=True,
    )
    days = list(ReportSlot.objects.filter(schedule=schedule).values_list("slot_on", flat=True))
    as_text = [d.isoformat() for d in days]
    # Spring Festival 2026-02-15..23 is off; Saturdays 02-14 and 02-28 are adjusted working days;
    # 03-01 is a Sunday.
    assert as_text == [
        "2026-02-12",
        "2026-02-13",
        "2026-02-14",
        "2026-02-24",
        "2026-02-25",
        "2026-02-26",
        "2026-02-27",
        "2026-02-28",
        "2026-03-02",
    ]


def test_weekly_schedule_falls_on_its_weekday(world):
    office = world.user("office")
    schedule = daily_schedule(
        office,
        world.township,
        [world.village],
        times=("10:00",),
        day_rule=DayRule.WEEKLY,
        weekday=0,
    )
    days = [
        d.isoformat() for d in ReportSlot.objects.filter(schedule=schedule).values_list("slot_on", flat=True)
    ]
    assert days == ["2026-03-02", "2026-03-09", "2026-03-16"]
    first = ReportSlot.objects.filter(schedule=schedule).order_by("due_at")[0]
    assert first.opens_at == at("2026-02-25", 0)


def test_working_days_into_an_unknown_year_are_refused_not_guessed(world, clock):
    clock.move_to(at("2026-12-20", 9))
    with pytest.raises(UnknownCalendarYear):
        daily_schedule(
            world.user("office"),
            world.township,
            [world.village],
            starts_on="2026-12-28",
            ends_on="2027-01-08",
            day_rule=DayRule.WORKING_DAYS,
        )
    assert not ReportSchedule.objects.exists()


# --- bad schedules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"starts_on": "2026-03-10", "ends_on": "2026-03-01"}, "ends_on"),
        ({"times": ()}, "times"),
        ({"times": ("25:00",)}, "times"),
        ({"starts_on": "2026-02-01", "ends_on": "2026-02-10"}, "starts_on"),
        ({"day_rule": DayRule.WEEKLY}, "weekday"),
    ],
)
def test_bad_schedules_are_refused_with_nothing_saved(world, kwargs, field):
    office = world.user("office")
    report_type = daily_type(office, world.township)
    with pytest.raises(ValidationFailed) as caught:
        daily_schedule(office, world.township, [world.village], report_type=report_type, **kwargs)
    assert field in caught.value.errors
    assert not ReportSchedule.objects.exists()
    assert not ReportSlot.objects.exists()


def test_overlapping_periods_for_a_unit_are_refused(world):
    office = world.user("office")
    report_type = daily_type(office, world.township)
    daily_schedule(office, world.township, [world.village], report_type=report_type)
    with pytest.raises(ValidationFailed) as caught:
        daily_schedule(
            office,
            world.township,
            [world.village2, world.village],
            report_type=report_type,
            starts_on="2026-03-16",
            ends_on="2026-03-20",
        )
    assert "河东村" in str(caught.value.message)
    assert ReportSchedule.objects.count() == 1
    # The day after the first period is free.
    daily_schedule(
        office,
        world.township,
        [world.village],
        report_type=report_type,
        starts_on="2026-03-17",
        ends_on="2026-03-20",
    )


def test_units_outside_the_office_or_the_collecting_unit_are_refused(world):
    office = world.user("office")
    with pytest.raises(ValidationFailed):
        daily_schedule(office, world.township, [world.other_village])
    with pytest.raises(ValidationFailed):
        daily_schedule(office, world.township, [world.township])
    with pytest.raises(PermissionRefused):
        daily_schedule(world.user("reporter"), world.village, [world.village])


# --- submitting ----------------------------------------------------------------------------------


@pytest.fixture
def schedule(world):
    return daily_schedule(world.user("office"), world.township, [world.village, world.village2])


def test_on_time_late_and_missing_at_the_exact_deadline_second(world, schedule, clock):
    reporter = world.user("reporter")
    nine = slot_at(schedule, world.village, "2026-02-25", 9)
    clock.move_to(at("2026-02-25", 9, 0, 0))
    report_submit(actor=reporter, slot=nine, values=values())
    nine.refresh_from_db()
    assert slot_state(nine, at("2026-02-26", 0)) == SlotState.ON_TIME
    assert lateness_minutes(nine) == 0

    five = slot_at(schedule, world.village, "2026-02-25", 17)
    clock.move_to(at("2026-02-25", 17, 0, 1))
    report_submit(actor=reporter, slot=five, is_zero=True)
    five.refresh_from_db()
    assert slot_state(five, at("2026-02-26", 0)) == SlotState.LATE
    assert lateness_minutes(five) == 1

    other = slot_at(schedule, world.village2, "2026-02-25", 17)
    assert slot_state(other, at("2026-02-25", 17, 0, 0)) == SlotState.OPEN
    assert slot_state(other, at("2026-02-25", 17, 0, 1)) == SlotState.MISSING


def test_a_slot_is_not_open_before_the_previous_deadline(world, schedule, clock):
    five = slot_at(schedule, world.village, "2026-02-25", 17)
    clock.move_to(at("2026-02-25", 8, 59))
    with pytest.raises(ValidationFailed):
        report_submit(actor=world.user("reporter"), slot=five, values=values())
    assert not ReportSubmission.objects.exists()


def test_amendment_before_the_deadline_changes_the_report_in_place(world, schedule, clock):
    reporter = world.user("reporter")
    slot = slot_at(schedule, world.village, "2026-02-25", 9)
    clock.move_to(at("2026-02-25", 8, 0))
    first = report_submit(actor=reporter, slot=slot, values=values())
    clock.move_to(at("2026-02-25", 8, 30))
    amended = report_submit(actor=reporter, slot=slot, values=values(hazards=3), expected_revision=1)
    assert amended.pk == first.pk
    assert amended.revision == 2
    assert amended.kind == SubmissionKind.ORIGINAL
    assert ReportSubmission.objects.filter(slot=slot).count() == 1
    slot.refresh_from_db()
    assert slot.submitted_at == at("2026-02-25", 8, 0)  # lateness is judged by the first submission
    assert (
        AuditEvent.objects.filter(object_type="reports.reportsubmission", object_id=str(first.pk)).count()
        == 2
    )


def test_change_after_the_deadline_is_a_correction_that_keeps_the_original(world, schedule, clock):
    reporter = world.user("reporter")
    slot = slot_at(schedule, world.village, "2026-02-25", 9)
    clock.move_to(at("2026-02-25", 8, 0))
    original = report_submit(actor=reporter, slot=slot, values=values(incidents=0))
    clock.move_to(at("2026-02-25", 10, 0))
    with pytest.raises(ValidationFailed) as caught:
        report_submit(actor=reporter, slot=slot, values=values(incidents=1), expected_revision=1)
    assert "note" in caught.value.errors
    correction = report_submit(
        actor=reporter, slot=slot, values=values(incidents=1), expected_revision=1, note="漏报一起交通事故"
    )
    assert correction.kind == SubmissionKind.CORRECTION
    assert correction.corrects_id == original.pk
    original.refresh_from_db()
    assert not original.is_current
    assert original.values["incidents"] == 0
    slot.refresh_from_db()
    assert slot_state(slot, at("2026-02-26", 0)) == SlotState.ON_TIME
    assert slot.revision == 2


def test_a_second_person_submitting_at_the_same_moment_gets_a_conflict(world, schedule, clock):
    reporter = world.user("reporter")
    office = world.user("office")
    slot = slot_at(schedule, world.village, "2026-02-25", 9)
    clock.move_to(at("2026-02-25", 8, 0))
    # Both loaded the empty form (revision 0); the first save wins, the second is told who reported.
    report_submit(actor=reporter, slot=slot, values=values(hazards=1), expected_revision=0)
    with pytest.raises(Conflict) as caught:
        report_submit(actor=office, slot=slot, values=values(hazards=5), expected_revision=0)
    assert caught.value.code == "already_submitted"
    assert "张明" in str(caught.value.message)
    assert ReportSubmission.objects.filter(slot=slot).count() == 1
    assert ReportSubmission.objects.get(slot=slot).values["hazards"] == 1


@pytest.mark.parametrize(
    ("given", "field"),
    [
        (values(incidents=-1), "incidents"),
        (values(incidents="1.5"), "incidents"),
        (values(hazards="三"), "hazards"),
        (values(losses="-2"), "losses"),
        (values(losses="1.234"), "losses"),
        (values(duty_on_shift="maybe"), "duty_on_shift"),
        (values(other="字" * 501), "other"),
        ({**values(), "surprise": 1}, "__all__"),
        ({k: v for k, v in values().items() if k != "hazards"}, "hazards"),
    ],
)
def test_bad_values_are_refused_per_field(world, schedule, clock, given, field):
    slot = slot_at(schedule, world.village, "2026-02-25", 9)
    clock.move_to(at("2026-02-25", 8, 0))
    with pytest.raises(ValidationFailed) as caught:
        report_submit(actor=world.user("reporter"), slot=slot, values=given)
    assert field in caught.value.errors
    assert not ReportSubmission.objects.exists()
    slot.refresh_from_db()
    assert slot.submitted_at is None


def test_another_units_slot_is_not_found(world, schedule, clock):
    slot = slot_at(schedule, world.village2, "2026-02-25", 9)
    clock.move_to(at("2026-02-25", 8, 0))
    with pytest.raises(NotFound):
        report_submit(actor=world.user("reporter"), slot=slot, values=values())
    with pytest.raises(PermissionRefused):
        report_submit(actor=world.user("leader"), slot=slot, values=values())


def test_a_form_that_no_longer_matches_is_a_conflict_and_old_reports_keep_their_version(
    world, schedule, clock
):
    office, reporter = world.user("office"), world.user("reporter")
    slot = slot_at(schedule, world.village, "2026-02-25", 9)
    clock.move_to(at("2026-02-25", 8, 0))
    old = report_submit(actor=reporter, slot=slot, values=values(), form_version=1)
    new_fields: list[dict[str, object]] = [*DAILY_FIELDS, {"key": "fires", "label": "火情", "kind": "count"}]
    report_type_change_form(
        actor=office, report_type=schedule.report_type, fields=new_fields, expected_version=1
    )
    later = slot_at(schedule, world.village, "2026-02-25", 17)
    clock.move_to(at("2026-02-25", 9, 30))
    with pytest.raises(Conflict) as caught:
        report_submit(actor=reporter, slot=later, values=values(), form_version=1)
    assert caught.value.code == "form_changed"
    with pytest.raises(ValidationFailed):
        report_submit(actor=reporter, slot=later, values=values(), form_version=2)  # fires is required
    report_submit(actor=reporter, slot=later, values=values(fires=1), form_version=2)
    old.refresh_from_db()
    assert old.form_version.number == 1


def test_a_zero_report_carries_no_figures(world, schedule, clock):
    slot = slot_at(schedule, world.village, "2026-02-25", 9)
    clock.move_to(at("2026-02-25", 8, 0))
    with pytest.raises(ValidationFailed):
        report_submit(actor=world.user("reporter"), slot=slot, is_zero=True, values={"hazards": 2})
    zero = report_submit(actor=world.user("reporter"), slot=slot, is_zero=True)
    assert zero.is_zero and zero.values == {}
    slot.refresh_from_db()
    assert slot.is_zero and slot.submitted_at == at("2026-02-25", 8, 0)


# --- switching frequency -------------------------------------------------------------------------


def test_switching_one_unit_to_three_a_day_and_back(world, schedule, clock):
    office = world.user("office")
    clock.move_to(at("2026-03-01", 12))
    unchanged = slot_at(schedule, world.village, "2026-03-02", 9)
    schedule_switch_frequency(
        actor=office,
        schedule=schedule,
        unit=world.village,
        effective_from=datetime.date(2026, 3, 2),
        times=("09:00", "13:00", "17:00"),
    )
    schedule_switch_frequency(
        actor=office,
        schedule=schedule,
        unit=world.village,
        effective_from=datetime.date(2026, 3, 5),
        times=("09:00", "17:00"),
    )
    per_day = dict(
        ReportSlot.objects.filter(schedule=schedule, unit=world.village)
        .values_list("slot_on")
        .annotate(n=Count("id"))
        .values_list("slot_on", "n")
    )
    assert per_day[datetime.date(2026, 3, 1)] == 2
    assert [per_day[datetime.date(2026, 3, d)] for d in (2, 3, 4)] == [3, 3, 3]
    assert per_day[datetime.date(2026, 3, 5)] == 2
    # The other village keeps two a day throughout.
    assert ReportSlot.objects.filter(schedule=schedule, unit=world.village2).count() == 40
    # A deadline in both sets keeps its row (an open form, reminders sent: nothing is lost).
    assert slot_at(schedule, world.village, "2026-03-02", 9).pk == unchanged.pk
    one = slot_at(schedule, world.village, "2026-03-02", 13)
    assert one.opens_at == at("2026-03-02", 9)


def test_switching_keeps_submitted_slots_and_refuses_the_past(world, schedule, clock):
    office, reporter = world.user("office"), world.user("reporter")
    clock.move_to(at("2026-03-02", 8))
    kept = report_submit(
        actor=reporter, slot=slot_at(schedule, world.village, "2026-03-02", 9), values=values()
    )
    schedule_switch_frequency(
        actor=office, schedule=schedule, effective_from=datetime.date(2026, 3, 2), times=("10:00", "16:00")
    )
    kept.refresh_from_db()
    assert kept.slot.due_at == at("2026-03-02", 9)
    assert not ReportSlot.objects.filter(
        schedule=schedule, unit=world.village2, due_at=at("2026-03-02", 9)
    ).exists()
    assert ReportSlot.objects.filter(
        schedule=schedule, unit=world.village2, due_at=at("2026-03-02", 10)
    ).exists()
    with pytest.raises(ValidationFailed):
        schedule_switch_frequency(
            actor=office, schedule=schedule, effective_from=datetime.date(2026, 3, 1), times=("10:00",)
        )
    assert DeadlineSet.objects.filter(schedule=schedule).count() == 2


def test_switch_for_a_unit_not_in_the_schedule_is_refused(world, schedule, clock):
    with pytest.raises(ValidationFailed):
        schedule_switch_frequency(
            actor=world.user("office"),
            schedule=schedule,
            unit=world.other_village,
            effective_from=datetime.date(2026, 3, 2),
            times=("10:00",),
        )


def test_schedule_create_is_audited(world):
    schedule = daily_schedule(world.user("office"), world.township, [world.village])
    event = AuditEvent.objects.get(object_type="reports.reportschedule", object_id=str(schedule.pk))
    assert event.changes["slots"] == [None, 40]


def test_create_requires_a_known_type(world):
    office = world.user("office")
    report_type = daily_type(office, world.township)
    with pytest.raises(ValidationFailed):
        daily_type(office, world.township)  # same code
    assert report_type.current_version == 1
    with pytest.raises(ValidationFailed):
        schedule_create(
            actor=office,
            owner_unit=world.township,
            report_type=report_type,
            name="x",
            starts_on=datetime.date(2026, 3, 1),
            ends_on=datetime.date(2026, 3, 1),
            times=["09:00"],
            units=[],
        )


def test_no_reminder_before_the_slot_opens(world, clock):
    from zhenwu.reports.services import report_reminders_send

    schedule = daily_schedule(
        world.user("office"),
        world.township,
        [world.village],
        times=("09:00", "09:20"),
        remind_before_minutes=30,
    )
    early = slot_at(schedule, world.village, "2026-02-25", 9)
    close = slot_at(schedule, world.village, "2026-02-25", 9, 20)
    clock.move_to(at("2026-02-25", 8, 55))
    report_reminders_send()
    early.refresh_from_db()
    close.refresh_from_db()
    assert early.reminded_at is not None
    assert close.reminded_at is None  # it opens at 09:00: a report now would be refused
    clock.move_to(at("2026-02-25", 9, 0))
    report_reminders_send()
    close.refresh_from_db()
    assert close.reminded_at == at("2026-02-25", 9, 0)


def test_switching_from_today_keeps_deadlines_already_past_and_invents_none(world, schedule, clock):
    clock.move_to(at("2026-03-02", 12))
    missed = slot_at(schedule, world.village2, "2026-03-02", 9)
    schedule_switch_frequency(
        actor=world.user("office"),
        schedule=schedule,
        effective_from=datetime.date(2026, 3, 2),
        times=("10:00", "16:00"),
    )
    today = ReportSlot.objects.filter(
        schedule=schedule, unit=world.village2, slot_on=datetime.date(2026, 3, 2)
    )
    # 09:00 was missed and stays missed (same row); 10:00 had passed when the change was made: not
    # created; 17:00 is replaced by 16:00, which opens at the missed 09:00 deadline.
    assert sorted(s.due_at for s in today) == [at("2026-03-02", 9), at("2026-03-02", 16)]
    assert today.get(due_at=at("2026-03-02", 9)).pk == missed.pk
    assert today.get(due_at=at("2026-03-02", 16)).opens_at == at("2026-03-02", 9)
    tomorrow = slot_at(schedule, world.village2, "2026-03-03", 10)
    assert tomorrow.opens_at == at("2026-03-02", 16)
