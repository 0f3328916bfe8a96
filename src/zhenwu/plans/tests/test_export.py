"""An assessment as .xlsx: computed through the services, read back with openpyxl."""

import datetime
import io
from collections.abc import Iterator

import openpyxl
import pytest
import time_machine
from django.utils import translation
from openpyxl.worksheet.worksheet import Worksheet

from zhenwu.plans.assessment import assessment_compute
from zhenwu.plans.choices import Component, EvidenceKind
from zhenwu.plans.export import DETAIL_SHEET, RANKING_SHEET, assessment_filename, assessment_xlsx
from zhenwu.plans.models import Assessment
from zhenwu.plans.selectors import assessment_scores
from zhenwu.plans.services import TaskIn, task_add
from zhenwu.plans.tests.factories import D, at, new_plan
from zhenwu.reports.models import ReportSlot
from zhenwu.reports.tests.factories import daily_schedule
from zhenwu.safety.services import HazardIn, hazard_rectify, hazard_report
from zhenwu.testing.world import World

WEIGHTS: dict[str, int] = {Component.REPORT_TIMELINESS: 50, Component.HAZARDS_ON_TIME: 50}
NOTES = 6  # five notes and a blank line above each sheet's table


def scored(world: World, clock: time_machine.Traveller) -> Assessment:
    """The worked example of the scores: HB-01 68.75 (reports 0.875, hazards 0.5), HB-02 62.50 (reports
    2.5 of 4; no hazard due, so the reports carry the whole weight)."""
    office = world.user("office")
    plan = new_plan(world, starts_on=D(2026, 2, 25), ends_on=D(2026, 2, 28))
    task_add(
        actor=office,
        plan=plan,
        data=TaskIn("隐患排查", EvidenceKind.DOCUMENT, all_units=True, due_on=D(2026, 2, 28)),
    )
    daily_schedule(
        office,
        world.township,
        [world.village, world.village2],
        times=("09:00",),
        starts_on="2026-02-25",
        ends_on="2026-02-28",
    )
    outcomes: dict[int, list[bool | None]] = {
        world.village.pk: [True, True, True, False],
        world.village2.pk: [True, True, False, None],
    }
    for unit_id, results in outcomes.items():
        slots = ReportSlot.objects.filter(unit_id=unit_id).order_by("due_at")
        for slot, on_time in zip(slots, results, strict=True):
            if on_time is not None:
                delta = datetime.timedelta(minutes=-5) if on_time else datetime.timedelta(hours=1)
                ReportSlot.objects.filter(pk=slot.pk).update(submitted_at=slot.due_at + delta)
    first = hazard_report(
        actor=office,
        unit=world.village,
        data=HazardIn(title="A", category="fire", severity="general", place="x", rectify_due=D(2026, 2, 26)),
    )
    hazard_report(
        actor=office,
        unit=world.village,
        data=HazardIn(title="B", category="gas", severity="general", place="y", rectify_due=D(2026, 2, 27)),
    )
    clock.move_to(at("2026-02-25", 15))
    hazard_rectify(actor=world.user("reporter"), hazard=first, note="已整改")
    clock.move_to(at("2026-03-02", 9))
    return assessment_compute(actor=office, plan=plan, weights=WEIGHTS)


def rows(sheet: Worksheet) -> list[tuple[object, ...]]:
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def workbook(world: World, assessment: Assessment, role: str = "office") -> openpyxl.Workbook:
    scores = assessment_scores(user=world.user(role), assessment=assessment)
    return openpyxl.load_workbook(io.BytesIO(assessment_xlsx(assessment, scores)))


@pytest.fixture
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def test_the_ranking(world: World, clock: time_machine.Traveller, english: None) -> None:
    assessment = scored(world, clock)
    book = workbook(world, assessment)
    assert book.sheetnames == [RANKING_SHEET, DETAIL_SHEET] == ["考核排名", "得分明细"]
    table = rows(book[RANKING_SHEET])
    notes = [row[0] for row in table[: NOTES - 1]]
    assert notes == [
        "Assessment of “河坝镇全国两会期间安全稳定工作方案”",
        "Period: 2026-02-25 to 2026-02-28",
        "Weights: Reports on time 50%; Hazards rectified on time 50%",
        "Computed at 2026-03-02 09:00 by 王小红",
        "A blank component had nothing to measure for the unit: "
        "its weight was shared among the unit's other components.",
    ]
    assert table[NOTES - 1] == (None,) * len(table[NOTES - 1])
    assert table[NOTES:] == [
        ("Rank", "Unit", "Total", "Reports on time (50%)", "Hazards rectified on time (50%)"),
        (1, "河东村", 68.75, 43.75, 25),
        (2, "河西村", 62.5, 62.5, None),  # no hazard was due: the reports carry the whole weight
    ]
    assert book[RANKING_SHEET].freeze_panes == f"C{NOTES + 2}"


def test_the_derivation_of_every_score(world: World, clock: time_machine.Traveller, english: None) -> None:
    assessment = scored(world, clock)
    sheet = workbook(world, assessment)[DETAIL_SHEET]
    table = rows(sheet)
    assert table[0][0] == "Assessment of “河坝镇全国两会期间安全稳定工作方案”"
    assert table[NOTES] == (
        "Rank",
        "Unit",
        "Component",
        "Weight (%)",
        "Scaled weight (%)",
        "Rate",
        "Points",
        "Derivation",
    )
    details = table[NOTES + 1 :]
    assert [row[:7] for row in details] == [
        (1, "河东村", "Reports on time", 50, 50, 0.875, 43.75),
        (1, "河东村", "Hazards rectified on time", 50, 50, 0.5, 25),
        (2, "河西村", "Reports on time", 50, 100, 0.625, 62.5),
        (2, "河西村", "Hazards rectified on time", 50, None, None, None),
    ]
    derivations = [row[7] for row in details]
    assert derivations[0] == "3 on time, 1 late (half credit), 0 missing, of 4 reports due"
    assert derivations[1] == "1 of 2 hazards due were rectified by their deadline"
    assert derivations[2] == "2 on time, 1 late (half credit), 1 missing, of 4 reports due"
    assert derivations[3] == "nothing to measure in the period"
    assert sheet.cell(row=NOTES + 2, column=6).number_format == "0.00%"


def test_only_the_scores_passed_are_written(
    world: World, clock: time_machine.Traveller, english: None, django_assert_max_num_queries
) -> None:
    assessment = scored(world, clock)
    fresh = Assessment.objects.select_related("plan", "computed_by").get(pk=assessment.pk)
    one = assessment_scores(user=world.user("office"), assessment=fresh).filter(unit=world.village)
    with django_assert_max_num_queries(1):
        content = assessment_xlsx(fresh, one)
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert [row[1] for row in rows(book[RANKING_SHEET])[NOTES + 1 :]] == ["河东村"]
    assert {row[1] for row in rows(book[DETAIL_SHEET])[NOTES + 1 :]} == {"河东村"}
    assert assessment_filename(assessment) == "assessment-河坝镇全国两会期间安全稳定工作方案-20260302.xlsx"
