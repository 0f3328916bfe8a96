"""Reads of the safety app, scoped like every other list.

A hazard is seen by the units of the area where it was found *and* by the responsible unit's people
(who must rectify it), so hazards are scoped on either unit (``scope_any_q``).
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from zhenwu.core.exceptions import NotFound
from zhenwu.core.localtime import beijing_date
from zhenwu.core.models import Unit, User
from zhenwu.core.models.units import unit_subtree_q
from zhenwu.core.scoping import Action, scope_any_q, scope_q
from zhenwu.core.selectors import count_of
from zhenwu.safety.choices import HazardStatus, IncidentKind
from zhenwu.safety.models import Hazard, HazardPhoto, Incident, PatrolRecord, PatrolRoute

#: The states in which a hazard still needs work (the overdue list and the dashboard).
UNRESOLVED = (HazardStatus.OPEN, HazardStatus.RECTIFIED)


def hazard_list(*, user: User, action: str = Action.SAFETY_VIEW) -> QuerySet[Hazard]:
    return Hazard.objects.filter(scope_any_q(user, action, "unit", "responsible_unit"))


def access_hazard(user: User, pk: int | str) -> Hazard:
    try:
        return (
            hazard_list(user=user)
            .select_related("unit", "responsible_unit", "found_by", "patrol_record")
            .get(pk=pk)
        )
    except (Hazard.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def access_photo(user: User, hazard_id: int | str, photo_id: int | str) -> HazardPhoto:
    """One photo of a hazard the user may see, else NotFound (existence not revealed)."""
    hazard = access_hazard(user, hazard_id)
    try:
        return HazardPhoto.objects.select_related("hazard").get(pk=photo_id, hazard=hazard)
    except (HazardPhoto.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


@dataclass(frozen=True)
class HazardFilter:
    status: str = ""  # a HazardStatus, "unresolved" or "overdue"
    category: str = ""
    severity: str = ""
    unit: Unit | None = None
    q: str = ""


def hazard_ledger(*, user: User, filters: HazardFilter, action: str = Action.SAFETY_VIEW) -> QuerySet[Hazard]:
    rows = hazard_list(user=user, action=action)
    today = beijing_date(timezone.now())
    if filters.status == "unresolved":
        rows = rows.filter(status__in=UNRESOLVED)
    elif filters.status == "overdue":
        rows = rows.filter(status=HazardStatus.OPEN, rectify_due__lt=today)
    elif filters.status in HazardStatus.values:
        rows = rows.filter(status=filters.status)
    if filters.category:
        rows = rows.filter(category=filters.category)
    if filters.severity:
        rows = rows.filter(severity=filters.severity)
    if filters.unit is not None:
        rows = rows.filter(unit_subtree_q(filters.unit.path, prefix="unit__"))
    if filters.q.strip():
        words = filters.q.strip()
        rows = rows.filter(Q(number__icontains=words) | Q(title__icontains=words) | Q(place__icontains=words))
    return (
        rows.select_related("unit", "responsible_unit")
        .annotate(photo_count=count_of(HazardPhoto, "hazard"))
        .order_by("-found_on", "-id")
    )


def hazards_overdue(*, user: User, today: datetime.date | None = None) -> QuerySet[Hazard]:
    """Hazards not rectified by their deadline, the most overdue first."""
    today = today or beijing_date(timezone.now())
    return (
        hazard_list(user=user)
        .filter(status=HazardStatus.OPEN, rectify_due__lt=today)
        .select_related("unit", "responsible_unit")
        .order_by("rectify_due", "id")
    )


def patrol_routes(*, user: User, active_only: bool = True) -> QuerySet[PatrolRoute]:
    rows = PatrolRoute.objects.filter(scope_q(user, Action.SAFETY_VIEW)).select_related("unit")
    return rows.filter(is_active=True) if active_only else rows


def access_route(user: User, pk: int | str) -> PatrolRoute:
    try:
        return patrol_routes(user=user, active_only=False).get(pk=pk)
    except (PatrolRoute.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def patrol_records(*, user: User, unit: Unit | None = None) -> QuerySet[PatrolRecord]:
    rows = PatrolRecord.objects.filter(scope_q(user, Action.SAFETY_VIEW))
    if unit is not None:
        rows = rows.filter(unit_subtree_q(unit.path, prefix="unit__"))
    return (
        rows.select_related("unit", "route", "recorded_by")
        .annotate(hazard_count=count_of(Hazard, "patrol_record"))
        .order_by("-started_at", "-id")
    )


def access_patrol_record(user: User, pk: int | str) -> PatrolRecord:
    try:
        return (
            PatrolRecord.objects.filter(scope_q(user, Action.SAFETY_VIEW))
            .select_related("unit", "route", "recorded_by")
            .get(pk=pk)
        )
    except (PatrolRecord.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def incident_list(*, user: User, action: str = Action.SAFETY_VIEW) -> QuerySet[Incident]:
    return (
        Incident.objects.filter(scope_q(user, action)).select_related("unit").order_by("-occurred_at", "-id")
    )


def access_incident(user: User, pk: int | str) -> Incident:
    try:
        return incident_list(user=user).select_related("reported_by", "duty_log_entry__shift").get(pk=pk)
    except (Incident.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def safety_figures(unit: Unit, since: datetime.datetime, until: datetime.datetime) -> dict[str, int]:
    """Counts for the unit's subtree over [since, until): what the daily report's safety lines say."""
    incidents = Incident.objects.filter(
        unit_subtree_q(unit.path, prefix="unit__"), occurred_at__gte=since, occurred_at__lt=until
    ).aggregate(
        incidents=Count("pk"),
        fires=Count("pk", filter=Q(kind=IncidentKind.FIRE)),
        road_accidents=Count("pk", filter=Q(kind=IncidentKind.ROAD_ACCIDENT)),
        production_accidents=Count("pk", filter=Q(kind=IncidentKind.PRODUCTION_ACCIDENT)),
        deaths=Sum("deaths", default=0),
        injuries=Sum("injuries", default=0),
    )
    hazards = Hazard.objects.filter(unit_subtree_q(unit.path, prefix="unit__"))
    until_day = beijing_date(until)
    found = hazards.filter(created_at__gte=since, created_at__lt=until).count()
    rectified = hazards.filter(verified_at__gte=since, verified_at__lt=until).count()
    overdue = hazards.filter(status=HazardStatus.OPEN, rectify_due__lt=until_day).count()
    return {
        "incidents": incidents["incidents"],
        "fires": incidents["fires"],
        "road_accidents": incidents["road_accidents"],
        "production_accidents": incidents["production_accidents"],
        "deaths": incidents["deaths"],
        "injuries": incidents["injuries"],
        "hazards_found": found,
        "hazards_rectified": rectified,
        "hazards_overdue": overdue,
    }
