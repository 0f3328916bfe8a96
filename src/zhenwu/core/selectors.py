"""Reads of the core app (STYLE.md §2–3): every list is scoped, every single fetch is ``access_*``."""

import datetime

from django.db.models import F, Func, IntegerField, Model, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from zhenwu.core.models import AuditEvent, Unit, User
from zhenwu.core.models.units import unit_subtree_q
from zhenwu.core.scoping import Action, get_scoped, scope_queryset


def unit_list(
    *,
    user: User,
    q: str = "",
    kind: str = "",
    under: Unit | None = None,
    active: bool | None = None,
) -> QuerySet[Unit]:
    """Units the user may see, in tree order; ``under`` restricts to one subtree."""
    qs = scope_queryset(user, Action.UNIT_VIEW, Unit.objects.all(), unit_field="")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__istartswith=q))
    if kind:
        qs = qs.filter(kind=kind)
    if under is not None:
        qs = qs.filter(unit_subtree_q(under.path))
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.select_related("parent").order_by("path")


def access_unit(user: User, pk: object, action: str = Action.UNIT_VIEW) -> Unit:
    return get_scoped(Unit.objects.select_related("parent"), user, action, pk, unit_field="")


def unit_ancestors(unit: Unit) -> list[Unit]:
    """The unit's ancestors, root first, in one query."""
    paths = unit.ancestor_paths()
    if not paths:
        return []
    return list(Unit.objects.filter(path__in=paths).order_by("depth"))


def person_list(
    *,
    user: User,
    q: str = "",
    role: str = "",
    unit: Unit | None = None,
    active: bool | None = None,
) -> QuerySet[User]:
    qs = scope_queryset(user, Action.PERSON_VIEW, User.objects.all())
    if q:
        qs = qs.filter(Q(full_name__icontains=q) | Q(username__istartswith=q) | Q(position__icontains=q))
    if role:
        qs = qs.filter(role=role)
    if unit is not None:
        qs = qs.filter(unit_subtree_q(unit.path, prefix="unit__"))
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.select_related("unit").order_by("unit__path", "username")


def access_person(user: User, pk: object, action: str = Action.PERSON_VIEW) -> User:
    return get_scoped(User.objects.select_related("unit"), user, action, pk)


def audit_list(
    *,
    user: User,
    actor: User | None = None,
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    interface: str = "",
    unit: Unit | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> QuerySet[AuditEvent]:
    """Audit events in the user's scope (events without a unit are visible to administrators only)."""
    qs = scope_queryset(user, Action.AUDIT_VIEW, AuditEvent.objects.all())
    if actor is not None:
        qs = qs.filter(actor=actor)
    if action:
        qs = qs.filter(action=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if interface:
        qs = qs.filter(interface=interface)
    if unit is not None:
        qs = qs.filter(unit_subtree_q(unit.path, prefix="unit__"))
    if since is not None:
        qs = qs.filter(occurred_at__gte=_local_midnight(since))
    if until is not None:
        qs = qs.filter(occurred_at__lt=_local_midnight(until + datetime.timedelta(days=1)))
    return qs.select_related("unit").order_by("-occurred_at", "-id")


def _local_midnight(day: datetime.date) -> datetime.datetime:
    """Start of ``day`` in the site's time zone (Asia/Shanghai), as an aware datetime."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def count_of(model: type[Model], fk: str) -> Coalesce:
    """``COUNT(*)`` of ``model`` rows pointing at the outer row through ``fk``, as a correlated subquery.

    For per-row counts on a paginated list: unlike ``Count()`` (a JOIN and a GROUP BY over the whole
    list), the database evaluates it only for the rows of the page it returns.
    """
    rows = (
        model._default_manager.filter(**{fk: OuterRef("pk")})
        .order_by()
        .values(fk)
        .annotate(n=Func(F("pk"), function="COUNT"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)
