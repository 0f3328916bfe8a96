"""A duty roster (值班表) as an .xlsx workbook (openpyxl).

Two sheets: the roster, one row per shift (day, weekday, holiday, shift and hours, the leader on
duty and the duty officers with their phones: reaching the people on duty is what a roster is
for), and the fairness table (shifts, hours, nights and rest-day shifts per person, shifts while on
leave). A status line says whether the roster is published, and with which recorded problems.
Headings are interface text (gettext); names and phones are data. A fixed number of queries.
"""

import datetime
import io
import unicodedata
from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from zhenwu.core.models import User
from zhenwu.duty.choices import Position, RosterStatus
from zhenwu.duty.models import Roster
from zhenwu.duty.selectors import fairness_report, roster_shifts
from zhenwu.duty.services import LOCAL_TZ

#: Column widths in Excel characters (a Chinese character counts two): at least / at most.
MIN_WIDTH = 6
MAX_WIDTH = 60
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


def _width(value: Any) -> int:
    if isinstance(value, datetime.datetime):
        return 16
    if isinstance(value, datetime.date):
        return 10
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(value))


class _Sheet:
    """A worksheet written row by row, text kept as text, columns as wide as their contents."""

    def __init__(self, sheet: Worksheet) -> None:
        self.sheet = sheet
        self.row = 0
        self.widths: dict[int, int] = {}

    def append(
        self, values: Sequence[Any], *, bold: bool = False, size: float | None = None, title: bool = False
    ) -> None:
        """One row; a ``title`` spills over the empty cells beside it and widens no column."""
        self.row += 1
        for column, value in enumerate(values, start=1):
            if value is None:
                continue
            cell = self.sheet.cell(row=self.row, column=column)
            if isinstance(value, str):
                # Never a formula: a name typed as "=..." stays text.
                cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
                cell.data_type = "s"
            else:
                cell.value = value
            if isinstance(value, datetime.datetime):
                cell.number_format = DATETIME_FORMAT
            elif isinstance(value, datetime.date):
                cell.number_format = DATE_FORMAT
            if bold or size:
                cell.font = Font(bold=bold, size=size)
            if isinstance(value, str) and "\n" in value:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            if not title:
                lines = value.split("\n") if isinstance(value, str) else [value]
                self.widths[column] = max(self.widths.get(column, 0), *(_width(line) for line in lines))

    def blank(self) -> None:
        self.row += 1

    def finish(self, *, freeze: str | None = None) -> None:
        for column, width in self.widths.items():
            self.sheet.column_dimensions[get_column_letter(column)].width = min(
                max(width + 2, MIN_WIDTH), MAX_WIDTH
            )
        if freeze:
            self.sheet.freeze_panes = freeze


def _local(moment: datetime.datetime) -> datetime.datetime:
    """Beijing wall-clock time without a zone (Excel has none)."""
    return timezone.localtime(moment, LOCAL_TZ).replace(tzinfo=None)


def _person(person: User) -> str:
    return f"{person.get_full_name()} {person.phone}".strip()


def _status(roster: Roster) -> str:
    if roster.status != RosterStatus.PUBLISHED or roster.published_at is None:
        return _("Draft: not published")
    text = _("Published %(time)s") % {"time": _local(roster.published_at).strftime("%Y-%m-%d %H:%M")}
    if roster.published_with_gaps:
        text += "; " + _("published with %(count)s problems: %(reason)s") % {
            "count": len(roster.published_with_gaps),
            "reason": roster.gaps_note,
        }
    return text


#: Rows above the roster's table: the title, unit, period, status, a blank line.
HEADER_ROWS = 5


def _roster_sheet(sheet: _Sheet, roster: Roster) -> None:
    sheet.append([f"{roster.unit.name} {roster.name}"], bold=True, size=14, title=True)
    sheet.append([pgettext("duty roster", "Period"), roster.starts_on, roster.ends_on])
    sheet.append([_("Status"), _status(roster)], title=True)
    sheet.append([_("Generated at"), _local(timezone.now())])
    sheet.blank()
    sheet.append(
        [
            _("Date"),
            _("Weekday"),
            _("Holiday"),
            _("Shift"),
            pgettext("shift time", "From"),
            pgettext("shift time", "To"),
            _("Leader on duty"),
            _("Duty officers"),
        ],
        bold=True,
    )
    for shift in roster_shifts(roster):
        assignments = list(shift.assignments.all())
        leaders = [_person(a.person) for a in assignments if a.position == Position.LEADER]
        officers = [_person(a.person) for a in assignments if a.position == Position.OFFICER]
        sheet.append(
            [
                shift.on_date,
                str(WEEKDAYS[shift.on_date.weekday()]),
                shift.day_name or None,
                shift.template.name,
                _local(shift.starts_at),
                _local(shift.ends_at),
                "\n".join(leaders) or None,
                "\n".join(officers) or None,
            ]
        )
    sheet.finish(freeze=f"A{HEADER_ROWS + 2}")


def _fairness_sheet(sheet: _Sheet, roster: Roster) -> None:
    sheet.append(
        [
            _("Person"),
            _("Position"),
            _("Phone"),
            _("Shifts"),
            pgettext("hours worked", "Hours"),
            _("Nights"),
            _("Rest-day shifts"),
            _("Shifts while on leave"),
        ],
        bold=True,
    )
    for row in fairness_report(roster):
        sheet.append(
            [
                row.person.get_full_name(),
                str(Position(row.position).label),
                row.person.phone or None,
                row.shifts,
                round(row.hours, 1),
                row.nights,
                row.rest_days,
                row.on_leave,
            ]
        )
    sheet.finish(freeze="A2")


def roster_xlsx(roster: Roster) -> bytes:
    """The roster as an .xlsx workbook: the shifts with the people on duty, and the fairness table."""
    workbook = Workbook()
    first = workbook.active
    assert first is not None  # noqa: S101 -- a new workbook always has its first sheet
    first.title = _("Roster")[:31]
    _roster_sheet(_Sheet(first), roster)
    _fairness_sheet(_Sheet(workbook.create_sheet(_("Fairness")[:31])), roster)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def roster_filename(roster: Roster) -> str:
    """值班表-HB-20260301-20260320.xlsx; the msgid is English."""
    return _("duty-roster-%(unit)s-%(first)s-%(last)s.xlsx") % {
        "unit": roster.unit.code,
        "first": roster.starts_on.strftime("%Y%m%d"),
        "last": roster.ends_on.strftime("%Y%m%d"),
    }
