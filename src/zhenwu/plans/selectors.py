"""Reads of the plans app, scoped like every other list.

Plans and inspections are seen in the subtree of the unit they belong to; a notice is seen by its
issuing unit's subtree and by the units it is addressed to (scope on either).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from zhenwu.core.exceptions import NotFound
from zhenwu.core.localtime import beijing_date
from zhenwu.core.models import Unit, User
from zhenwu.core.models.units import unit_subtree_q
from zhenwu.core.scoping import Action, has_instance_scope, role_allows, scope_q
from zhenwu.plans.models import (
    Assessment,
    AssessmentScore,
    Inspection,
    InspectionFinding,
    Notice,
    NoticeRecipient,
    WorkPlan,
)
from zhenwu.plans.services import VILLAGE_KINDS


def plan_list(*, user: User) -> QuerySet[WorkPlan]:
    """Plans issued by a unit in the user's subtree, or by a unit above it (a village sees the township's)."""
    if not role_allows(user, Action.PLAN_VIEW):
        return WorkPlan.objects.none()
    if has_instance_scope(user):
        return WorkPlan.objects.all()
    if user.unit is None:
        return WorkPlan.objects.none()
    above = [*user.unit.ancestor_paths(), user.unit.path]
    return WorkPlan.objects.filter(
        unit_subtree_q(user.unit.path, prefix="owner_unit__") | Q(owner_unit__path__in=above)
    )


def access_plan(user: User, pk: int | str) -> WorkPlan:
    try:
        return plan_list(user=user).select_related("owner_unit", "created_by").get(pk=pk)
    except (WorkPlan.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def notice_list(*, user: User) -> QuerySet[Notice]:
    """Notices issued in the user's subtree or addressed to a unit in it, newest first."""
    if not role_allows(user, Action.PLAN_VIEW):
        return Notice.objects.none()
    if has_instance_scope(user):
        return Notice.objects.all().order_by("-issued_at", "-id")
    if user.unit is None:
        return Notice.objects.none()
    addressed = NoticeRecipient.objects.filter(
        unit_subtree_q(user.unit.path, prefix="unit__"), notice=OuterRef("pk")
    )
    return Notice.objects.filter(
        Q(unit_subtree_q(user.unit.path, prefix="owner_unit__")) | Q(Exists(addressed))
    ).order_by("-issued_at", "-id")


def access_notice(user: User, pk: int | str) -> Notice:
    try:
        return notice_list(user=user).select_related("owner_unit", "issued_by", "plan").get(pk=pk)
    except (Notice.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def notice_rows(*, user: User) -> QuerySet[Notice]:
    """The notice list with its acknowledgement counts (one query per page)."""
    return (
        notice_list(user=user)
        .select_related("owner_unit")
        .annotate(
            addressed=Count("recipients", distinct=True),
            acknowledged=Count(
                "recipients", filter=Q(recipients__acknowledged_at__isnull=False), distinct=True
            ),
        )
    )


def notice_recipients(notice: Notice) -> QuerySet[NoticeRecipient]:
    return notice.recipients.select_related("unit", "acknowledged_by").order_by(
        "acknowledged_at", "unit__path"
    )


def pending_notices(*, user: User) -> QuerySet[NoticeRecipient]:
    """Notices addressed to the user's own unit that it has not acknowledged (the dashboard panel)."""
    if user.unit_id is None or not role_allows(user, Action.NOTICE_ACKNOWLEDGE):
        return NoticeRecipient.objects.none()
    return (
        NoticeRecipient.objects.filter(unit_id=user.unit_id, acknowledged_at__isnull=True)
        .select_related("notice", "notice__owner_unit")
        .order_by("notice__acknowledge_by", "-notice__issued_at")
    )


def inspection_list(*, user: User, plan: WorkPlan | None = None) -> QuerySet[Inspection]:
    rows = Inspection.objects.filter(scope_q(user, Action.PLAN_VIEW)).select_related(
        "unit", "plan", "recorded_by"
    )
    if plan is not None:
        rows = rows.filter(plan=plan)
    problems = Q(findings__result="problem")
    return rows.annotate(
        problems=Count("findings", filter=problems),
        corrected=Count("findings", filter=problems & Q(findings__corrected_at__isnull=False)),
    ).order_by("-visited_on", "-id")


def access_inspection(user: User, pk: int | str) -> Inspection:
    try:
        return (
            Inspection.objects.filter(scope_q(user, Action.PLAN_VIEW))
            .select_related("unit", "plan", "recorded_by")
            .get(pk=pk)
        )
    except (Inspection.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def access_finding(user: User, inspection: Inspection, pk: int | str) -> InspectionFinding:
    try:
        return inspection.findings.get(pk=pk)
    except (InspectionFinding.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def latest_assessment(plan: WorkPlan) -> Assessment | None:
    return plan.assessments.order_by("-computed_at", "-id").first()


def assessment_scores(*, user: User, assessment: Assessment) -> QuerySet[AssessmentScore]:
    """The ranking, limited to the units the user may see."""
    return (
        assessment.scores.filter(scope_q(user, Action.ASSESSMENT_VIEW))
        .select_related("unit")
        .order_by("rank", "unit__path")
    )


@dataclass
class YearRow:
    unit: Unit
    scores: dict[int, Decimal]  # plan id -> score
    average: Decimal | None


def assessment_year(*, user: User, owner: Unit, year: int) -> tuple[list[WorkPlan], list[YearRow]]:
    """Every plan of ``owner`` whose period starts in ``year`` with its latest assessment, per unit."""
    plans = list(
        plan_list(user=user)
        .filter(owner_unit=owner, starts_on__year=year, assessments__isnull=False)
        .distinct()
        .order_by("starts_on", "id")
    )
    latest = {}
    for plan in plans:
        assessment = latest_assessment(plan)
        if assessment is not None:
            latest[assessment.pk] = plan.pk
    by_unit: dict[int, dict[int, Decimal]] = defaultdict(dict)
    units: dict[int, Unit] = {}
    for score in (
        AssessmentScore.objects.filter(assessment_id__in=latest)
        .filter(scope_q(user, Action.ASSESSMENT_VIEW))
        .select_related("unit")
    ):
        by_unit[score.unit_id][latest[score.assessment_id]] = score.total
        units[score.unit_id] = score.unit
    rows = []
    for unit in sorted(units.values(), key=lambda u: u.path):
        values = list(by_unit[unit.pk].values())
        average = (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01")) if values else None
        rows.append(YearRow(unit, by_unit[unit.pk], average))
    rows.sort(key=lambda r: (-(r.average or Decimal(0)), r.unit.path))
    return plans, rows


def today() -> datetime.date:
    return beijing_date(timezone.now())


def grid_units(user: User, plan: WorkPlan) -> list[Unit] | None:
    """The rows the user may see: None for the whole plan (the plan's unit or above it in sight);
    a village its own row; a unit in between the units of its subtree."""
    home = user.unit
    if has_instance_scope(user) or home is None or plan.owner_unit.is_descendant_of(home):
        return None
    if home.kind in VILLAGE_KINDS:
        return [home]
    return list(Unit.objects.filter(unit_subtree_q(home.path)))
