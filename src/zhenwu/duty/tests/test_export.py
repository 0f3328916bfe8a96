"""The roster as .xlsx: one row per shift with the people on duty and their phones, the fairness table."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import load_workbook

from zhenwu.duty.choices import Position
from zhenwu.duty.export import roster_filename, roster_xlsx
from zhenwu.duty.models import Shift
from zhenwu.duty.selectors import fairness_report
from zhenwu.duty.services import (
    assignment_remove,
    roster_create,
    roster_generate,
    roster_members_set,
    roster_publish,
    shift_template_add,
)
from zhenwu.duty.tests.factories import pool, special_period, t

pytestmark = pytest.mark.django_db

FIRST_ROW = 7  # title, period, status, generated at, a blank line, the headings


@pytest.fixture
def roster(world):
    leaders, officers = pool(world)
    roster = special_period(world, leaders, officers)
    roster_generate(actor=world.user("office"), roster=roster)
    return roster


def workbook(roster):
    with translation.override("en"):
        return load_workbook(io.BytesIO(roster_xlsx(roster)))


def test_one_row_per_shift_with_the_people_and_their_phones(roster):
    book = workbook(roster)
    assert book.sheetnames == ["Roster", "Fairness"]
    sheet = book["Roster"]
    assert sheet["A1"].value == "河坝镇 全国两会期间24小时值班"
    assert (sheet["B2"].value.date(), sheet["C2"].value.date()) == (
        datetime.date(2026, 3, 1),
        datetime.date(2026, 3, 20),
    )
    assert sheet["B3"].value == "Draft: not published"
    assert [cell.value for cell in sheet[FIRST_ROW - 1]] == [
        "Date",
        "Weekday",
        "Holiday",
        "Shift",
        "From",
        "To",
        "Leader on duty",
        "Duty officers",
    ]
    rows = list(sheet.iter_rows(min_row=FIRST_ROW, values_only=True))
    assert len(rows) == 20
    shifts = {
        s.on_date: s for s in Shift.objects.filter(roster=roster).prefetch_related("assignments__person")
    }
    for day, weekday, holiday, name, starts, ends, leader, officers in rows:
        shift = shifts[day.date()]
        assert weekday == day.strftime("%A") and holiday is None and name == "全天"
        assert (starts, ends) == (
            day.replace(hour=8, minute=30),
            day.replace(hour=8, minute=30) + datetime.timedelta(days=1),
        )
        people: dict[str, list[str]] = {a.position: [] for a in shift.assignments.all()}
        for a in shift.assignments.all():
            people[a.position].append(f"{a.person.full_name} {a.person.phone}")
        assert leader == people[Position.LEADER][0]
        assert sorted(officers.split("\n")) == sorted(people[Position.OFFICER])
    assert sheet.freeze_panes == f"A{FIRST_ROW}"


def test_the_fairness_sheet_and_a_gap_left_open(world, roster):
    office = world.user("office")
    shift = Shift.objects.get(roster=roster, on_date=datetime.date(2026, 3, 7))
    assignment_remove(actor=office, assignment=shift.assignments.get(position=Position.LEADER))
    roster = roster_publish(actor=office, roster=roster, confirm_gaps=True, note="带班领导临时外出")
    book = workbook(roster)
    sheet = book["Roster"]
    assert "published with 1 problems: 带班领导临时外出" in sheet["B3"].value
    row = next(r for r in sheet.iter_rows(min_row=FIRST_ROW, values_only=True) if r[0].day == 7)
    assert row[6] is None and row[7].count("\n") == 1  # no leader that day, two officers
    fairness = list(book["Fairness"].iter_rows(values_only=True))
    assert fairness[0][:4] == ("Person", "Position", "Phone", "Shifts")
    expected = fairness_report(roster)
    assert [(r[0], r[3]) for r in fairness[1:]] == [(row.person.full_name, row.shifts) for row in expected]
    assert sum(r[3] for r in fairness[1:]) == 59


def test_a_fixed_number_of_queries_and_the_file_name(world, roster):
    with CaptureQueriesContext(connection) as ctx:
        roster_xlsx(roster)
    twenty = len(ctx.captured_queries)
    leaders, officers = (
        [m.person for m in roster.members.filter(position=Position.LEADER)],
        [m.person for m in roster.members.filter(position=Position.OFFICER)],
    )
    short = special_period(
        world, leaders, officers, starts_on="2026-04-01", ends_on="2026-04-02", name="短期"
    )
    roster_generate(actor=world.user("office"), roster=short)
    with CaptureQueriesContext(connection) as ctx:
        roster_xlsx(short)
    assert len(ctx.captured_queries) == twenty
    with translation.override("en"):
        assert roster_filename(roster) == "duty-roster-HB-20260301-20260320.xlsx"


def test_text_that_looks_like_a_formula_stays_text(world):
    office = world.user("office")
    leaders, officers = pool(world)
    roster = roster_create(
        actor=office,
        unit=world.township,
        name="x",
        starts_on=datetime.date(2026, 3, 1),
        ends_on=datetime.date(2026, 3, 1),
    )
    shift_template_add(actor=office, roster=roster, name="=1+1", start_time=t("08:30"), end_time=t("17:30"))
    roster_members_set(actor=office, roster=roster, position=Position.OFFICER, people=officers)
    roster_generate(actor=office, roster=roster)
    cell = workbook(roster)["Roster"][f"D{FIRST_ROW}"]
    assert cell.data_type == "s" and cell.value == "=1+1"
