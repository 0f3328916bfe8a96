"""The safety ledgers as .xlsx: hazards (隐患排查整改台账), incidents (事故台账), patrols (巡逻记录).

Each takes the queryset the caller passes (a selector's: scoped, filtered and ordered) and writes one
row per object. The people and units shown are joined, the counts annotated, so an export is one
query whatever its length. Times are Beijing wall-clock times (Excel has no time zones). Headings
are interface text (gettext); the sheet titles are the ledgers' Chinese names, as townships file them.

No resident's personal data is in these ledgers: a hazard's finder is "the inspection team" or "the
patrol" (the model's help text), and coordinates are of the hazard or incident, never of a person.
"""

import datetime
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from zhenwu.core.localtime import BEIJING, beijing_date
from zhenwu.core.models import User
from zhenwu.core.xlsx import SheetWriter
from zhenwu.safety.choices import (
    Discovery,
    HazardCategory,
    HazardStatus,
    IncidentKind,
    IncidentStatus,
    Severity,
)
from zhenwu.safety.models import Hazard, Incident, PatrolRecord

HAZARD_SHEET = "隐患排查整改台账"
INCIDENT_SHEET = "事故台账"
PATROL_SHEET = "巡逻记录"
CHUNK_SIZE = 2000
MIN_WIDTH = 10


def _local(moment: datetime.datetime | None) -> datetime.datetime | None:
    """Beijing wall-clock time without a zone, or None."""
    if moment is None:
        return None
    return timezone.localtime(moment, BEIJING).replace(tzinfo=None)


def _name(person: User | None) -> str | None:
    return person.get_full_name() if person is not None else None


def _labels(choices: Sequence[tuple[str, Any]]) -> dict[str, str]:
    return {value: str(label) for value, label in choices}


def _workbook(title: str, headers: list[str], rows: Any) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # noqa: S101 -- a new workbook always has its first sheet
    sheet.title = title
    writer = SheetWriter(sheet, min_width=MIN_WIDTH)
    writer.append(headers, bold=True)
    for values in rows:
        writer.append(values)
    writer.finish(freeze="B2")  # the header and the first column stay in view
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _annotated(rows: QuerySet[Any], name: str, relation: str) -> QuerySet[Any]:
    """``rows`` with a count of ``relation`` as ``name`` (the selectors annotate some already)."""
    if name in rows.query.annotations:
        return rows
    annotated: QuerySet[Any] = rows.annotate(**{name: Count(relation, distinct=True)})
    return annotated


# --- hazards -------------------------------------------------------------------------------------


def overdue_days(hazard: Hazard, today: datetime.date) -> int | None:
    """Days past the rectification deadline of a hazard still to be rectified; None otherwise."""
    if hazard.status != HazardStatus.OPEN or hazard.rectify_due >= today:
        return None
    return (today - hazard.rectify_due).days


def _coordinates(latitude: Decimal | None, longitude: Decimal | None) -> str | None:
    if latitude is None or longitude is None:
        return None
    return f"{latitude}, {longitude}"


def _hazard_headers() -> list[str]:
    return [
        _("Number"),
        _("Found on"),
        pgettext("hazard", "Where"),
        _("Category"),
        _("Severity"),
        pgettext("safety", "Hazard"),
        _("Place"),
        _("Coordinates"),
        _("Found by way of"),
        _("Found by"),
        _("Responsible unit"),
        _("Rectify by"),
        _("Status"),
        _("Rectified at"),
        _("Rectified by"),
        _("Verified at"),
        _("Verified by"),
        _("Times sent back"),
        _("Closed at"),
        _("Days overdue"),
        _("Photos"),
    ]


def hazard_ledger_xlsx(rows: QuerySet[Hazard], *, today: datetime.date | None = None) -> bytes:
    """The hazard register of ``rows`` (e.g. ``selectors.hazard_ledger``) as an .xlsx workbook.

    Days overdue are counted to ``today`` (Beijing), for hazards still to be rectified only.
    """
    today = today or beijing_date(timezone.now())
    categories = _labels(HazardCategory.choices)
    severities = _labels(Severity.choices)
    discoveries = _labels(Discovery.choices)
    statuses = _labels(HazardStatus.choices)
    hazards = _annotated(rows, "photo_count", "photos").select_related(
        "unit", "responsible_unit", "rectified_by", "verified_by"
    )

    def values() -> Any:
        for hazard in hazards.iterator(chunk_size=CHUNK_SIZE):
            yield [
                hazard.number,
                hazard.found_on,
                hazard.unit.name,
                categories.get(hazard.category, hazard.category),
                severities.get(hazard.severity, hazard.severity),
                hazard.title,
                hazard.place,
                _coordinates(hazard.latitude, hazard.longitude),
                discoveries.get(hazard.discovery, hazard.discovery),
                hazard.finder or None,
                hazard.responsible_unit.name,
                hazard.rectify_due,
                statuses.get(hazard.status, hazard.status),
                _local(hazard.rectified_at),
                _name(hazard.rectified_by),
                _local(hazard.verified_at),
                _name(hazard.verified_by),
                hazard.returned_count,
                _local(hazard.closed_at),
                overdue_days(hazard, today),
                hazard.photo_count,
            ]

    return _workbook(HAZARD_SHEET, _hazard_headers(), values())


# --- incidents -----------------------------------------------------------------------------------


def _incident_headers() -> list[str]:
    return [
        _("Number"),
        _("Occurred at"),
        pgettext("incident", "Where"),
        pgettext("incident", "Kind"),
        _("Place"),
        _("Summary"),
        _("Deaths"),
        _("Injured"),
        pgettext("people", "Missing"),
        _("Direct loss (yuan)"),
        _("Units that responded"),
        _("Reported by"),
        _("Reported at"),
        _("In the duty log"),
        _("Status"),
        _("Follow-up measures"),
        _("Closed at"),
    ]


def incident_ledger_xlsx(rows: QuerySet[Incident]) -> bytes:
    """The incident register of ``rows`` (e.g. ``selectors.incident_list``) as an .xlsx workbook."""
    kinds = _labels(IncidentKind.choices)
    statuses = _labels(IncidentStatus.choices)
    yes, no = _("Yes"), _("No")
    incidents = _annotated(rows, "measure_count", "measures").select_related("unit", "reported_by")

    def values() -> Any:
        for incident in incidents.iterator(chunk_size=CHUNK_SIZE):
            yield [
                incident.number,
                _local(incident.occurred_at),
                incident.unit.name,
                kinds.get(incident.kind, incident.kind),
                incident.place,
                incident.summary,
                incident.deaths,
                incident.injuries,
                incident.missing,
                incident.direct_loss,
                incident.response_units or None,
                _name(incident.reported_by),
                _local(incident.reported_at),
                yes if incident.duty_log_entry_id is not None else no,
                statuses.get(incident.status, incident.status),
                incident.measure_count,
                _local(incident.closed_at),
            ]

    return _workbook(INCIDENT_SHEET, _incident_headers(), values())


# --- patrols -------------------------------------------------------------------------------------


def _patrol_headers() -> list[str]:
    return [
        _("Unit"),
        _("Planned route"),
        _("Started at"),
        _("Ended at"),
        _("Patrollers"),
        _("Route taken"),
        _("Findings"),
        _("Hazards raised"),
    ]


def patrol_ledger_xlsx(rows: QuerySet[PatrolRecord]) -> bytes:
    """The patrol records of ``rows`` (e.g. ``selectors.patrol_records``) as an .xlsx workbook."""
    records = _annotated(rows, "hazard_count", "hazards").select_related("unit", "route")

    def values() -> Any:
        for record in records.iterator(chunk_size=CHUNK_SIZE):
            yield [
                record.unit.name,
                record.route.name if record.route is not None else None,
                _local(record.started_at),
                _local(record.ended_at),
                record.patrollers,
                record.route_taken or None,
                record.findings or None,
                record.hazard_count,
            ]

    return _workbook(PATROL_SHEET, _patrol_headers(), values())


# --- file names ----------------------------------------------------------------------------------


def safety_export_filename(kind: str, today: datetime.date | None = None) -> str:
    """hazards-20260401.xlsx (hazards, incidents or patrols); the msgids are English."""
    day = (today or beijing_date(timezone.now())).strftime("%Y%m%d")
    names = {
        "hazards": _("hazard-ledger-%(date)s.xlsx"),
        "incidents": _("incident-ledger-%(date)s.xlsx"),
        "patrols": _("patrol-records-%(date)s.xlsx"),
    }
    return names[kind] % {"date": day}
