"""Reads of the mediation app: one scoping rule (the handling unit's subtree) for pages, API and exports."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from zhenwu.core.exceptions import NotFound
from zhenwu.core.localtime import beijing_date
from zhenwu.core.models import Unit, User
from zhenwu.core.scoping import Action, scope_q
from zhenwu.core.selectors import count_of
from zhenwu.mediation.choices import OPEN_STATUSES, DisputeStatus
from zhenwu.mediation.models import Dispute, DisputeKind, FollowUp, MediationSession


def dispute_list(*, user: User, action: str = Action.DISPUTE_VIEW) -> QuerySet[Dispute]:
    return Dispute.objects.filter(scope_q(user, action, unit_field="handling_unit"))


def access_dispute(user: User, pk: int | str, action: str = Action.DISPUTE_VIEW) -> Dispute:
    """One dispute in the user's scope for ``action``, else NotFound (existence not revealed)."""
    try:
        return (
            dispute_list(user=user, action=action)
            .select_related("handling_unit", "kind", "registered_by", "petition", "escalated_petition")
            .get(pk=pk)
        )
    except (Dispute.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def access_follow_up(user: User, dispute: Dispute, pk: int | str) -> FollowUp:
    try:
        return FollowUp.objects.get(pk=pk, dispute=dispute)
    except (FollowUp.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def dispute_kinds(*, active_only: bool = True) -> QuerySet[DisputeKind]:
    kinds = DisputeKind.objects.all()
    return kinds.filter(is_active=True) if active_only else kinds


@dataclass(frozen=True)
class LedgerFilter:
    status: str = ""  # a DisputeStatus, "open" or "overdue"
    kind: int | None = None
    unit: Unit | None = None  # a unit whose subtree to show
    q: str = ""  # number or words of the summary
    registered_from: datetime.date | None = None
    registered_to: datetime.date | None = None


def dispute_ledger(
    *, user: User, filters: LedgerFilter, action: str = Action.DISPUTE_VIEW
) -> QuerySet[Dispute]:
    """The ledger (台账) in the user's scope, newest first, ready for a page of rows.

    Counts of sessions and pending follow-ups are annotated so a page is a fixed number of queries.
    """
    from zhenwu.core.models.units import unit_subtree_q

    rows = dispute_list(user=user, action=action)
    today = beijing_date(timezone.now())
    if filters.status == "open":
        rows = rows.filter(status__in=OPEN_STATUSES)
    elif filters.status == "overdue":
        rows = rows.filter(status=DisputeStatus.ACCEPTED, due_on__lt=today)
    elif filters.status in DisputeStatus.values:
        rows = rows.filter(status=filters.status)
    if filters.kind:
        rows = rows.filter(kind_id=filters.kind)
    if filters.unit is not None:
        rows = rows.filter(unit_subtree_q(filters.unit.path, prefix="handling_unit__"))
    if filters.q.strip():
        words = filters.q.strip()
        rows = rows.filter(Q(number__icontains=words) | Q(summary__icontains=words))
    if filters.registered_from:
        rows = rows.filter(registered_at__date__gte=filters.registered_from)
    if filters.registered_to:
        rows = rows.filter(registered_at__date__lte=filters.registered_to)
    pending = FollowUp.objects.filter(dispute=OuterRef("pk"), done_at__isnull=True)
    # Correlated subqueries, not a JOIN + GROUP BY: the database computes them for the page's rows
    # only, walking the ledger index in order (a GROUP BY would aggregate the whole ledger first).
    return (
        rows.select_related("handling_unit", "kind")
        .annotate(session_count=count_of(MediationSession, "dispute"), follow_up_pending=Exists(pending))
        .order_by("-registered_at", "-id")
    )


def follow_ups_due(*, user: User, today: datetime.date | None = None, days: int = 7) -> QuerySet[FollowUp]:
    """Follow-up visits not yet made that are due within ``days`` (or overdue), soonest first."""
    today = today or beijing_date(timezone.now())
    return (
        FollowUp.objects.filter(
            scope_q(user, Action.DISPUTE_VIEW, unit_field="dispute__handling_unit"),
            done_at__isnull=True,
            due_on__lte=today + datetime.timedelta(days=days),
        )
        .exclude(dispute__status=DisputeStatus.CLOSED)
        .select_related("dispute", "dispute__handling_unit")
        .order_by("due_on", "id")
    )


def dispute_linked_petitions(*, user: User, dispute: Dispute) -> dict[str, Any]:
    """The petition a dispute came from and the one it became, each only if the user may see it.

    An accused unit never sees the matter that accuses it (信访工作条例 Art. 30): the petition's own
    scoping decides, not the dispute's.
    """
    from zhenwu.petitions.selectors import petition_list

    ids = [pk for pk in (dispute.petition_id, dispute.escalated_petition_id) if pk]
    visible = {p.pk: p for p in petition_list(user=user, action=Action.PETITION_VIEW).filter(pk__in=ids)}
    return {
        "from": visible.get(dispute.petition_id) if dispute.petition_id else None,
        "to": visible.get(dispute.escalated_petition_id) if dispute.escalated_petition_id else None,
    }


def petition_linked_disputes(*, user: User, petition: Any) -> list[Dispute]:
    """The disputes referred from a petition or escalated into it, as the user may see them."""
    return list(
        dispute_list(user=user)
        .filter(Q(petition=petition) | Q(escalated_petition=petition))
        .select_related("handling_unit", "kind")
        .order_by("registered_at", "id")
    )


def dispute_figures(unit: Unit, since: datetime.datetime, until: datetime.datetime) -> dict[str, int]:
    """Counts for the unit's subtree over [since, until): the weekly dispute report's figures."""
    from zhenwu.core.models.units import unit_subtree_q

    disputes = Dispute.objects.filter(unit_subtree_q(unit.path, prefix="handling_unit__"))
    window = {"gte": since, "lt": until}

    def between(field: str) -> dict[str, datetime.datetime]:
        return {f"{field}__{op}": value for op, value in window.items()}

    counts = disputes.aggregate(
        registered=Count("pk", filter=Q(**between("registered_at"))),
        accepted=Count("pk", filter=Q(**between("accepted_at"))),
        agreed=Count(
            "pk",
            filter=Q(
                status__in=[DisputeStatus.AGREED, DisputeStatus.CLOSED],
                **between("concluded_at"),
                agreement__isnull=False,
            ),
        ),
        not_agreed=Count("pk", filter=Q(no_agreement_reason__gt="", **between("concluded_at"))),
        open_now=Count("pk", filter=Q(status__in=OPEN_STATUSES, registered_at__lt=until)),
    )
    follow_ups = FollowUp.objects.filter(
        unit_subtree_q(unit.path, prefix="dispute__handling_unit__"), **between("done_at")
    ).count()
    return {
        "disputes_registered": counts["registered"],
        "disputes_accepted": counts["accepted"],
        "disputes_agreed": counts["agreed"],
        "disputes_not_agreed": counts["not_agreed"],
        "disputes_open": counts["open_now"],
        "follow_ups_done": follow_ups,
    }
