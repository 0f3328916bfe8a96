"""The petition ledger as an .xlsx file, built in constant memory and streamed to the browser.

Rows come from the database 2,000 at a time, each chunk with one query for its petitioners, go
into a streaming sheet writer (``core.xlsx_stream``; openpyxl's write-only mode took 53 s for
100,000 rows) that deflates each row into a temporary file at once, and the finished file is
streamed in 64 KB blocks. Memory therefore does not grow with the number of rows: 100,000 rows
export like 100.

The export reads plain tuples (``values_list``), not model instances: building two or three model
objects per row costs more than writing the row, and the export has nothing else to do with them.

Personal fields are masked unless the caller passes ``unmasked=True``; it must first authorise and
record that with ``zhenwu.core.personal_data.personal_data_reveal`` (the view's job).
"""

import datetime
import itertools
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from typing import IO, Any
from urllib.parse import quote

from django.conf import settings
from django.db.models import DateTimeField, F, FloatField, Func, QuerySet, Value
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from zhenwu.core.views.common import XLSX_CONTENT_TYPE
from zhenwu.core.xlsx_stream import XlsxStreamWriter
from zhenwu.petitions.choices import IntakeChannel, Status
from zhenwu.petitions.ledger import is_overdue, join_id_numbers, join_names, join_phones
from zhenwu.petitions.models import Petition, PetitionParty

CHUNK_SIZE = 2000
STREAM_BLOCK = 64 * 1024

#: (header, column width in characters), in the order of ``ledger_xlsx_rows``. Widths fit Chinese
#: text, which Excel counts as two characters each.
COLUMNS: list[tuple[Any, int]] = [
    (_("Registration number"), 18),
    (_("Registering unit"), 16),
    (pgettext_lazy("intake channel", "Channel"), 10),
    (_("Category"), 12),
    (_("Petitioners"), 16),
    (_("ID number"), 22),
    (_("Contact phone"), 15),
    (_("Summary"), 40),
    (_("Status"), 12),
    (_("Handling unit"), 16),
    (_("Received at"), 18),
    (_("Accepted at"), 18),
    (_("Answered at"), 18),
    (_("Closed at"), 18),
    (_("Current deadline"), 12),
    (_("Overdue"), 8),
    (_("Response time (days)"), 12),
]
#: The columns read per matter as they are, in the order the loop below unpacks them (then the four
#: times, the deadline, the stage and the response time: ``_matter_rows``).
_FIELDS = (
    "id",
    "number",
    "unit__name",
    "channel",
    "category__name",
    "summary",
    "status",
    "handling_unit__name",
)
_PARTY_FIELDS = ("petition_id", "petitioner__name", "petitioner__id_number", "petitioner__phone")


def _local(value: datetime.datetime | None) -> datetime.datetime | None:
    """Shanghai wall-clock time without a zone: Excel has no time zones, so the cell is local.
    A value without a zone is already local (``_WallClock`` on PostgreSQL)."""
    if value is None or value.tzinfo is None:
        return value
    return timezone.localtime(value, timezone.get_default_timezone()).replace(tzinfo=None)


class _WallClock(Func):
    """The time as the database gives it, except on PostgreSQL: ``<timestamptz> AT TIME ZONE
    '<TIME_ZONE>'``, the local wall-clock time as a ``timestamp``. psycopg reads that type in C,
    while Django reads ``timestamptz`` through a Python subclass of psycopg's loader
    (``psycopg_any.BaseTzLoader``): for 100,000 matters' four times, parsing and converting them in
    Python took ~4 s of a 17.6 s export (``make bench``). ``_local`` makes the others local."""

    template = "(%(expressions)s)"
    arg_joiner = " AT TIME ZONE "
    output_field = DateTimeField()

    def __init__(self, column: str) -> None:
        super().__init__(F(column), Value(settings.TIME_ZONE))

    def as_sql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:  # type: ignore[override]
        return compiler.compile(self.get_source_expressions()[0])

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return super().as_sql(compiler, connection, **extra_context)


class _ResponseSeconds(Func):
    """Seconds from receipt to the written answer (NULL while unanswered), computed in the database
    on the instants (so a change of clocks in between would not distort it)."""

    template = "EXTRACT(EPOCH FROM (%(expressions)s))::float8"
    arg_joiner = " - "
    output_field = FloatField()

    def __init__(self) -> None:
        super().__init__(F("answered_at"), F("received_at"))

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        # (julianday(answered) - julianday(received)) * 86400
        return super().as_sql(
            compiler,
            connection,
            template="(julianday(%(expressions)s)) * 86400.0",
            arg_joiner=") - julianday(",
        )


_TIMES = ("received_at", "accepted_at", "answered_at", "closed_at")


def _matter_rows(queryset: QuerySet[Petition]) -> QuerySet[Any]:
    times = {f"{name}_local": _WallClock(name) for name in _TIMES}
    return queryset.annotate(**times, response_seconds=_ResponseSeconds()).values_list(
        *_FIELDS, *times, "due_on", "stage", "response_seconds"
    )


def ledger_xlsx_rows(
    queryset: QuerySet[Petition], *, unmasked: bool, today: datetime.date | None = None
) -> Iterator[list[Any]]:
    """The cell values of each matter of ``queryset`` (filtered and ordered by the caller), in order.

    Two queries per 2,000 matters: the matters (with their units and category joined) and their
    petitioners, representatives first.
    """
    today = today or timezone.localdate()
    channels = {value: str(label) for value, label in IntakeChannel.choices}
    statuses = {value: str(label) for value, label in Status.choices}
    yes, no = gettext("Yes"), gettext("No")
    matters = _matter_rows(queryset).iterator(chunk_size=CHUNK_SIZE)
    while chunk := list(itertools.islice(matters, CHUNK_SIZE)):
        people: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
        parties = (
            PetitionParty.objects.filter(petition_id__in=[row[0] for row in chunk])
            .order_by("petition_id", "-is_representative", "id")
            .values_list(*_PARTY_FIELDS)
        )
        for petition_id, name, id_number, phone in parties:
            people[petition_id].append((name, id_number, phone))
        for row in chunk:
            (pk, number, unit, channel, category, summary, status, handling_unit) = row[:8]
            (received_at, accepted_at, answered_at, closed_at, due_on, stage, seconds) = row[8:]
            petitioners = people.get(pk, [])
            yield [
                number,
                unit,
                channels.get(channel, channel),
                category or "",
                join_names((p[0] for p in petitioners), unmasked=unmasked),
                join_id_numbers((p[1] for p in petitioners), unmasked=unmasked),
                join_phones((p[2] for p in petitioners), unmasked=unmasked),
                summary,
                statuses.get(status, status),
                handling_unit or "",
                _local(received_at),
                _local(accepted_at),
                _local(answered_at),
                _local(closed_at),
                due_on,
                yes if is_overdue(stage, due_on, today) else no,
                None if seconds is None else round(seconds / 86400, 1),  # days, as ledger.response_days
            ]


def ledger_xlsx_write(
    queryset: QuerySet[Petition], target: IO[bytes], *, unmasked: bool, today: datetime.date | None = None
) -> int:
    """Write the ledger of ``queryset`` (already filtered and ordered) to ``target``; return the row count.

    Text is written as text, never read as a formula or an error code (``core.xlsx_stream``).
    """
    columns = [(str(title), width) for title, width in COLUMNS]
    with XlsxStreamWriter(target, title=str(_("Petition ledger")), columns=columns) as sheet:
        for values in ledger_xlsx_rows(queryset, unmasked=unmasked, today=today):
            sheet.append(values)
        return sheet.rows - 1


def _spooled(queryset: QuerySet[Petition], *, unmasked: bool) -> IO[bytes]:
    """The finished workbook in an anonymous temporary file, positioned at its start."""
    target = tempfile.TemporaryFile(prefix="zhenwu-ledger-", suffix=".xlsx")  # noqa: SIM115 -- caller closes
    try:
        ledger_xlsx_write(queryset, target, unmasked=unmasked)
        target.seek(0)
    except BaseException:
        target.close()
        raise
    return target


def ledger_xlsx_stream(queryset: QuerySet[Petition], *, unmasked: bool) -> Iterator[bytes]:
    """The workbook's bytes in 64 KB blocks (built on the first ``next``; the file is removed at the end)."""
    target = _spooled(queryset, unmasked=unmasked)
    with target:
        yield from iter(lambda: target.read(STREAM_BLOCK), b"")


def ledger_export_filename(today: datetime.date | None = None) -> str:
    """信访台账-20260401.xlsx in Chinese (the msgid is English)."""
    day = today or timezone.localdate()
    return gettext("petition-ledger-%(date)s.xlsx") % {"date": day.strftime("%Y%m%d")}


class LedgerXlsxResponse(FileResponse):
    """A file response that reads and sends 64 KB at a time."""

    block_size = STREAM_BLOCK


def _content_disposition(filename: str) -> str:
    """attachment with an ASCII fallback name and the real (Chinese) one per RFC 6266/5987."""
    fallback = filename.encode("ascii", "ignore").decode().strip(" -_.")
    if fallback != filename:
        fallback = "ledger-" + fallback if fallback else "ledger.xlsx"
    fallback = fallback.replace("\\", "").replace('"', "")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def ledger_export_response(
    queryset: QuerySet[Petition], *, unmasked: bool, filename: str | None = None
) -> LedgerXlsxResponse:
    """The .xlsx download of ``queryset`` (scoped, filtered and ordered by the caller).

    The workbook is complete before the response is returned, so a failure is an ordinary error
    page, not a truncated download; the file is then sent from disk and deleted when closed.
    """
    target = _spooled(queryset, unmasked=unmasked)
    response = LedgerXlsxResponse(target, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = _content_disposition(filename or ledger_export_filename())
    response["X-Content-Type-Options"] = "nosniff"
    # Personal data, even masked: no shared cache keeps a copy.
    response["Cache-Control"] = "no-store, private"
    return response
