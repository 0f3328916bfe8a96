"""The dispute ledger (矛盾纠纷排查化解台账) as an .xlsx workbook.

One row per dispute of the queryset the caller passes (``selectors.dispute_ledger``: scoped,
filtered and ordered). Rows are read 500 at a time, each chunk with one query for its parties and
one for its mediators (``prefetch_related`` on a chunked iterator); the counts, the agreement's dates
and the linked petitions' numbers are annotated on the main query. The export of any number of
disputes is therefore a fixed number of queries per chunk.

The parties' names are masked (张*明) unless the caller passes ``masked=False``, which it does only
after authorising and recording the reveal (``core.personal_data.personal_data_reveal``).
Organisations are named in full: their names are not personal data. Headings are interface text
(gettext); the sheet's title is the ledger's Chinese name, as the township files it.
"""

import datetime
import io
from collections.abc import Iterator
from typing import Any

from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from zhenwu.core.localtime import beijing_date
from zhenwu.core.models import User
from zhenwu.core.personal_data import mask_name
from zhenwu.core.scoping import Action
from zhenwu.core.xlsx import SheetWriter
from zhenwu.mediation.choices import Channel, DisputeSource, DisputeStatus, PartyKind, PartySide
from zhenwu.mediation.models import Dispute, DisputeParty, FollowUp

SHEET_TITLE = "矛盾纠纷台账"
CHUNK_SIZE = 500
_PARTY_FIELDS = ("id", "dispute_id", "kind", "side", "name", "order")
_MEDIATOR_FIELDS = ("id", "username", "full_name")
#: Columns are at least this wide (short headings over dates look cramped otherwise).
MIN_WIDTH = 10


def _headers() -> list[str]:
    return [
        _("Number"),
        _("Registered on"),
        pgettext("dispute", "Kind"),
        _("Came in as"),
        _("Summary"),
        _("Place"),
        _("Parties"),
        _("Handling unit"),
        _("Mediators"),
        _("Status"),
        _("Accepted on"),
        _("Mediation target date"),
        _("Sessions"),
        _("Outcome"),
        _("Agreement took effect on"),
        _("Judicial confirmation by"),
        _("Follow-up visits done"),
        _("Follow-up visits pending"),
        _("Closed on"),
        _("Linked petitions"),
    ]


def _follow_ups(*, done: bool) -> Coalesce:
    """A correlated count of a dispute's follow-up visits, done or pending (no join: no multiplied rows)."""
    counted = (
        FollowUp.objects.filter(dispute=OuterRef("pk"), done_at__isnull=not done)
        .order_by()
        .values("dispute")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _ledger_rows(rows: QuerySet[Dispute]) -> QuerySet[Dispute]:
    """The caller's rows with everything a ledger line shows, in a fixed number of queries per chunk."""
    if "session_count" not in rows.query.annotations:  # the selector annotates it; any other queryset too
        rows = rows.annotate(session_count=Count("sessions", distinct=True))
    return (
        rows.select_related("handling_unit", "kind")
        .defer("details", "risk_note")
        .annotate(
            follow_ups_done=_follow_ups(done=True),
            follow_ups_pending=_follow_ups(done=False),
            agreement_signed_on=F("agreement__signed_on"),
            agreement_confirmation_due_on=F("agreement__confirmation_due_on"),
            agreement_is_oral=F("agreement__is_oral"),
            from_petition_number=F("petition__number"),
            to_petition_number=F("escalated_petition__number"),
        )
        .prefetch_related(
            # Names and sides only: ID numbers, phones and addresses are not even read.
            Prefetch("parties", queryset=DisputeParty.objects.only(*_PARTY_FIELDS).order_by("order", "id")),
            Prefetch("mediators", queryset=User.objects.only(*_MEDIATOR_FIELDS).order_by("full_name", "id")),
        )
    )


def _parties(dispute: Dispute, *, masked: bool) -> str:
    """申请人：张*明、王*；被申请人：李* (sides in the order applicant, respondent, third party)."""
    sides: dict[str, list[str]] = {}
    for party in dispute.parties.all():
        name = mask_name(party.name) if masked and party.kind == PartyKind.PERSON else party.name
        sides.setdefault(party.side, []).append(name)
    return "；".join(
        f"{PartySide(side).label}：{'、'.join(sides[side])}" for side in PartySide.values if side in sides
    )


def _outcome(dispute: Any, channels: dict[str, str]) -> str:
    """Agreement (oral or written), or no agreement / not accepted with the channel advised."""
    channel = channels.get(dispute.advised_channel, "")
    if dispute.agreement_signed_on is not None:
        return _("Oral agreement") if dispute.agreement_is_oral else _("Written agreement")
    if dispute.status == DisputeStatus.DECLINED or dispute.declined_reason:
        text = _("Not accepted for mediation")
    elif dispute.status == DisputeStatus.NOT_AGREED or dispute.no_agreement_reason:
        text = _("No agreement")
    else:
        return ""
    return _("%(outcome)s; advised: %(channel)s") % {"outcome": text, "channel": channel} if channel else text


def _petitions(dispute: Any, visible: set[str] | None) -> str:
    parts = []
    for label, number in (
        (_("from %(number)s"), dispute.from_petition_number),
        (_("escalated to %(number)s"), dispute.to_petition_number),
    ):
        if number and (visible is None or number in visible):
            parts.append(label % {"number": number})
    return "；".join(parts)


def _visible_petitions(viewer: User | None, chunk: list[Any]) -> set[str] | None:
    """The linked petitions' numbers the viewer may see (one query), or None: show them all."""
    if viewer is None:
        return None
    from zhenwu.petitions.selectors import petition_list

    numbers = {n for d in chunk for n in (d.from_petition_number, d.to_petition_number) if n}
    if not numbers:
        return set()
    visible = petition_list(user=viewer, action=Action.PETITION_VIEW).filter(number__in=numbers)
    return set(visible.values_list("number", flat=True))


def _chunks(rows: QuerySet[Dispute]) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for dispute in _ledger_rows(rows).iterator(chunk_size=CHUNK_SIZE):
        chunk.append(dispute)
        if len(chunk) == CHUNK_SIZE:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _date(moment: datetime.datetime | None) -> datetime.date | None:
    return beijing_date(moment) if moment is not None else None


def dispute_ledger_rows(
    rows: QuerySet[Dispute], *, masked: bool = True, viewer: User | None = None
) -> Iterator[list[Any]]:
    """The cell values of each dispute of ``rows``, in the order of ``rows``."""
    sources = {value: str(label) for value, label in DisputeSource.choices}
    statuses = {value: str(label) for value, label in DisputeStatus.choices}
    channels = {value: str(label) for value, label in Channel.choices}
    for chunk in _chunks(rows):
        visible = _visible_petitions(viewer, chunk)
        for dispute in chunk:
            yield [
                dispute.number,
                _date(dispute.registered_at),
                dispute.kind.name,
                sources.get(dispute.source, dispute.source),
                dispute.summary,
                dispute.place or None,
                _parties(dispute, masked=masked),
                dispute.handling_unit.name,
                "、".join(person.get_full_name() for person in dispute.mediators.all()) or None,
                statuses.get(dispute.status, dispute.status),
                _date(dispute.accepted_at),
                dispute.due_on,
                dispute.session_count,
                _outcome(dispute, channels) or None,
                dispute.agreement_signed_on,
                dispute.agreement_confirmation_due_on,
                dispute.follow_ups_done,
                dispute.follow_ups_pending,
                _date(dispute.closed_at),
                _petitions(dispute, visible) or None,
            ]


def dispute_ledger_xlsx(rows: QuerySet[Dispute], *, masked: bool = True, viewer: User | None = None) -> bytes:
    """The ledger of ``rows`` (scoped, filtered and ordered by the caller) as an .xlsx workbook.

    ``viewer``, when given, leaves out the numbers of linked petitions the viewer may not see (a
    petition's own scoping decides, as on the dispute's page).
    """
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # noqa: S101 -- a new workbook always has its first sheet
    sheet.title = SHEET_TITLE
    writer = SheetWriter(sheet, min_width=MIN_WIDTH)
    writer.append(_headers(), bold=True)
    for values in dispute_ledger_rows(rows, masked=masked, viewer=viewer):
        writer.append(values)
    writer.finish(freeze="B2")  # the header and the number stay in view
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def dispute_ledger_filename(today: datetime.date | None = None) -> str:
    """矛盾纠纷台账-20260401.xlsx in Chinese; the msgid is English."""
    day = today or beijing_date(timezone.now())
    return _("dispute-ledger-%(date)s.xlsx") % {"date": day.strftime("%Y%m%d")}
