"""The deadline engine, the rules table and entering a year by hand, against the real 2025/2026 holidays.

Holidays used (domain/holidays.md, State Council notices):
2025 National Day 10/1-10/8, working Sun 9/28 and Sat 10/11;
2026 Spring Festival 2/15-2/23, working Sat 2/14 and Sat 2/28; Labour Day 5/1-5/5;
Dragon Boat 6/19-6/21; Mid-Autumn 9/25-9/27; National Day 10/1-10/7, working Sun 9/20 and Sat 10/10.
The 2027 days entered below are test data, not the official 2027 notice.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

from zhenwu.core.choices import AuditAction, CalendarDayKind
from zhenwu.core.deadlines import (
    DeadlineState,
    WorkCalendar,
    calendar_known_years,
    compute_due,
    deadline_state,
    extend_due,
    warning_on,
)
from zhenwu.core.exceptions import PermissionRefused, UnknownCalendarYear, ValidationFailed
from zhenwu.core.models import AuditEvent, CalendarDay, CalendarYear
from zhenwu.core.rules import RULES, DayCount, get_rule
from zhenwu.core.services.calendar import calendar_year_enter

D = datetime.date


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def enter_2027(actor, **overrides):
    data = {
        "actor": actor,
        "year": 2027,
        "source": "test notice (not the official 2027 calendar)",
        "holidays": [(D(2027, 1, 1), "元旦")] + [(D(2027, 2, d), "春节") for d in range(6, 14)],
        "workdays": [(D(2027, 2, 20), "春节")],
    }
    data.update(overrides)
    return calendar_year_enter(**data)


# --- the rules table ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "days", "count"),
    [
        ("petition.register_forward", 15, DayCount.CALENDAR),
        ("petition.accept_notice", 15, DayCount.CALENDAR),
        ("petition.accept_notice_referred", 15, DayCount.CALENDAR),
        ("petition.transfer_objection", 5, DayCount.WORKING),
        ("petition.conclude", 60, DayCount.CALENDAR),
        ("petition.extension", 30, DayCount.CALENDAR),
        ("petition.review_request", 30, DayCount.CALENDAR),
        ("petition.review_decision", 30, DayCount.CALENDAR),
        ("petition.re_review_request", 30, DayCount.CALENDAR),
        ("petition.re_review_decision", 30, DayCount.CALENDAR),
        ("mediation.target", 30, DayCount.CALENDAR),
        ("mediation.judicial_confirmation", 30, DayCount.CALENDAR),
    ],
)
def test_rules_table_matches_the_domain_documents(code, days, count):
    rule = get_rule(code)
    assert (rule.days, rule.count) == (days, count)
    assert rule.roll_to_working_day is True
    assert rule.source
    assert str(rule.counts_from)


def test_rules_table_has_exactly_the_documented_rules():
    assert len(RULES) == 16
    assert RULES["petition.transfer_objection"].source == "信访工作条例 Art. 23(3)"
    assert RULES["mediation.judicial_confirmation"].source == "人民调解法 Art. 33"
    assert RULES["mediation.target"].confirmed is False
    # Local practice, not law: marked unconfirmed, and hazard deadlines never roll past a holiday.
    for code, days in (
        ("mediation.follow_up", 15),
        ("safety.rectify_general", 15),
        ("safety.rectify_serious", 30),
        ("safety.rectify_major", 60),
    ):
        assert (RULES[code].days, RULES[code].confirmed) == (days, False)
    assert not RULES["safety.rectify_major"].roll_to_working_day


def test_unknown_rule_is_a_clear_validation_error():
    with pytest.raises(ValidationFailed) as exc:
        get_rule("petition.nonsense")
    assert exc.value.code == "unknown_rule"
    assert "petition.nonsense" in str(exc.value.message)


@pytest.mark.django_db
def test_overrides_change_a_rule_without_code(settings):
    settings.ZHENWU_DEADLINE_RULE_OVERRIDES = {"mediation.target": {"days": 20, "warn_days": 5}}
    rule = get_rule("mediation.target")
    assert (rule.days, rule.warn_days) == (20, 5)
    assert RULES["mediation.target"].days == 30  # the table itself is untouched
    assert compute_due("mediation.target", D(2026, 3, 2)).due == D(2026, 3, 23)  # 3/22 is a Sunday


@pytest.mark.parametrize(
    "overrides",
    [
        {"petition.nonsense": {"days": 3}},
        {"mediation.target": {"label": "x"}},
        {"mediation.target": {"days": "20"}},
        {"mediation.target": {"days": 0}},
        {"mediation.target": {"roll_to_working_day": 1}},
    ],
)
def test_bad_overrides_are_a_configuration_error(settings, overrides):
    settings.ZHENWU_DEADLINE_RULE_OVERRIDES = overrides
    with pytest.raises(ImproperlyConfigured):
        get_rule("mediation.target")


# --- calendar-day periods ---------------------------------------------------------------------


@pytest.mark.django_db
def test_spring_festival_2026_rolls_the_last_day_to_the_next_working_day():
    result = compute_due("petition.accept_notice", D(2026, 2, 6))
    assert result.nominal_end == D(2026, 2, 21)
    assert result.due == D(2026, 2, 24)
    assert result.rolled is True
    assert [d for d, _reason in result.skipped] == [D(2026, 2, 21), D(2026, 2, 22), D(2026, 2, 23)]
    assert {reason for _d, reason in result.skipped} == {"春节 (statutory holiday)"}


@pytest.mark.django_db
def test_national_day_2025_eight_days():
    result = compute_due("petition.register_forward", D(2025, 9, 16))
    assert result.nominal_end == D(2025, 10, 1)
    assert result.due == D(2025, 10, 9)
    assert len(result.skipped) == 8


@pytest.mark.django_db
def test_national_day_2026_seven_days():
    result = compute_due("petition.register_forward", D(2026, 9, 16))
    assert result.due == D(2026, 10, 8)
    assert [d for d, _r in result.skipped] == [D(2026, 10, d) for d in range(1, 8)]
    assert result.skipped[0].reason == "国庆节 (statutory holiday)"


@pytest.mark.django_db
def test_ordinary_weekend_rolls_to_monday():
    result = compute_due("petition.accept_notice", D(2026, 3, 6))
    assert result.nominal_end == D(2026, 3, 21)  # Saturday
    assert result.due == D(2026, 3, 23)
    assert result.skipped == ((D(2026, 3, 21), "weekend"), (D(2026, 3, 22), "weekend"))


@pytest.mark.django_db
def test_last_day_on_a_working_day_does_not_move():
    result = compute_due("petition.accept_notice", D(2026, 3, 9))
    assert result.due == result.nominal_end == D(2026, 3, 24)
    assert result.rolled is False
    assert result.skipped == ()


@pytest.mark.django_db
def test_adjusted_working_saturday_is_a_valid_last_day():
    # 2026-01-20 + 15 = 2026-02-04 (Wed); 2026-01-30 + 15 = 2026-02-14, the adjusted working Saturday.
    result = compute_due("petition.accept_notice", D(2026, 1, 30))
    assert result.due == D(2026, 2, 14)
    assert result.rolled is False


@pytest.mark.django_db
def test_rule_with_rolling_switched_off_does_not_roll(settings):
    settings.ZHENWU_DEADLINE_RULE_OVERRIDES = {"petition.accept_notice": {"roll_to_working_day": False}}
    result = compute_due("petition.accept_notice", D(2026, 2, 6))
    assert result.due == result.nominal_end == D(2026, 2, 21)
    assert result.rolled is False
    assert result.skipped == ()


@pytest.mark.django_db
def test_sixty_days_from_acceptance():
    assert compute_due("petition.conclude", D(2026, 6, 1)).due == D(2026, 7, 31)
    # 2026-03-02 + 60 = 2026-05-01, the first day of Labour Day (5/1-5/5): due Wednesday 5/6.
    result = compute_due("petition.conclude", D(2026, 3, 2))
    assert (result.nominal_end, result.due) == (D(2026, 5, 1), D(2026, 5, 6))
    assert [d for d, _r in result.skipped] == [D(2026, 5, d) for d in range(1, 6)]


@pytest.mark.django_db
def test_aware_datetime_start_is_taken_as_the_beijing_date():
    # 17:00 UTC on 2/5 is 01:00 on 2/6 in Beijing.
    start = datetime.datetime(2026, 2, 5, 17, 0, tzinfo=datetime.UTC)
    assert compute_due("petition.accept_notice", start).start == D(2026, 2, 6)
    evening = datetime.datetime(2026, 2, 6, 23, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert compute_due("petition.accept_notice", evening).due == D(2026, 2, 24)


def test_naive_datetime_start_is_refused():
    with pytest.raises(ValueError, match="naive"):
        compute_due("petition.accept_notice", datetime.datetime(2026, 2, 6, 9, 0))  # noqa: DTZ001


# --- working-day periods ---------------------------------------------------------------------


@pytest.mark.django_db
def test_working_days_across_spring_festival_2026():
    result = compute_due("petition.transfer_objection", D(2026, 2, 12))
    # Fri 2/13 (1), Sat 2/14 adjusted working day (2), 2/15-2/23 holidays, 2/24 (3), 2/25 (4), 2/26 (5).
    assert result.due == D(2026, 2, 26)
    assert result.nominal_end == result.due
    assert result.rolled is False
    assert [d for d, _r in result.skipped] == [D(2026, 2, d) for d in range(15, 24)]


@pytest.mark.django_db
def test_working_days_around_national_day_2025():
    # Sat 9/27 off, Sun 9/28 works (1), 9/29 (2), 9/30 (3), 10/1-10/8 off, 10/9 (4), 10/10 (5).
    result = compute_due("petition.transfer_objection", D(2025, 9, 26))
    assert result.due == D(2025, 10, 10)
    assert result.skipped[0] == (D(2025, 9, 27), "weekend")
    assert len(result.skipped) == 9
    # 10/10 (1), Sat 10/11 works (2), Sun 10/12 off, 10/13 (3), 10/14 (4), 10/15 (5).
    after = compute_due("petition.transfer_objection", D(2025, 10, 9))
    assert after.due == D(2025, 10, 15)
    assert after.skipped == ((D(2025, 10, 12), "weekend"),)


@pytest.mark.django_db
def test_working_days_through_mid_autumn_and_national_day_2026():
    # 9/24 (1), 9/25-9/27 Mid-Autumn, 9/28 (2), 9/29 (3), 9/30 (4), 10/1-10/7 off, 10/8 (5).
    result = compute_due("petition.transfer_objection", D(2026, 9, 23))
    assert result.due == D(2026, 10, 8)
    assert result.skipped[0] == (D(2026, 9, 25), "中秋 (statutory holiday)")
    assert len(result.skipped) == 10
    # Sun 9/20 is an adjusted working day: Fri 9/18 (1), Sat 9/19 off, Sun 9/20 (2), 9/21-9/23 (3-5).
    assert compute_due("petition.transfer_objection", D(2026, 9, 17)).due == D(2026, 9, 23)


# --- unknown years ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_period_ending_in_2027_is_refused_with_a_clear_message():
    with pytest.raises(UnknownCalendarYear) as exc:
        compute_due("petition.accept_notice", D(2026, 12, 17))  # ends 2027-01-01
    message = str(exc.value.message)
    assert "2027" in message
    assert "administrator must enter" in message
    assert exc.value.code == "unknown_calendar_year"
    assert exc.value.status == 400


@pytest.mark.django_db
def test_a_monday_in_2027_is_not_assumed_to_be_a_working_day():
    with pytest.raises(UnknownCalendarYear):
        compute_due("petition.accept_notice", D(2026, 12, 20))  # ends Monday 2027-01-04


@pytest.mark.django_db
def test_working_days_running_into_2027_are_refused():
    with pytest.raises(UnknownCalendarYear):
        compute_due("petition.transfer_objection", D(2026, 12, 29))  # 12/30, 12/31, then 2027


@pytest.mark.django_db
def test_a_period_ending_on_the_last_working_day_of_2026_needs_no_2027():
    # 2026-12-31 is a Thursday: nothing rolls, so 2027 is never consulted.
    assert compute_due("petition.accept_notice", D(2026, 12, 16)).due == D(2026, 12, 31)


@pytest.mark.django_db
def test_rolling_forward_out_of_a_known_year_into_2027_is_refused():
    # No real 2026 period rolls into 2027 (12/31 is a Thursday); an entered day overriding the
    # package (source order 1) makes 12/31 a rest day, so the roll would land in unknown 2027.
    CalendarDay.objects.create(date=D(2026, 12, 31), kind=CalendarDayKind.HOLIDAY, name="test")
    with pytest.raises(UnknownCalendarYear) as exc:
        compute_due("petition.accept_notice", D(2026, 12, 16))
    assert "2027" in str(exc.value.message)


@pytest.mark.django_db
def test_a_rule_that_does_not_roll_needs_no_calendar(settings, django_assert_num_queries):
    settings.ZHENWU_DEADLINE_RULE_OVERRIDES = {"petition.accept_notice": {"roll_to_working_day": False}}
    with django_assert_num_queries(0):
        assert compute_due("petition.accept_notice", D(2026, 12, 17)).due == D(2027, 1, 1)


@pytest.mark.django_db
def test_years_before_the_package_are_unknown_too():
    with pytest.raises(UnknownCalendarYear) as exc:
        compute_due("petition.accept_notice", D(2003, 6, 2))
    assert "2003" in str(exc.value.message)
    # The start day is never looked at: a start in 2003 ending in January 2004 is fine.
    result = compute_due("petition.accept_notice", D(2003, 12, 20))  # ends Sunday 2004-01-04
    assert result.due == D(2004, 1, 5)


@pytest.mark.django_db
def test_after_entering_2027_the_same_computations_use_the_entered_days(world):
    enter_2027(world.user("admin"))
    result = compute_due("petition.accept_notice", D(2026, 12, 17))
    assert result.due == D(2027, 1, 4)
    assert result.skipped == (
        (D(2027, 1, 1), "元旦 (statutory holiday)"),
        (D(2027, 1, 2), "weekend"),
        (D(2027, 1, 3), "weekend"),
    )
    # 12/30 (1), 12/31 (2), 1/1-1/3 off, 1/4 (3), 1/5 (4), 1/6 (5).
    assert compute_due("petition.transfer_objection", D(2026, 12, 29)).due == D(2027, 1, 6)
    # The entered adjusted working Saturday 2/20 counts: 2/18 (1), 2/19 (2), 2/20 (3), 2/22 (4), 2/23 (5).
    assert compute_due("petition.transfer_objection", D(2027, 2, 17)).due == D(2027, 2, 23)
    # Into the entered Spring Festival: 2027-01-22 + 15 = 2/6 → 2/6-2/13 off (2/13 a Saturday), 2/14 Sunday.
    assert compute_due("petition.accept_notice", D(2027, 1, 22)).due == D(2027, 2, 15)
    with pytest.raises(UnknownCalendarYear):
        compute_due("petition.accept_notice", D(2027, 12, 20))  # 2028 is still unknown


@pytest.mark.django_db
def test_entered_days_without_a_complete_year_are_not_enough():
    CalendarDay.objects.create(date=D(2027, 1, 1), kind=CalendarDayKind.HOLIDAY, name="元旦")
    with pytest.raises(UnknownCalendarYear):
        compute_due("petition.accept_notice", D(2026, 12, 17))


@pytest.mark.django_db
def test_calendar_reads_the_entered_days_once(world, django_assert_num_queries):
    enter_2027(world.user("admin"))
    calendar = WorkCalendar()
    with django_assert_num_queries(1):
        compute_due("petition.conclude", D(2026, 3, 2), calendar=calendar)
        compute_due("petition.transfer_objection", D(2026, 2, 12), calendar=calendar)
    with django_assert_num_queries(1):  # the entered years, once, for the first year outside the package
        compute_due("petition.accept_notice", D(2026, 12, 17), calendar=calendar)
        compute_due("petition.transfer_objection", D(2027, 2, 17), calendar=calendar)


# --- explanation, extension, warnings ------------------------------------------------------------


@pytest.mark.django_db
def test_explanation_names_rule_start_days_skipped_days_and_due_date():
    text = compute_due("petition.accept_notice", D(2026, 2, 6)).explain()
    assert "Acceptance notice (direct submissions)" in text
    assert "信访工作条例 Art. 23(2)" in text
    assert "Counted from receipt of the petition on 2026-02-06; the start day is not counted." in text
    assert "Period: 15 calendar days." in text
    assert "Last day of the period: 2026-02-21." in text
    assert "2026-02-21 春节 (statutory holiday); 2026-02-22 春节 (statutory holiday)" in text
    assert text.endswith("Due date: 2026-02-24.")


@pytest.mark.django_db
def test_explanation_of_a_working_day_period():
    text = compute_due("petition.transfer_objection", D(2026, 2, 12)).explain()
    assert "Period: 5 working days." in text
    assert "Rest days not counted: 2026-02-15 春节 (statutory holiday)" in text
    assert "Due date: 2026-02-26." in text


@pytest.mark.django_db
def test_as_dict_is_json_safe():
    data = compute_due("petition.accept_notice", D(2026, 2, 6)).as_dict()
    assert data["due"] == "2026-02-24"
    assert data["nominal_end"] == "2026-02-21"
    assert data["skipped"][0] == {"date": "2026-02-21", "reason": "春节 (statutory holiday)"}
    assert data["warn_on"] == "2026-02-21"
    assert data["count"] == "calendar"
    assert data["explanation"].endswith("2026-02-24.")


@pytest.mark.django_db
def test_extension_counts_from_the_original_due_date():
    assert extend_due(D(2026, 5, 6), 30).due == D(2026, 6, 5)
    rolled = extend_due(D(2026, 5, 20), 30)  # 6/19 is the Dragon Boat Festival (6/19-6/21)
    assert rolled.due == D(2026, 6, 22)
    assert rolled.rule.code == "petition.extension"
    assert extend_due(D(2026, 5, 6), 10).due == D(2026, 5, 18)  # 5/16 Saturday


@pytest.mark.django_db
@pytest.mark.parametrize("days", [31, 0, -1])
def test_extension_beyond_the_maximum_is_refused(days):
    with pytest.raises(ValidationFailed) as exc:
        extend_due(D(2026, 5, 6), days)
    assert exc.value.errors["days"] == ["An extension is between 1 and 30 days."]


def test_warning_day():
    assert warning_on(D(2026, 3, 10), 3) == D(2026, 3, 7)


@pytest.mark.parametrize(
    ("today", "state"),
    [
        (D(2026, 3, 6), DeadlineState.OK),
        (D(2026, 3, 7), DeadlineState.DUE_SOON),
        (D(2026, 3, 9), DeadlineState.DUE_SOON),
        (D(2026, 3, 10), DeadlineState.DUE_TODAY),
        (D(2026, 3, 11), DeadlineState.OVERDUE),
    ],
)
def test_deadline_state_boundaries(today, state):
    assert deadline_state(D(2026, 3, 10), today, 3) == state


def test_deadline_state_without_warning_days():
    assert deadline_state(D(2026, 3, 10), D(2026, 3, 9), 0) == DeadlineState.OK
    assert deadline_state(D(2026, 3, 10), D(2026, 3, 10), 0) == DeadlineState.DUE_TODAY


# --- entering a year -------------------------------------------------------------------------


@pytest.mark.django_db
def test_entering_a_year_writes_days_and_one_audit_event(world):
    admin = world.user("admin")
    calendar_year = enter_2027(admin)
    assert calendar_year.source.startswith("test notice")
    assert CalendarDay.objects.filter(date__year=2027, kind=CalendarDayKind.HOLIDAY).count() == 9
    assert CalendarDay.objects.filter(date__year=2027, kind=CalendarDayKind.WORKDAY).count() == 1
    event = AuditEvent.objects.get(object_type="core.calendaryear")
    assert event.action == AuditAction.CREATE
    assert event.actor == admin
    assert event.changes["holidays"] == [None, 9]
    assert event.changes["workdays"] == [None, 1]


@pytest.mark.django_db
def test_entering_a_year_again_replaces_its_days(world):
    admin = world.user("admin")
    enter_2027(admin)
    enter_2027(admin, source="second notice", holidays=[(D(2027, 1, 1), "元旦")], workdays=[])
    assert CalendarYear.objects.get().source == "second notice"
    assert list(CalendarDay.objects.values_list("date", flat=True)) == [D(2027, 1, 1)]
    event = AuditEvent.objects.filter(object_type="core.calendaryear").latest("id")
    assert event.action == AuditAction.UPDATE
    assert event.changes["holidays"] == [9, 1]
    assert event.changes["workdays"] == [1, 0]
    assert compute_due("petition.transfer_objection", D(2027, 2, 17)).due == D(2027, 2, 24)


@pytest.mark.django_db
def test_years_before_the_package_can_be_entered(world):
    calendar_year_enter(
        actor=world.user("admin"), year=2003, source="test", holidays=[(D(2003, 12, 25), "x")], workdays=[]
    )
    assert compute_due("petition.accept_notice", D(2003, 12, 10)).due == D(2003, 12, 26)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"holidays": [(D(2028, 1, 1), "元旦")]}, "holidays", "2028-01-01 is not in 2027."),
        ({"workdays": [(D(2027, 2, 6), "春节")]}, "workdays", "both a holiday and an adjusted working day"),
        ({"workdays": [(D(2027, 2, 22), "春节")]}, "workdays", "is a weekday"),
        ({"holidays": [(D(2027, 1, 1), "元旦"), (D(2027, 1, 1), "元旦")]}, "holidays", "listed twice"),
        ({"holidays": []}, "holidays", "at least one holiday"),
        ({"holidays": [(D(2027, 1, 1), "元" * 51)]}, "holidays", "longer than 50 characters"),
        ({"year": 2026, "holidays": [(D(2026, 1, 1), "元旦")], "workdays": []}, "year", "chinese-calendar"),
        ({"year": 2101}, "year", "between 1949 and 2100"),
        ({"source": "  "}, "source", "This field cannot be blank."),
    ],
)
def test_entering_a_year_refuses_bad_data_and_saves_nothing(world, overrides, field, fragment):
    with pytest.raises(ValidationFailed) as exc:
        enter_2027(world.user("admin"), **overrides)
    assert any(fragment in message for message in exc.value.errors[field]), exc.value.errors
    assert not CalendarYear.objects.exists()
    assert not CalendarDay.objects.exists()
    assert not AuditEvent.objects.filter(object_type="core.calendaryear").exists()


@pytest.mark.django_db
def test_known_year_refusal_says_the_package_is_the_authority(world):
    with pytest.raises(ValidationFailed) as exc:
        enter_2027(world.user("admin"), year=2026, holidays=[(D(2026, 1, 1), "元旦")], workdays=[])
    assert "authority" in str(exc.value.message)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["office", "leader", "reporter", "mediator", "oversight"])
def test_only_administrators_enter_years(world, role):
    with pytest.raises(PermissionRefused):
        enter_2027(world.user(role))
    assert not CalendarYear.objects.exists()


@pytest.mark.django_db
def test_known_years(world, django_assert_num_queries):
    enter_2027(world.user("admin"))
    with django_assert_num_queries(2):
        known = calendar_known_years()
    assert (known.package_first, known.package_last) == (2004, 2026)
    assert known.years == list(range(2004, 2028))
    assert [(e.year, e.holidays, e.workdays) for e in known.entered] == [(2027, 9, 1)]
