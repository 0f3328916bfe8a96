"""The units x deadlines grid (``selectors.schedule_grid``): states per cell, lateness, zero reports,
columns when units report at different times, the unit-kind filter, scope, and a fixed query count.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhenwu.core.choices import Role, UnitKind
from zhenwu.core.services.people import person_create
from zhenwu.core.services.units import unit_create
from zhenwu.reports.choices import SlotState
from zhenwu.reports.models import ReportSchedule, ReportSlot
from zhenwu.reports.selectors import Grid, GridCell, GridRow, schedule_grid
from zhenwu.reports.services import report_submit, schedule_switch_frequency
from zhenwu.reports.tests.factories import at, daily_schedule, daily_type, values
from zhenwu.testing.world import PASSWORD

pytestmark = pytest.mark.django_db

D25 = datetime.date(2026, 2, 25)
D26 = datetime.date(2026, 2, 26)
D27 = datetime.date(2026, 2, 27)


def slot_at(schedule: ReportSchedule, unit, day: str, hour: int, minute: int = 0) -> ReportSlot:
    return ReportSlot.objects.get(schedule=schedule, unit=unit, due_at=at(day, hour, minute))


def submit(clock, reporter, slot: ReportSlot, moment: datetime.datetime, **kwargs) -> None:
    clock.move_to(moment)
    report_submit(actor=reporter, slot=slot, **kwargs)


def row_of(grid: Grid, unit) -> GridRow:
    return next(row for row in grid.rows if row.unit.pk == unit.pk)


def cell(grid: Grid, unit, day: str, hour: int, minute: int = 0) -> GridCell | None:
    return row_of(grid, unit).cells[grid.columns.index(at(day, hour, minute))]


def described(c: GridCell | None) -> tuple[str, int, bool] | None:
    return None if c is None else (c.state, c.late_minutes, c.is_zero)


@pytest.fixture
def schedule(world):
    return daily_schedule(
        world.user("office"), world.township, [world.village, world.village2], ends_on="2026-02-27"
    )


def test_every_cell_has_its_state_lateness_and_zero_flag(world, schedule, clock):
    reporter = world.user("reporter")  # 河东村 (HB-01)
    office = world.user("office")  # reports for 河西村 too: office staff may submit in their subtree
    # 河东村: on time at 09:00, 40 min 30 s late at 17:00 (rounded up to 41), early for the next day.
    submit(
        clock,
        reporter,
        slot_at(schedule, world.village, "2026-02-25", 9),
        at("2026-02-25", 8),
        values=values(),
    )
    submit(
        clock,
        reporter,
        slot_at(schedule, world.village, "2026-02-25", 17),
        at("2026-02-25", 17, 40, 30),
        values=values(),
    )
    submit(
        clock, reporter, slot_at(schedule, world.village, "2026-02-26", 9), at("2026-02-26", 7), is_zero=True
    )
    # 河西村: a zero report exactly at the deadline second (on time), then nothing at 17:00.
    submit(
        clock, office, slot_at(schedule, world.village2, "2026-02-25", 9), at("2026-02-25", 9), is_zero=True
    )
    # A correction after the deadline does not change the state: lateness is the first submission's.
    late = slot_at(schedule, world.village, "2026-02-25", 17)
    submit(
        clock,
        reporter,
        late,
        at("2026-02-26", 7, 30),
        values=values(hazards=3),
        expected_revision=1,
        note="补报",
    )

    now = at("2026-02-26", 8)
    clock.move_to(now)
    grid = schedule_grid(user=office, schedule=schedule, first=D25, last=D26, now=now)

    assert grid.schedule == schedule
    assert grid.columns == [
        at("2026-02-25", 9),
        at("2026-02-25", 17),
        at("2026-02-26", 9),
        at("2026-02-26", 17),
    ]
    assert [row.unit for row in grid.rows] == [world.village, world.village2]  # tree order
    assert [described(c) for c in row_of(grid, world.village).cells] == [
        (SlotState.ON_TIME, 0, False),
        (SlotState.LATE, 41, False),
        (SlotState.ON_TIME, 0, True),  # submitted before the deadline: on time already
        (SlotState.OPEN, 0, False),
    ]
    assert [described(c) for c in row_of(grid, world.village2).cells] == [
        (SlotState.ON_TIME, 0, True),
        (SlotState.MISSING, 0, False),
        (SlotState.OPEN, 0, False),
        (SlotState.OPEN, 0, False),
    ]
    first, second = row_of(grid, world.village), row_of(grid, world.village2)
    assert (first.on_time, first.late, first.missing) == (2, 1, 0)
    assert (second.on_time, second.late, second.missing) == (1, 0, 1)
    assert grid.totals == {SlotState.ON_TIME: 3, SlotState.LATE: 1, SlotState.MISSING: 1, SlotState.OPEN: 3}
    # Each cell links to its slot.
    late_cell = cell(grid, world.village, "2026-02-25", 17)
    assert late_cell is not None and late_cell.slot_id == late.pk

    # Later the same day the open 09:00 slot of 河西村 has become missing; the grid is judged at ``now``.
    later = schedule_grid(user=office, schedule=schedule, first=D26, last=D26, now=at("2026-02-26", 9, 0, 1))
    assert later.columns == [at("2026-02-26", 9), at("2026-02-26", 17)]
    assert described(cell(later, world.village2, "2026-02-26", 9)) == (SlotState.MISSING, 0, False)
    assert described(cell(later, world.village, "2026-02-26", 9)) == (SlotState.ON_TIME, 0, True)
    # ``now`` defaults to the clock.
    assert schedule_grid(user=office, schedule=schedule, first=D26, last=D26).totals[SlotState.OPEN] == 3


def test_a_period_without_deadlines_has_rows_but_no_columns(world, schedule):
    grid = schedule_grid(
        user=world.user("office"),
        schedule=schedule,
        first=datetime.date(2026, 3, 1),
        last=datetime.date(2026, 3, 5),
    )
    assert grid.columns == []
    assert [(row.unit, row.cells) for row in grid.rows] == [(world.village, []), (world.village2, [])]
    assert sum(grid.totals.values()) == 0


def test_a_unit_on_other_deadlines_has_empty_cells_where_it_has_no_deadline(world, schedule):
    office = world.user("office")
    schedule_switch_frequency(
        actor=office,
        schedule=schedule,
        effective_from=D26,
        times=("09:00", "12:00", "17:00"),
        unit=world.village2,
    )
    grid = schedule_grid(user=office, schedule=schedule, first=D26, last=D27, now=at("2026-02-20", 9))
    noon = [at("2026-02-26", 12), at("2026-02-27", 12)]
    assert set(noon) <= set(grid.columns)
    assert len(grid.columns) == 6
    assert cell(grid, world.village, "2026-02-26", 12) is None
    assert described(cell(grid, world.village2, "2026-02-26", 12)) == (SlotState.OPEN, 0, False)
    assert sum(c is not None for c in row_of(grid, world.village).cells) == 4
    assert sum(c is not None for c in row_of(grid, world.village2).cells) == 6


def test_the_unit_kind_filter(world):
    office = world.user("office")
    community = unit_create(
        actor=office, parent=world.township, kind=UnitKind.COMMUNITY, name="河坝社区", code="HB-90"
    )
    schedule = daily_schedule(office, world.township, [world.village, world.village2, community])
    villages = schedule_grid(user=office, schedule=schedule, first=D25, last=D25, unit_kind=UnitKind.VILLAGE)
    assert [row.unit for row in villages.rows] == [world.village, world.village2]
    communities = schedule_grid(
        user=office, schedule=schedule, first=D25, last=D25, unit_kind=UnitKind.COMMUNITY
    )
    assert [row.unit for row in communities.rows] == [community]
    assert communities.totals[SlotState.OPEN] == 2  # only the community's slots are counted
    stations = schedule_grid(user=office, schedule=schedule, first=D25, last=D25, unit_kind=UnitKind.STATION)
    assert (stations.rows, stations.columns) == ([], [])
    everyone = schedule_grid(user=office, schedule=schedule, first=D25, last=D25)
    assert len(everyone.rows) == 3


def test_scope_decides_the_rows(world, schedule):
    # The village reporter sees only their own village's row, and only its slots are counted.
    mine = schedule_grid(user=world.user("reporter"), schedule=schedule, first=D25, last=D26)
    assert [row.unit for row in mine.rows] == [world.village]
    assert sum(mine.totals.values()) == 4
    # Everyone of the township and the county administrator see both villages.
    for role in ("office", "leader", "mediator", "oversight", "admin"):
        grid = schedule_grid(user=world.user(role), schedule=schedule, first=D25, last=D26)
        assert [row.unit for row in grid.rows] == [world.village, world.village2], role
    # The office of the other township sees no row and no column.
    stranger = person_create(
        actor=world.user("admin"),
        username="sq_office",
        full_name="石桥镇办公室",
        unit=world.other_township,
        role=Role.OFFICE,
        password=PASSWORD,
    )
    theirs = schedule_grid(user=stranger, schedule=schedule, first=D25, last=D26)
    assert (theirs.rows, theirs.columns, sum(theirs.totals.values())) == ([], [], 0)


def test_the_grid_takes_the_same_queries_for_2_and_for_20_units(world, clock, django_assert_num_queries):
    office = world.user("office")
    extra = [
        unit_create(
            actor=office,
            parent=world.township,
            kind=UnitKind.VILLAGE,
            name=f"新村{n:02d}",
            code=f"HB-{n:02d}",
        )
        for n in range(3, 21)
    ]
    small = daily_schedule(
        office,
        world.township,
        [world.village, world.village2],
        report_type=daily_type(office, world.township),
    )
    large = daily_schedule(
        office,
        world.township,
        [world.village, world.village2, *extra],
        report_type=daily_type(office, world.township, code="daily-large"),
    )
    reporter = world.user("reporter")
    for schedule in (small, large):
        submit(
            clock,
            reporter,
            slot_at(schedule, world.village, "2026-02-25", 9),
            at("2026-02-25", 8),
            values=values(),
        )
    for unit in extra[:5]:
        submit(clock, office, slot_at(large, unit, "2026-02-25", 9), at("2026-02-25", 9, 30), is_zero=True)
    clock.move_to(at("2026-02-26", 12))

    with CaptureQueriesContext(connection) as two_units:
        grid_small = schedule_grid(user=office, schedule=small, first=D25, last=D27)
    assert len(grid_small.rows) == 2
    assert len(two_units.captured_queries) == 2  # units, slots
    with django_assert_num_queries(len(two_units.captured_queries)):
        grid_large = schedule_grid(user=office, schedule=large, first=D25, last=D27)
        # Reading what a page shows of each row costs nothing more.
        shown = [
            (row.unit.name, row.unit.kind, row.late, [described(c) for c in row.cells])
            for row in grid_large.rows
        ]
    assert len(shown) == 20
    assert grid_large.totals[SlotState.LATE] == 5
    assert grid_large.totals[SlotState.ON_TIME] == 1
