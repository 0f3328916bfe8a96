"""The township summary: totals, zero / late / missing lists, corrections, form versions, files, sending."""

import datetime
import decimal
from dataclasses import dataclass
from io import BytesIO
from typing import Any

import docx
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext
from openpyxl import load_workbook

from zhenwu.core.choices import Channel, Role, UnitKind
from zhenwu.core.models import AuditEvent, OutboxMessage, Unit, User
from zhenwu.core.services.people import person_create, person_update
from zhenwu.core.services.units import unit_create
from zhenwu.reports.choices import SlotState
from zhenwu.reports.export import summary_docx, summary_filename, summary_xlsx
from zhenwu.reports.models import ReportSchedule, ReportSlot
from zhenwu.reports.services import report_submit, report_type_change_form
from zhenwu.reports.summary import Summary, build_summary, summary_send, summary_text
from zhenwu.reports.tests.factories import DAILY_FIELDS, at, daily_schedule, daily_type, values
from zhenwu.testing.world import World

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 2)
#: 09:00 on DAY as the workbook shows it: Beijing wall-clock time, no zone (Excel has none).
NINE_LOCAL = at("2026-03-02", 9).replace(tzinfo=None)
WEBHOOK = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=summary-test"


def slot_at(schedule: ReportSchedule, unit: Unit, hour: int, day: str = "2026-03-02") -> ReportSlot:
    return ReportSlot.objects.get(schedule=schedule, unit=unit, due_at=at(day, hour))


def add_village(world: World, name: str, code: str) -> Unit:
    return unit_create(
        actor=world.user("admin"), parent=world.township, kind=UnitKind.VILLAGE, name=name, code=code
    )


def add_person(world: World, username: str, name: str, unit: Unit, role: str, email: str = "") -> User:
    return person_create(
        actor=world.user("admin"),
        username=username,
        full_name=name,
        unit=unit,
        role=role,
        phone="13900005678",
        email=email,
    )


@dataclass
class Day:
    """Three villages reporting twice on 2026-03-02 (see ``day``)."""

    world: World
    schedule: ReportSchedule
    v1: Unit  # 河东村
    v2: Unit  # 河西村
    v3: Unit  # 南岭村
    office: User

    def summary(self, hour: int | None = None, *, user: User | None = None) -> Summary:
        return build_summary(
            user=user or self.office,
            schedule=ReportSchedule.objects.get(pk=self.schedule.pk),
            day=DAY,
            due_at=at("2026-03-02", hour) if hour is not None else None,
        )


@pytest.fixture
def day(world: World, clock) -> Day:
    """09:00: 河东村 on time with figures, 河西村 15 minutes late, 南岭村 missing.

    17:00: 河东村 a zero report, 河西村 and 南岭村 on time (南岭村 at the exact second).
    The clock is left at 20:00.
    """
    office = world.user("office")
    v3 = add_village(world, "南岭村", "HB-03")
    reporter1 = world.user("reporter")
    reporter2 = add_person(world, "reporter2", "刘芳", world.village2, Role.REPORTER)
    reporter3 = add_person(world, "reporter3", "周强", v3, Role.REPORTER)
    schedule = daily_schedule(
        office, world.township, [world.village, world.village2, v3], webhook_url=WEBHOOK
    )

    clock.move_to(at("2026-03-02", 8, 30))
    report_submit(
        actor=reporter1,
        slot=slot_at(schedule, world.village, 9),
        values=values(
            incidents=1,
            hazards=2,
            disputes_received=3,
            disputes_resolved=2,
            petitions=1,
            losses="1.25",
            duty_on_shift=True,
            other="村口道路塌方，已设置警示标志",
        ),
    )
    clock.move_to(at("2026-03-02", 9, 15))
    report_submit(
        actor=reporter2,
        slot=slot_at(schedule, world.village2, 9),
        values=values(incidents=2, hazards=0, disputes_received=1, losses="0.5", duty_on_shift=False),
    )
    clock.move_to(at("2026-03-02", 16))
    report_submit(actor=reporter1, slot=slot_at(schedule, world.village, 17), is_zero=True)
    clock.move_to(at("2026-03-02", 16, 30))
    report_submit(
        actor=reporter2,
        slot=slot_at(schedule, world.village2, 17),
        values=values(hazards=4, losses="2", duty_on_shift=True),
    )
    clock.move_to(at("2026-03-02", 17))
    report_submit(
        actor=reporter3,
        slot=slot_at(schedule, v3, 17),
        values=values(incidents=1, hazards=1, losses="0.25", other='=HYPERLINK("http://x")'),
    )
    clock.move_to(at("2026-03-02", 20))
    return Day(world, schedule, world.village, world.village2, v3, office)


def names(lines) -> list[str]:
    return [line.unit.name for line in lines]


# --- totals and lists ----------------------------------------------------------------------------


def test_a_reporter_without_a_full_name_is_shown_by_user_name(day: Day) -> None:
    reporter = User.objects.get(username="reporter2")
    User.objects.filter(pk=reporter.pk).update(full_name="")
    reporter.refresh_from_db()
    late = day.summary(9).late
    assert [line.submitted_by for line in late] == ["reporter2"] == [reporter.get_full_name()]


def test_one_deadline_totals_lists_and_texts(day: Day) -> None:
    summary = day.summary(9)
    assert summary.expected == 3
    assert summary.totals == {
        "incidents": 3,
        "hazards": 2,
        "disputes_received": 4,
        "disputes_resolved": 3,
        "petitions": 1,
        "losses": decimal.Decimal("1.75"),
        "duty_on_shift": 1,  # units that answered yes
    }
    assert names(summary.reported) == ["河东村", "河西村"]
    assert names(summary.late) == ["河西村"]
    assert summary.late[0].late_minutes == 15
    assert summary.late[0].submitted_by == "刘芳"
    assert names(summary.missing) == ["南岭村"]
    assert summary.zero == [] and summary.open == []
    assert [(t.unit.name, t.label, t.text) for t in summary.texts] == [
        ("河东村", "其他情况", "村口道路塌方，已设置警示标志")
    ]
    # Every field of the form is there, in the form's order; text fields are not totalled.
    assert [spec.key for spec in summary.fields] == [f["key"] for f in DAILY_FIELDS]
    assert "other" not in summary.totals
    assert [spec.key for spec, _total in summary.rows()] == [f["key"] for f in DAILY_FIELDS[:-1]]


def test_whole_day_summary_adds_both_deadlines(day: Day) -> None:
    summary = day.summary()
    assert summary.due_at is None
    assert summary.expected == 6
    assert len(summary.reported) == 5
    assert [(line.unit.name, line.due_at) for line in summary.zero] == [("河东村", at("2026-03-02", 17))]
    assert [(line.unit.name, line.due_at) for line in summary.missing] == [("南岭村", at("2026-03-02", 9))]
    assert names(summary.late) == ["河西村"]
    assert summary.totals["incidents"] == 1 + 2 + 0 + 1
    assert summary.totals["hazards"] == 2 + 0 + 4 + 1
    # 1.25 + 0.5 + 2 + 0.25 = 4.00: a whole total is shown as 4, not 4.00.
    assert summary.totals["losses"] == 4
    assert isinstance(summary.totals["losses"], int)
    assert summary.totals["duty_on_shift"] == 3  # 河东村 09:00, 河西村 17:00, 南岭村 17:00
    assert [t.unit.name for t in summary.texts] == ["河东村", "南岭村"]


def _next_morning(day: Day, clock) -> Summary:
    """03-03 08:45: 河东村 has sent a zero report, the others have a quarter of an hour left."""
    clock.move_to(at("2026-03-03", 8, 45))
    report_submit(
        actor=day.world.user("reporter"), slot=slot_at(day.schedule, day.v1, 9, "2026-03-03"), is_zero=True
    )
    return build_summary(
        user=day.office, schedule=day.schedule, day=datetime.date(2026, 3, 3), due_at=at("2026-03-03", 9)
    )


def test_before_the_deadline_units_are_open_not_missing(day: Day, clock) -> None:
    summary = _next_morning(day, clock)
    assert names(summary.reported) == ["河东村"]
    assert names(summary.zero) == ["河东村"]
    assert names(summary.open) == ["河西村", "南岭村"]
    assert summary.missing == [] and summary.late == []
    assert summary.totals["hazards"] == 0  # the zero report adds nothing
    assert summary.texts == []


def test_a_reporter_sees_the_summary_of_their_own_village_only(day: Day) -> None:
    summary = day.summary(9, user=day.world.user("reporter"))
    assert summary.expected == 1
    assert names(summary.reported) == ["河东村"]
    assert summary.totals["incidents"] == 1


def test_a_correction_replaces_the_original_in_the_totals(day: Day, clock) -> None:
    reporter = day.world.user("reporter")
    clock.move_to(at("2026-03-02", 10))
    report_submit(
        actor=reporter,
        slot=slot_at(day.schedule, day.v1, 9),
        values=values(incidents=4, hazards=2, disputes_received=3, disputes_resolved=2, petitions=1),
        expected_revision=1,
        note="漏报三起交通事故",
    )
    clock.move_to(at("2026-03-02", 20))
    summary = day.summary(9)
    assert summary.totals["incidents"] == 4 + 2
    assert summary.totals["losses"] == decimal.Decimal("0.5")  # the correction left losses blank
    assert summary.totals["duty_on_shift"] == 1
    assert summary.texts == []  # nor any remark
    # Lateness is still the first submission's: the correction does not make 河东村 late.
    assert names(summary.late) == ["河西村"]


def test_a_new_form_version_still_sums_by_key(day: Day, clock) -> None:
    """v2 drops `petitions`, renames `hazards` and adds `fires`; old and new reports add up per key."""
    new_fields: list[dict[str, Any]] = [
        {"key": "fires", "label": "火情", "kind": "count"},
        *[
            {**f, "label": "排查发现隐患"} if f["key"] == "hazards" else f
            for f in DAILY_FIELDS
            if f["key"] != "petitions"
        ],
    ]
    clock.move_to(at("2026-03-03", 8))
    report_submit(
        actor=day.world.user("reporter"),
        slot=slot_at(day.schedule, day.v1, 9, "2026-03-03"),
        values=values(hazards=5),
    )
    report_type_change_form(
        actor=day.office, report_type=day.schedule.report_type, fields=new_fields, expected_version=1
    )
    report_submit(
        actor=day.office,
        slot=slot_at(day.schedule, day.v2, 9, "2026-03-03"),
        values={k: v for k, v in values(hazards=2, fires=1).items() if k != "petitions"},
    )
    summary = build_summary(
        user=day.office, schedule=day.schedule, day=datetime.date(2026, 3, 3), due_at=at("2026-03-03", 9)
    )
    assert summary.totals["hazards"] == 7
    assert summary.totals["fires"] == 1
    assert summary.totals["petitions"] == 0
    keys = [spec.key for spec in summary.fields]
    assert keys[0] == "fires" and "petitions" in keys  # newest order first, retired keys after
    labels = {spec.key: spec.label for spec in summary.fields}
    assert labels["hazards"] == "排查发现隐患"  # the newest label


# --- files ---------------------------------------------------------------------------------------


def test_xlsx_has_the_totals_the_units_and_the_texts(day: Day) -> None:
    summary = day.summary(9)
    book = load_workbook(BytesIO(summary_xlsx(summary)))
    first, units, texts = book.worksheets
    assert first["A1"].value == summary.title
    by_label = {row[0]: row[1] for row in first.iter_rows(min_row=2, values_only=True) if row[0]}
    assert by_label[gettext("Expected")] == 3
    assert by_label[gettext("Reported")] == 2
    assert by_label[gettext("Late")] == 1
    assert by_label[gettext("Missing")] == 1
    assert by_label[gettext("Zero reports")] == 0
    assert by_label["安全事故"] == 3
    assert by_label["受理矛盾纠纷"] == 4
    assert by_label["经济损失（万元）"] == pytest.approx(1.75)
    assert by_label["值班人员在岗"] == 1
    assert "其他情况" not in by_label
    missing_row = next(row for row in first.iter_rows(values_only=True) if row[0] == gettext("Missing"))
    assert missing_row[2] == "南岭村"

    assert units.freeze_panes == "A2"
    header = [cell.value for cell in units[1]]
    assert all(cell.font.bold for cell in units[1])
    assert header[6:] == [f["label"] for f in DAILY_FIELDS]
    rows = {row[0]: row for row in units.iter_rows(min_row=2, values_only=True)}
    assert list(rows) == ["河东村", "河西村", "南岭村"]
    west = rows["河西村"]
    assert west[1] == NINE_LOCAL  # Beijing wall-clock time
    assert west[2] == str(SlotState.LATE.label)
    assert west[3] == 15
    assert west[4] == gettext("No")
    assert west[5] == "刘芳"
    assert west[6:9] == (2, 0, 1)
    assert west[11] == pytest.approx(0.5)
    assert west[12] == gettext("No")
    south = rows["南岭村"]
    assert south[2] == str(SlotState.MISSING.label)
    assert south[4:] == (None,) * (len(south) - 4)
    assert units.column_dimensions["A"].width >= 8

    assert list(texts.iter_rows(min_row=2, values_only=True)) == [
        ("河东村", NINE_LOCAL, "其他情况", "村口道路塌方，已设置警示标志")
    ]


def test_xlsx_keeps_a_formula_typed_by_a_unit_as_text(day: Day) -> None:
    book = load_workbook(BytesIO(summary_xlsx(day.summary(17))))
    texts = book.worksheets[2]
    cell = texts["D2"]
    assert cell.value == '=HYPERLINK("http://x")'
    assert cell.data_type == "s"


def test_docx_is_the_written_summary(day: Day, clock) -> None:
    clock.move_to(at("2026-03-03", 8))
    document = docx.Document(BytesIO(summary_docx(day.summary())))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert "河坝镇党政办公室" in text
    assert "关于2026年3月2日每日情况报告的汇总报告" in text
    assert "镇党委、镇政府主要领导：" in text
    for heading in ("一、报送情况", "二、主要数据", "三、需要说明的情况"):
        assert heading in text
    assert "应报6份，已报5份（其中零报告1份），迟报1份，未报1份。" in text
    assert "零报告单位：河东村（17时）。" in text
    assert "迟报单位：河西村（9时，迟报15分钟）。" in text
    assert "未报单位：南岭村（9时）。" in text
    assert "1. 安全事故：合计4。" in text
    assert "经济损失（万元）：合计4。" in text
    assert "值班人员在岗：3份填报“是”。" in text
    assert "河东村（9时，其他情况）：村口道路塌方，已设置警示标志" in text
    assert "特此报告。" in text
    assert "2026年3月3日" in text  # dated the day it is made


def test_docx_of_one_deadline_with_nothing_to_explain(day: Day, clock) -> None:
    summary = _next_morning(day, clock)
    text = "\n".join(p.text for p in docx.Document(BytesIO(summary_docx(summary))).paragraphs)
    assert "关于2026年3月3日9时每日情况报告的汇总报告" in text
    assert "应报3份，已报1份（其中零报告1份），迟报0份，未报0份，尚未到截止时间2份。" in text
    assert "零报告单位：河东村。" in text
    assert "迟报单位" not in text and "未报单位" not in text
    assert "已报送的均为零报告，无数据。" in text
    assert "三、需要说明的情况\n无。" in text


def test_filenames(day: Day) -> None:
    name = summary_filename(day.summary(9), "xlsx")
    assert name.endswith("-daily-20260302-0900.xlsx")
    assert summary_filename(day.summary(), ".docx").endswith("-daily-20260302.docx")


# --- sending -------------------------------------------------------------------------------------


def test_summary_send_once_to_each_leader_and_the_robot(day: Day, clock) -> None:
    world = day.world
    person_update(actor=world.user("admin"), person=world.user("leader"), email="lijg@hb.gov.cn")
    add_person(world, "leader2", "孙伟", world.township, Role.LEADER, email="sunwei@hb.gov.cn")
    add_person(world, "leader3", "钱多", world.township, Role.LEADER)  # no e-mail: SMS only
    summary = day.summary(9)
    assert summary_send(actor=day.office, summary=summary) == 2 + 3 + 1

    emails = OutboxMessage.objects.filter(channel=Channel.EMAIL)
    assert sorted(emails.values_list("recipient", flat=True)) == ["lijg@hb.gov.cn", "sunwei@hb.gov.cn"]
    assert OutboxMessage.objects.filter(channel=Channel.SMS).count() == 3  # every leader has a mobile
    robot = OutboxMessage.objects.get(channel=Channel.WEBHOOK)
    assert robot.recipient == WEBHOOK
    assert robot.body == summary_text(summary)
    assert "安全事故：3" in robot.body and "南岭村" in robot.body
    assert AuditEvent.objects.filter(
        object_type="reports.reportschedule", note__startswith="summary sent"
    ).exists()

    # The same figures again: nothing more is queued.
    total = OutboxMessage.objects.count()
    assert summary_send(actor=day.office, summary=day.summary(9)) == 0
    assert OutboxMessage.objects.count() == total

    # A late report changes the figures: that summary is news.
    clock.move_to(at("2026-03-02", 20, 30))
    report_submit(actor=day.office, slot=slot_at(day.schedule, day.v3, 9), is_zero=True)
    summary_send(actor=day.office, summary=day.summary(9))
    assert OutboxMessage.objects.filter(channel=Channel.WEBHOOK).count() == 2


def test_only_the_office_sends_summaries(day: Day) -> None:
    from zhenwu.core.exceptions import PermissionRefused

    with pytest.raises(PermissionRefused):
        summary_send(actor=day.world.user("leader"), summary=day.summary(9))
    assert not OutboxMessage.objects.exists()


# --- queries -------------------------------------------------------------------------------------


def _queries(schedule: ReportSchedule, office: User) -> tuple[int, int]:
    fresh = ReportSchedule.objects.get(pk=schedule.pk)
    with CaptureQueriesContext(connection) as built:
        summary = build_summary(user=office, schedule=fresh, day=DAY, due_at=at("2026-03-02", 9))
    with CaptureQueriesContext(connection) as exported:
        summary_xlsx(summary)
    return len(built.captured_queries), len(exported.captured_queries)


def test_build_summary_and_xlsx_query_counts_do_not_grow_with_units(world: World, clock) -> None:
    office = world.user("office")
    many = [add_village(world, f"新{i}村", f"HB-{i + 10}") for i in range(10)]
    few_schedule = daily_schedule(office, world.township, [world.village, world.village2])
    many_schedule = daily_schedule(
        office, world.township, many, report_type=daily_type(office, world.township, code="daily-b")
    )
    clock.move_to(at("2026-03-02", 8))
    for schedule, units in ((few_schedule, [world.village, world.village2]), (many_schedule, many)):
        for i, unit in enumerate(units):
            report_submit(actor=office, slot=slot_at(schedule, unit, 9), values=values(other=f"情况{i}"))
    clock.move_to(at("2026-03-02", 10))
    few = _queries(few_schedule, office)
    assert few == _queries(many_schedule, office)
    assert few[0] <= 4  # as summary.py promises
