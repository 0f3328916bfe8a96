"""A duty roster (值班表) as an .xlsx workbook (openpyxl).

Two sheets: the roster, one row per shift (day, weekday, holiday, shift and hours, the leader on
duty and the duty officers with their phones: reaching the people on duty is what a roster is
for), and the fairness table (shifts, hours, nights and rest-day shifts per person, shifts while on
leave). A status line says whether the roster is published, and with which recorded problems.
Headings are interface text (gettext); names and phones are data. A fixed number of queries.
"""

import datetime
import io

from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from zhenwu.core.localtime import BEIJING
from zhenwu.core.models import User
from zhenwu.core.xlsx import SheetWriter
from zhenwu.duty.choices import Position, RosterStatus
from zhenwu.duty.models import Roster
from zhenwu.duty.selectors import fairness_report, roster_shifts


def _local(moment: datetime.datetime) -> datetime.datetime:
    """Beijing wall-clock time without a zone (Excel has none)."""
    return timezone.localtime(moment, BEIJING).replace(tzinfo=None)


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


def _roster_sheet(sheet: SheetWriter, roster: Roster) -> None:
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


def _fairness_sheet(sheet: SheetWriter, roster: Roster) -> None:
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
    _roster_sheet(SheetWriter(first), roster)
    _fairness_sheet(SheetWriter(workbook.create_sheet(_("Fairness")[:31])), roster)
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
