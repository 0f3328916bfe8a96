"""The safety ledgers as .xlsx (hazards, incidents, patrols): built through the services, read back."""

import datetime
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from PIL import Image

from zhenwu.core.images import image_prepare
from zhenwu.core.models import User
from zhenwu.duty.services import roster_generate, roster_publish
from zhenwu.duty.tests.factories import pool, special_period
from zhenwu.safety import services as s
from zhenwu.safety.choices import Discovery, HazardCategory, IncidentKind, PhotoStage, Severity
from zhenwu.safety.export import (
    HAZARD_SHEET,
    INCIDENT_SHEET,
    PATROL_SHEET,
    hazard_ledger_xlsx,
    incident_ledger_xlsx,
    patrol_ledger_xlsx,
    safety_export_filename,
)
from zhenwu.safety.models import Hazard, Incident, PatrolRecord
from zhenwu.safety.selectors import HazardFilter, hazard_ledger, incident_list, patrol_records
from zhenwu.testing.world import World

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """A Shanghai wall-clock moment on ``day`` (YYYY-MM-DD)."""
    return datetime.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=SHANGHAI)


def local(day: str, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """The same moment as Excel holds it: Beijing wall-clock time without a zone (a date: hour 0)."""
    return at(day, hour, minute).replace(tzinfo=None)


def travel(day: str, hour: int = 10, minute: int = 0) -> time_machine.travel:
    return time_machine.travel(at(day, hour, minute), tick=False)


@pytest.fixture(autouse=True)
def june_2026() -> Iterator[None]:
    """The ledgers are exported on 2026-06-20 (a Saturday: overdue days are calendar days)."""
    with travel("2026-06-20", 9):
        yield


def photo(colour: tuple[int, int, int] = (200, 60, 40)) -> s.PhotoIn:
    """A small real PNG made in memory, checked as an upload would be."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, format="PNG")
    return s.PhotoIn(image_prepare(buffer.getvalue()))


def read(content: bytes) -> Any:
    return openpyxl.load_workbook(io.BytesIO(content)).active


def table(sheet: Any) -> list[dict[Any, Any]]:
    header = [cell.value for cell in sheet[1]]
    return [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)]


def by_number(sheet: Any) -> dict[str, dict[Any, Any]]:
    return {str(row["Number"]): row for row in table(sheet)}


def assert_header(sheet: Any, title: str, headers: list[str]) -> None:
    assert sheet.title == title
    assert [cell.value for cell in sheet[1]] == headers
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "B2"
    for letter in ("A", "B"):
        assert 10 <= sheet.column_dimensions[letter].width <= 60


def queries(export: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        export()
    return len(captured)


# --- hazards -------------------------------------------------------------------------------------


def report(world: World, day: str, actor: User | None = None, unit: Any = None, **fields: Any) -> Hazard:
    data = {
        "title": "液化气瓶露天存放",
        "category": HazardCategory.GAS,
        "severity": Severity.GENERAL,
        "place": "河东村3组",
        **fields,
    }
    with travel(day):
        return s.hazard_report(
            actor=actor or world.user("office"),
            unit=unit or world.village,
            data=s.HazardIn(**data),
        )


def rectify(world: World, hazard: Hazard, day: str, **kwargs: Any) -> Hazard:
    with travel(day, 15):
        return s.hazard_rectify(actor=world.user("reporter"), hazard=hazard, note="已整改", **kwargs)


def hazards(world: World) -> dict[str, Hazard]:
    late = report(
        world,
        "2026-06-01",
        latitude="28.194",
        longitude="112.982",
        finder="镇安监站检查组",
        photos=[photo(), photo((10, 120, 30))],
    )
    done = report(
        world,
        "2026-06-02",
        title="灶房电线私拉乱接",
        category=HazardCategory.FIRE,
        severity=Severity.SERIOUS,
        discovery=Discovery.RESIDENT_REPORT,
        photos=[photo()],
    )
    rectify(world, done, "2026-06-05", photos=[photo((0, 0, 200))])
    with travel("2026-06-06"):
        s.hazard_verify(actor=world.user("office"), hazard=done, accepted=False, note="线路未穿管")
    rectify(world, done, "2026-06-08")
    with travel("2026-06-09", 11):
        s.hazard_verify(actor=world.user("leader"), hazard=done, accepted=True, note="已穿管")
    with travel("2026-06-10", 16):
        s.hazard_close(actor=world.user("office"), hazard=done)
    recent = report(world, "2026-06-18", title="河堤护栏缺失", category=HazardCategory.ROAD_TRAFFIC)
    waiting = report(world, "2026-06-03", title="危房未设警示")  # rectified late, awaiting verification
    rectify(world, waiting, "2026-06-19")
    elsewhere = report(world, "2026-06-01", actor=world.user("admin"), unit=world.other_village)
    return {"late": late, "done": done, "recent": recent, "waiting": waiting, "elsewhere": elsewhere}


HAZARD_HEADERS = [
    "Number",
    "Found on",
    "Where",
    "Category",
    "Severity",
    "Hazard",
    "Place",
    "Coordinates",
    "Found by way of",
    "Found by",
    "Responsible unit",
    "Rectify by",
    "Status",
    "Rectified at",
    "Rectified by",
    "Verified at",
    "Verified by",
    "Times sent back",
    "Closed at",
    "Days overdue",
    "Photos",
]


def hazard_sheet(user: User, **filters: Any) -> Any:
    with translation.override("en"):
        return read(hazard_ledger_xlsx(hazard_ledger(user=user, filters=HazardFilter(**filters))))


def test_hazard_ledger(world: World) -> None:
    made = hazards(world)
    sheet = hazard_sheet(world.user("office"))
    assert_header(sheet, HAZARD_SHEET, HAZARD_HEADERS)
    assert HAZARD_SHEET == "隐患排查整改台账"
    rows = by_number(sheet)
    assert made["elsewhere"].number not in rows  # another township: out of the office's scope
    assert [row["Number"] for row in table(sheet)] == [  # newest finding first
        made[key].number for key in ("recent", "waiting", "done", "late")
    ]

    late = rows[made["late"].number]
    assert late["Number"] == "2026-HB-01-YH0001"
    assert late["Found on"] == local("2026-06-01", 0)
    assert (late["Where"], late["Responsible unit"]) == ("河东村", "河东村")
    assert (late["Category"], late["Severity"]) == ("Gas", "General hazard")
    assert (late["Hazard"], late["Place"]) == ("液化气瓶露天存放", "河东村3组")
    assert late["Coordinates"] == "28.194000, 112.982000"
    assert (late["Found by way of"], late["Found by"]) == ("Inspection", "镇安监站检查组")
    # 15 days for a general hazard: due 6月16日, four days late on 6月20日.
    assert late["Rectify by"] == local("2026-06-16", 0)
    assert late["Status"] == "To be rectified"
    assert late["Days overdue"] == 4
    assert late["Photos"] == 2
    for empty in ("Rectified at", "Rectified by", "Verified at", "Verified by", "Closed at"):
        assert late[empty] is None
    assert late["Times sent back"] == 0

    done = rows[made["done"].number]
    assert (done["Category"], done["Severity"]) == ("Fire", "Serious hazard")
    assert done["Found by way of"] == "Reported by a resident"
    assert done["Coordinates"] is None and done["Found by"] is None
    assert done["Status"] == "Closed"
    assert (done["Rectified at"], done["Rectified by"]) == (local("2026-06-08", 15), "张明")
    assert (done["Verified at"], done["Verified by"]) == (local("2026-06-09", 11), "李建国")
    assert done["Closed at"] == local("2026-06-10", 16)
    assert done["Times sent back"] == 1
    assert done["Days overdue"] is None  # closed: nothing overdue
    assert done["Photos"] == 2  # one before, one after
    assert made["done"].photos.filter(stage=PhotoStage.AFTER).count() == 1

    assert rows[made["recent"].number]["Days overdue"] is None  # open, not yet due
    assert rows[made["recent"].number]["Photos"] == 0
    # Rectified after the deadline and awaiting verification: not "open and late" any more.
    assert rows[made["waiting"].number]["Status"] == "Rectified, awaiting verification"
    assert rows[made["waiting"].number]["Days overdue"] is None


def test_overdue_days_follow_the_clock(world: World) -> None:
    made = hazards(world)
    rows = hazard_ledger(user=world.user("office"), filters=HazardFilter(status="overdue"))
    with translation.override("en"):
        assert [r["Days overdue"] for r in table(read(hazard_ledger_xlsx(rows)))] == [4]
    with travel("2026-07-01", 9), translation.override("en"):
        assert [r["Days overdue"] for r in table(read(hazard_ledger_xlsx(rows)))] == [15]
        # The recent hazard (due 7月3日) is not overdue yet.
        lines = by_number(hazard_sheet(world.user("office")))
        assert lines[made["recent"].number]["Days overdue"] is None
        assert lines[made["late"].number]["Days overdue"] == 15
    with translation.override("en"):
        on_the_day = hazard_ledger_xlsx(rows_for(world), today=datetime.date(2026, 6, 16))
        assert [r["Days overdue"] for r in table(read(on_the_day))] == [None] * 4  # due today is not late


def rows_for(world: World) -> Any:
    return hazard_ledger(user=world.user("office"), filters=HazardFilter())


def test_hazard_ledger_is_one_query_whatever_its_length(world: World) -> None:
    hazards(world)
    few = queries(lambda: hazard_ledger_xlsx(rows_for(world)))
    for day in range(1, 6):
        report(world, f"2026-06-{day:02d}", title=f"隐患{day}", photos=[photo()])
    assert rows_for(world).count() == 9
    assert queries(lambda: hazard_ledger_xlsx(rows_for(world))) == few <= 2


# --- incidents -----------------------------------------------------------------------------------

INCIDENT_HEADERS = [
    "Number",
    "Occurred at",
    "Where",
    "Kind",
    "Place",
    "Summary",
    "Deaths",
    "Injured",
    "Missing",
    "Direct loss (yuan)",
    "Units that responded",
    "Reported by",
    "Reported at",
    "In the duty log",
    "Status",
    "Follow-up measures",
    "Closed at",
]


def incidents(world: World) -> dict[str, Incident]:
    office = world.user("office")
    with travel("2026-06-08", 15):
        fire = s.incident_report(
            actor=office,
            unit=world.village,
            data=s.IncidentIn(
                kind=IncidentKind.FIRE,
                occurred_at=at("2026-06-08", 14, 20),
                place="河东村3组",
                summary="民房厨房起火，已扑灭",
                injuries=2,
                direct_loss="12000.50",
                response_units="消防救援站、派出所",
            ),
        )
        s.incident_measure_add(actor=office, incident=fire, text="走访受灾户，发放救助物资")
    with travel("2026-06-09"):
        s.incident_measure_add(actor=world.user("leader"), incident=fire, text="全村开展用电安全检查")
        s.incident_close(actor=office, incident=fire, note="善后完毕")
    # A published duty roster for 6月10日–12日: an incident then goes into the duty log.
    with travel("2026-06-01"):
        leaders, officers = pool(world)
        roster = special_period(world, leaders, officers, starts_on="2026-06-10", ends_on="2026-06-12")
        roster_generate(actor=office, roster=roster)
        roster_publish(actor=office, roster=roster, confirm_gaps=True, note="测试")
    with travel("2026-06-11", 8, 5):
        crash = s.incident_report(
            actor=world.user("reporter"),
            unit=world.village,
            data=s.IncidentIn(
                kind=IncidentKind.ROAD_ACCIDENT,
                occurred_at=at("2026-06-11", 7, 40),
                place="县道X012河东段",
                summary="两车相撞",
                deaths=1,
                injuries=3,
                missing=0,
            ),
        )
    return {"fire": fire, "crash": crash}


def test_incident_ledger(world: World) -> None:
    made = incidents(world)
    with translation.override("en"):
        sheet = read(incident_ledger_xlsx(incident_list(user=world.user("office"))))
    assert_header(sheet, INCIDENT_SHEET, INCIDENT_HEADERS)
    assert INCIDENT_SHEET == "事故台账"
    assert [row["Number"] for row in table(sheet)] == [made["crash"].number, made["fire"].number]
    rows = by_number(sheet)

    fire = rows[made["fire"].number]
    assert fire["Number"] == "2026-HB-01-SG0001"
    assert fire["Occurred at"] == local("2026-06-08", 14, 20)
    assert (fire["Where"], fire["Kind"], fire["Place"]) == ("河东村", "Fire", "河东村3组")
    assert fire["Summary"] == "民房厨房起火，已扑灭"
    assert (fire["Deaths"], fire["Injured"], fire["Missing"]) == (0, 2, 0)
    assert Decimal(str(fire["Direct loss (yuan)"])) == Decimal("12000.50")
    assert fire["Units that responded"] == "消防救援站、派出所"
    assert (fire["Reported by"], fire["Reported at"]) == ("王小红", local("2026-06-08", 15))
    assert fire["In the duty log"] == "No"  # no duty shift was published that day
    assert (fire["Status"], fire["Follow-up measures"]) == ("Closed", 2)
    assert fire["Closed at"] == local("2026-06-09")

    crash = rows[made["crash"].number]
    assert (crash["Kind"], crash["Deaths"], crash["Injured"]) == ("Road accident", 1, 3)
    assert crash["Reported by"] == "张明"
    assert crash["In the duty log"] == "Yes"
    assert (crash["Status"], crash["Follow-up measures"], crash["Closed at"]) == ("Being handled", 0, None)
    assert crash["Units that responded"] is None


def test_incident_ledger_is_one_query_whatever_its_length(world: World) -> None:
    made = incidents(world)
    office = world.user("office")
    few = queries(lambda: incident_ledger_xlsx(incident_list(user=office)))
    for hour in range(1, 6):
        with travel("2026-06-15", hour + 8):
            incident = s.incident_report(
                actor=office,
                unit=world.village2,
                data=s.IncidentIn(
                    kind=IncidentKind.OTHER, occurred_at=at("2026-06-15", hour), place="河西村", summary="x"
                ),
            )
            s.incident_measure_add(actor=office, incident=incident, text="已处置")
    assert incident_list(user=office).count() == len(made) + 5
    assert queries(lambda: incident_ledger_xlsx(incident_list(user=office))) == few <= 2


# --- patrols -------------------------------------------------------------------------------------

PATROL_HEADERS = [
    "Unit",
    "Planned route",
    "Started at",
    "Ended at",
    "Patrollers",
    "Route taken",
    "Findings",
    "Hazards raised",
]


def patrols(world: World) -> list[PatrolRecord]:
    with travel("2026-06-01"):
        route = s.patrol_route_create(
            actor=world.user("office"),
            unit=world.village,
            name="夜间防火巡逻",
            route="村口—3组—河堤",
            start_time=datetime.time(20),
            end_time=datetime.time(22),
            starts_on=datetime.date(2026, 6, 1),
        )
    with travel("2026-06-12", 22, 30):
        with_finding, _raised = s.patrol_record_create(
            actor=world.user("reporter"),
            unit=world.village,
            route=route,
            started_at=at("2026-06-12", 20),
            ended_at=at("2026-06-12", 22, 10),
            patrollers="张明、志愿者李华",
            route_taken="村口—3组—河堤",
            findings="3组柴草堆放紧邻灶房",
            hazards=[
                s.HazardIn(
                    title="柴草堆放紧邻灶房",
                    category=HazardCategory.FIRE,
                    severity=Severity.GENERAL,
                    place="河东村3组",
                    photos=[photo()],
                )
            ],
        )
    with travel("2026-06-14", 12):
        quiet, _none = s.patrol_record_create(
            actor=world.user("office"),
            unit=world.township,
            started_at=at("2026-06-14", 9),
            ended_at=at("2026-06-14", 11),
            patrollers="镇综治办",
        )
    return [with_finding, quiet]


def test_patrol_ledger(world: World) -> None:
    with_finding, quiet = patrols(world)
    with translation.override("en"):
        sheet = read(patrol_ledger_xlsx(patrol_records(user=world.user("office"))))
    assert_header(sheet, PATROL_SHEET, PATROL_HEADERS)
    assert PATROL_SHEET == "巡逻记录"
    rows = table(sheet)
    assert rows == [
        {
            "Unit": "河坝镇",
            "Planned route": None,
            "Started at": local("2026-06-14", 9),
            "Ended at": local("2026-06-14", 11),
            "Patrollers": "镇综治办",
            "Route taken": None,
            "Findings": None,
            "Hazards raised": 0,
        },
        {
            "Unit": "河东村",
            "Planned route": "夜间防火巡逻",
            "Started at": local("2026-06-12", 20),
            "Ended at": local("2026-06-12", 22, 10),
            "Patrollers": "张明、志愿者李华",
            "Route taken": "村口—3组—河堤",
            "Findings": "3组柴草堆放紧邻灶房",
            "Hazards raised": 1,
        },
    ]
    # The finding became a hazard of the patrol, in the hazard ledger too.
    hazard = with_finding.hazards.get()
    line = by_number(hazard_sheet(world.user("office")))[hazard.number]
    assert (line["Found by way of"], line["Found on"]) == ("Patrol", local("2026-06-12", 0))
    # The village's cadre sees the village's patrols only.
    with translation.override("en"):
        mine = table(read(patrol_ledger_xlsx(patrol_records(user=world.user("reporter")))))
    assert [row["Unit"] for row in mine] == ["河东村"]
    assert quiet.pk not in {r.pk for r in patrol_records(user=world.user("reporter"))}


def test_patrol_ledger_is_one_query_whatever_its_length(world: World) -> None:
    patrols(world)
    office = world.user("office")
    few = queries(lambda: patrol_ledger_xlsx(patrol_records(user=office)))
    for day in range(15, 19):
        with travel(f"2026-06-{day}", 23):
            s.patrol_record_create(
                actor=office,
                unit=world.village2,
                started_at=at(f"2026-06-{day}", 20),
                ended_at=at(f"2026-06-{day}", 22),
                patrollers="河西村巡逻队",
            )
    assert patrol_records(user=office).count() == 6
    assert queries(lambda: patrol_ledger_xlsx(patrol_records(user=office))) == few <= 2


def test_filenames() -> None:
    with translation.override("en"):
        day = datetime.date(2026, 6, 20)
        assert safety_export_filename("hazards", day) == "hazard-ledger-20260620.xlsx"
        assert safety_export_filename("incidents", day) == "incident-ledger-20260620.xlsx"
        assert safety_export_filename("patrols", day) == "patrol-records-20260620.xlsx"
