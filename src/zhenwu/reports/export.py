"""The summary (汇总) as files: an .xlsx workbook (openpyxl) and a .docx report in the GB/T 9704 layout.

The workbook has three sheets: the summary (counts and field totals), one row per unit and deadline
with the unit's current values, and the text answers by unit. Its headings are interface text
(gettext); the per-unit rows need one extra query (the current submissions of the summary's slots),
whatever the number of units.

The .docx is the written report the collecting office hands its leaders. Decisions, since the
standard leaves them to the issuing body:

* it is the office's report (报告), not a 文件: the red header is the collecting unit's office
  (``<unit>党政办公室`` for a township, ``<unit>办公室`` otherwise), which is also the issuer; it
  carries no document number (an internal summary is not numbered);
* the title is ``关于<moment><report type>的汇总报告``, the moment being the day (2026年3月2日) or the
  deadline (2026年3月2日9时);
* the addressee is the unit's principal leaders (镇党委、镇政府主要领导 for a township);
* the body has three numbered parts: 一、报送情况 (expected, reported, zero, late and missing, with
  the units named), 二、主要数据 (each field's total), 三、需要说明的情况 (text answers by unit);
  it closes with 特此报告。 and is dated the day it is generated (Beijing).

Like the petition notices, the document's wording is Chinese data, not translatable interface text:
it is an official document in the township's language whatever language the person printing it
reads the pages in.
"""

import datetime
import decimal
import io
from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from zhenwu.core.choices import UnitKind
from zhenwu.core.documents import DOCUMENT_TZ, Heading, OfficialDocument, chinese_date, render_docx, today
from zhenwu.core.xlsx import SheetWriter, text_width
from zhenwu.reports.choices import FieldKind, SlotState
from zhenwu.reports.fields import FieldSpec, display_value
from zhenwu.reports.models import ReportSubmission
from zhenwu.reports.summary import Summary, UnitLine

#: Column widths in Excel characters (a Chinese character counts two): at least / at most.
#: Summary columns are at least this wide (labels of a few characters look cramped otherwise).
MIN_WIDTH = 8


# --- shared --------------------------------------------------------------------------------------


def _local(moment: datetime.datetime) -> datetime.datetime:
    """Beijing wall-clock time: deadlines are meant in Beijing time whatever the server's zone."""
    return timezone.localtime(moment, DOCUMENT_TZ)


def _slot_lines(summary: Summary) -> list[UnitLine]:
    """Every slot of the summary once (reported, missing or not yet due), by unit and deadline."""
    lines = [*summary.reported, *summary.missing, *summary.open]
    return sorted(lines, key=lambda line: (line.unit.path, line.due_at))


def _current_values(summary: Summary, lines: Sequence[UnitLine]) -> dict[tuple[int, datetime.datetime], Any]:
    """(unit id, deadline) -> (is_zero, values) of the current submissions: one query.

    Restricted to the units of ``lines``, which ``build_summary`` already scoped to its user.
    """
    unit_ids = {line.unit.pk for line in lines}
    if not unit_ids:
        return {}
    rows = ReportSubmission.objects.filter(
        slot__schedule_id=summary.schedule.pk,
        slot__slot_on=summary.day,
        slot__unit_id__in=unit_ids,
        is_current=True,
    )
    if summary.due_at is not None:
        rows = rows.filter(slot__due_at=summary.due_at)
    return {
        (unit_id, due_at): (is_zero, values)
        for unit_id, due_at, is_zero, values in rows.values_list(
            "slot__unit_id", "slot__due_at", "is_zero", "values"
        )
    }


# --- .xlsx ---------------------------------------------------------------------------------------


def _cell_value(spec: FieldSpec, value: Any) -> Any:
    """A stored value as a cell: counts and numbers as numbers (exact decimals), the rest as text."""
    if value is None or value == "":
        return None
    if spec.kind == FieldKind.COUNT:
        return int(value)
    if spec.kind == FieldKind.NUMBER:
        return decimal.Decimal(str(value))
    return display_value(spec, value)


def _names(lines: Sequence[UnitLine], summary: Summary, *, late: bool = False) -> str:
    parts = []
    for line in lines:
        detail = []
        if summary.due_at is None:
            detail.append(_local(line.due_at).strftime("%H:%M"))
        if late:
            detail.append(_("%(minutes)s min late") % {"minutes": line.late_minutes})
        parts.append(f"{line.unit.name}（{'，'.join(detail)}）" if detail else line.unit.name)
    return "、".join(parts)


def _summary_sheet(sheet: SheetWriter, summary: Summary) -> None:
    schedule = summary.schedule
    sheet.append([summary.title], bold=True, size=14)
    sheet.append([_("Schedule"), schedule.name])
    sheet.append([_("Collected by"), schedule.owner_unit.name])
    sheet.append([_("Generated at"), _local(timezone.now()).replace(tzinfo=None)])
    sheet.blank()
    sheet.append([_("Reports"), pgettext("how many", "Number"), _("Units")], bold=True)
    sheet.append([_("Expected"), summary.expected])
    sheet.append([_("Reported"), len(summary.reported)])
    sheet.append([_("Zero reports"), len(summary.zero), _names(summary.zero, summary)])
    sheet.append([_("Late"), len(summary.late), _names(summary.late, summary, late=True)])
    sheet.append([_("Missing"), len(summary.missing), _names(summary.missing, summary)])
    sheet.append([_("Not yet due"), len(summary.open), _names(summary.open, summary)])
    sheet.blank()
    sheet.append([_("Field"), _("Total"), _("Counted as")], bold=True)
    for spec, _total in summary.rows():
        how = _("units answering yes") if spec.kind == FieldKind.YES_NO else spec.kind_label
        sheet.append([spec.label, summary.totals.get(spec.key, 0), how])
    # The title is one long cell spilling over the empty cells beside it: it does not widen column A.
    sheet.widths[1] = max(text_width(row[0].value or "") for row in sheet.sheet.iter_rows(min_row=2))
    sheet.finish(freeze="A2")  # the title row stays in view


def _units_sheet(sheet: SheetWriter, summary: Summary) -> None:
    lines = _slot_lines(summary)
    current = _current_values(summary, lines)
    states = {value: str(label) for value, label in SlotState.choices}
    yes, no = _("Yes"), _("No")
    header = [
        _("Unit"),
        _("Deadline"),
        _("State"),
        _("Minutes late"),
        _("Nothing to report"),
        _("Submitted by"),
        *(spec.label for spec in summary.fields),
    ]
    sheet.append(header, bold=True)
    for line in lines:
        found = current.get((line.unit.pk, line.due_at))
        is_zero, values = found if found is not None else (None, {})
        sheet.append(
            [
                line.unit.name,
                _local(line.due_at).replace(tzinfo=None),
                states.get(line.state, line.state),
                line.late_minutes if line.state == SlotState.LATE else None,
                None if is_zero is None else (yes if is_zero else no),
                line.submitted_by or None,
                *(_cell_value(spec, values.get(spec.key)) for spec in summary.fields),
            ]
        )
    sheet.finish(freeze="A2")


def _texts_sheet(sheet: SheetWriter, summary: Summary) -> None:
    sheet.append([_("Unit"), _("Deadline"), _("Field"), _("Text")], bold=True)
    for item in sorted(summary.texts, key=lambda item: (item.unit.path, item.due_at)):
        sheet.append([item.unit.name, _local(item.due_at).replace(tzinfo=None), item.label, item.text])
    sheet.finish(freeze="A2")


def summary_xlsx(summary: Summary) -> bytes:
    """The summary as an .xlsx workbook: summary, per unit, text answers."""
    workbook = Workbook()
    first = workbook.active
    assert first is not None  # noqa: S101 -- a new workbook always has its first sheet
    first.title = pgettext("report summary", "Summary")[:31]
    _summary_sheet(SheetWriter(first, min_width=MIN_WIDTH), summary)
    _units_sheet(SheetWriter(workbook.create_sheet(_("By unit")[:31]), min_width=MIN_WIDTH), summary)
    _texts_sheet(SheetWriter(workbook.create_sheet(_("Text answers")[:31]), min_width=MIN_WIDTH), summary)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- .docx ---------------------------------------------------------------------------------------


def _clock(moment: datetime.datetime) -> str:
    """9时, 17时30分: Beijing time as official documents write it."""
    local = _local(moment)
    return f"{local.hour}时{local.minute}分" if local.minute else f"{local.hour}时"


def _moment(summary: Summary) -> str:
    if summary.due_at is not None:
        return f"{chinese_date(summary.due_at)}{_clock(summary.due_at)}"
    return chinese_date(summary.day)


def _unit_words(summary: Summary, lines: Sequence[UnitLine], *, late: bool = False) -> str:
    parts = []
    for line in lines:
        detail = []
        if summary.due_at is None:
            detail.append(_clock(line.due_at))
        if late:
            detail.append(f"迟报{line.late_minutes}分钟")
        parts.append(f"{line.unit.name}（{'，'.join(detail)}）" if detail else line.unit.name)
    return "、".join(parts)


def _total_words(summary: Summary) -> list[str]:
    rows = summary.rows()
    if len(summary.reported) == len(summary.zero):
        return ["暂无单位报送数据。" if not summary.reported else "已报送的均为零报告，无数据。"]
    out = []
    for number, (spec, total) in enumerate(rows, start=1):
        if spec.kind == FieldKind.YES_NO:
            out.append(f"{number}. {spec.label}：{total}份填报“是”。")
        else:
            out.append(f"{number}. {spec.label}：合计{total}。")
    return out


def summary_document(summary: Summary) -> OfficialDocument:
    """What the written summary says (see the module docstring for the choices made)."""
    schedule = summary.schedule
    owner = schedule.owner_unit
    township = owner.kind == UnitKind.TOWNSHIP
    office = f"{owner.name}党政办公室" if township else f"{owner.name}办公室"
    type_name = schedule.report_type.name
    moment = _moment(summary)
    status = (
        f"应报{summary.expected}份，已报{len(summary.reported)}份（其中零报告{len(summary.zero)}份），"
        f"迟报{len(summary.late)}份，未报{len(summary.missing)}份"
    )
    status += f"，尚未到截止时间{len(summary.open)}份。" if summary.open else "。"
    details = [
        (summary.zero, "零报告单位", False),
        (summary.late, "迟报单位", True),
        (summary.missing, "未报单位", False),
    ]
    lines = [
        f"{label}：{_unit_words(summary, found, late=late)}。" for found, label, late in details if found
    ]
    texts = [
        f"{item.unit.name}（{_clock(item.due_at) + '，' if summary.due_at is None else ''}{item.label}）："
        f"{item.text}"
        for item in sorted(summary.texts, key=lambda item: (item.unit.path, item.due_at))
    ]
    body: list[str | Heading] = [
        f"根据“{schedule.name}”安排，现将{moment}{type_name}的报送情况汇总报告如下：",
        Heading("一、报送情况"),
        "\n".join([status, *lines]),
        Heading("二、主要数据"),
        "\n".join(_total_words(summary)),
        Heading("三、需要说明的情况"),
        "\n".join(texts) if texts else "无。",
    ]
    return OfficialDocument(
        header=office,
        title=f"关于{moment}{type_name}的汇总报告",
        addressee="镇党委、镇政府主要领导" if township else f"{owner.name}主要领导",
        body=body,
        closing="特此报告。",
        issuer=office,
        dated_on=today(),
    )


def summary_docx(summary: Summary) -> bytes:
    """The summary as a .docx report in the GB/T 9704 layout."""
    return render_docx(summary_document(summary))


def summary_filename(summary: Summary, extension: str) -> str:
    """报送汇总-daily-20260302-0900.xlsx (a deadline) or …-20260302.docx (a day); the msgid is English."""
    if summary.due_at is not None:
        moment = _local(summary.due_at).strftime("%Y%m%d-%H%M")
    else:
        moment = summary.day.strftime("%Y%m%d")
    return _("report-summary-%(code)s-%(moment)s.%(extension)s") % {
        "code": summary.schedule.report_type.code,
        "moment": moment,
        "extension": extension.lstrip("."),
    }
