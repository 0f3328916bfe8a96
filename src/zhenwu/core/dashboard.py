"""The home dashboard: a registry of panels, each shown to some roles with data from the user's scope.

A domain app registers its panels in ``AppConfig.ready``::

    register_panel(Panel(key="petitions_due", title=_("..."), template="petitions/panels/due.html",
                         roles=frozenset({Role.OFFICE, Role.LEADER}), context=petitions_due_panel),
                   replace=True)

Registering with the key of a placeholder (``replace=True``) takes its place in every role's layout.
A panel template receives ``data`` (what ``context(user)`` returned) and ``panel``; the card around it
and its heading come from ``core/home.html``. A context function must run a fixed number of queries
(aggregates, a bounded slice), so the home page costs the same for 3 units or 30,000.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from zhenwu.core.choices import OutboxStatus, Role, UnitKind
from zhenwu.core.models import AuditEvent, OutboxMessage, Unit, User
from zhenwu.core.models.units import unit_subtree_q
from zhenwu.core.scoping import Action, effective_role, role_allows, scope_q

PanelContext = Callable[[User], dict[str, Any]]


def _no_context(user: User) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Panel:
    """One card of the home page."""

    key: str
    title: str | Promise
    template: str
    roles: frozenset[str] | None = None  # None: every signed-in role
    context: PanelContext = _no_context
    placeholder: bool = False  # the area is not built yet: the card says so, in muted style

    def shown_to(self, role: str | None) -> bool:
        return self.roles is None or (role is not None and role in self.roles)


_PANELS: dict[str, Panel] = {}

#: The panels each role sees first, in this order; its other panels follow in registration order.
ROLE_LAYOUT: dict[str, tuple[str, ...]] = {
    Role.ADMIN: ("notifications", "units_people", "audit_recent", "my_unit"),
    Role.OFFICE: ("petitions_due", "reports_due", "notifications", "duty_now", "notices_pending"),
    Role.LEADER: ("petitions_due", "duty_now", "hazards_open", "reports_due", "disputes"),
    Role.REPORTER: ("reports_due", "my_unit", "petitions_due", "notices_pending", "hazards_open", "duty_now"),
    Role.MEDIATOR: ("disputes", "petitions_due", "my_unit", "notices_pending", "duty_now"),
    Role.OVERSIGHT: ("audit_recent", "petitions_due", "units_people", "my_unit"),
}


def register_panel(panel: Panel, *, replace: bool = False) -> Panel:
    """Add ``panel`` to the dashboard; ``replace=True`` swaps out the panel with the same key."""
    if panel.key in _PANELS and not replace:
        raise ValueError(f"dashboard panel {panel.key!r} is already registered")
    _PANELS[panel.key] = panel
    return panel


def registered_panels() -> list[Panel]:
    return list(_PANELS.values())


def panels_for(user: User) -> list[tuple[Panel, dict[str, Any]]]:
    """The panels ``user``'s role is shown, in the role's order, each with its data.

    Placeholders come after every real panel, so nobody scrolls past "not yet available" cards to
    reach data; each domain panel takes its place in ``ROLE_LAYOUT`` once its app replaces it.
    """
    role = effective_role(user)
    visible = [panel for panel in _PANELS.values() if panel.shown_to(role)]
    first = ROLE_LAYOUT.get(role or "", ())
    rank = {key: index for index, key in enumerate(first)}
    registration = {key: index for index, key in enumerate(_PANELS)}
    visible.sort(
        key=lambda panel: (panel.placeholder, rank.get(panel.key, len(rank)), registration[panel.key])
    )
    return [(panel, panel.context(user)) for panel in visible]


# --- Core panels ----------------------------------------------------------------------------


def my_unit_panel(user: User) -> dict[str, Any]:
    """The user's own unit: where it sits in the tree, and how much lies below it."""
    unit = user.unit
    if unit is None:
        return {"unit": None}
    ancestors = list(
        Unit.objects.filter(path__in=unit.ancestor_paths()).order_by("path").values_list("name", flat=True)
    )
    below = Unit.objects.active().filter(unit_subtree_q(unit.path, include_self=False))
    sub_units = below.filter(scope_q(user, Action.UNIT_VIEW, unit_field="")).count()
    staff = (
        User.objects.filter(is_active=True)
        .filter(unit_subtree_q(unit.path, prefix="unit__"))
        .filter(scope_q(user, Action.PERSON_VIEW))
        .count()
    )
    return {"unit": unit, "ancestors": ancestors, "sub_units": sub_units, "staff": staff}


def units_people_panel(user: User) -> dict[str, Any]:
    """Active units by kind and active staff by role, within the user's scope."""
    units = dict(
        Unit.objects.active()
        .filter(scope_q(user, Action.UNIT_VIEW, unit_field=""))
        .values_list("kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    people = dict(
        User.objects.filter(is_active=True)
        .filter(scope_q(user, Action.PERSON_VIEW))
        .values_list("role")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {
        "units_by_kind": [(kind.label, units[kind.value]) for kind in UnitKind if units.get(kind.value)],
        "units_total": sum(units.values()),
        "people_by_role": [(role.label, people[role.value]) for role in Role if people.get(role.value)],
        "people_total": sum(people.values()),
    }


_OUTBOX_WATCHED = (OutboxStatus.PENDING, OutboxStatus.RETRYING, OutboxStatus.DEAD)


def notifications_panel(user: User) -> dict[str, Any]:
    """Outgoing messages waiting, retrying or given up: the last ones need someone to look."""
    if not role_allows(user, Action.OUTBOX_VIEW):
        return {"counts": []}
    totals = OutboxMessage.objects.filter(scope_q(user, Action.OUTBOX_VIEW)).aggregate(
        **{status.value: Count("id", filter=Q(status=status)) for status in _OUTBOX_WATCHED}
    )
    return {
        "counts": [(status.value, status.label, totals[status.value]) for status in _OUTBOX_WATCHED],
    }


RECENT_AUDIT_EVENTS = 10


def audit_recent_panel(user: User) -> dict[str, Any]:
    """The latest audit events the user may read (events without a unit: administrators only)."""
    events = list(
        AuditEvent.objects.filter(scope_q(user, Action.AUDIT_VIEW))
        .select_related("unit")
        .order_by("-occurred_at", "-id")[:RECENT_AUDIT_EVENTS]
    )
    return {"events": events}


def _placeholder(description: str | Promise, roles: frozenset[str]) -> PanelContext:
    role_labels = [role.label for role in Role if role.value in roles]

    def context(user: User) -> dict[str, Any]:
        return {"description": description, "role_labels": role_labels}

    return context


_EVERY_ROLE = frozenset(Role.values)
_MANAGERS = frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER, Role.OVERSIGHT})


@dataclass(frozen=True)
class _Upcoming:
    key: str
    title: str | Promise
    description: str | Promise
    roles: frozenset[str] = field(default=_EVERY_ROLE)


# Areas whose domain apps are not built yet; each app replaces its placeholder by key.
_UPCOMING = (
    _Upcoming(
        "duty_now",
        _("On duty now"),
        _("The leader on duty and the duty officers of the current shift, with their phone numbers."),
    ),
    _Upcoming(
        "petitions_due",
        _("Petitions due soon and overdue"),
        _("Petitions whose answer deadline is near, and those already overdue."),
        _MANAGERS,
    ),
    _Upcoming(
        "reports_due",
        _("Reports due today"),
        _("Reports your units must submit today, and units that are late."),
        frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER, Role.REPORTER}),
    ),
    _Upcoming(
        "disputes",
        _("Disputes in mediation"),
        _("Disputes being mediated, and follow-up visits that are due."),
        frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER, Role.MEDIATOR, Role.OVERSIGHT}),
    ),
    _Upcoming(
        "hazards_open",
        _("Open hazards"),
        _("Hazards still being rectified, with their deadlines."),
        frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER, Role.REPORTER, Role.OVERSIGHT}),
    ),
    _Upcoming(
        "notices_pending",
        _("Notices awaiting acknowledgement"),
        _("Notices issued to your unit that nobody has acknowledged yet."),
        frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER, Role.REPORTER, Role.MEDIATOR}),
    ),
)


def _register_core_panels() -> None:
    register_panel(Panel("my_unit", _("My unit"), "core/panels/my_unit.html", None, my_unit_panel))
    for upcoming in _UPCOMING:
        register_panel(
            Panel(
                upcoming.key,
                upcoming.title,
                "core/panels/placeholder.html",
                None if upcoming.roles == _EVERY_ROLE else upcoming.roles,
                _placeholder(upcoming.description, upcoming.roles),
                placeholder=True,
            )
        )
    register_panel(
        Panel(
            "units_people",
            _("Units and people"),
            "core/panels/units_people.html",
            _MANAGERS,
            units_people_panel,
        )
    )
    register_panel(
        Panel(
            "notifications",
            _("Notifications"),
            "core/panels/notifications.html",
            frozenset({Role.ADMIN, Role.OFFICE}),
            notifications_panel,
        )
    )
    register_panel(
        Panel(
            "audit_recent",
            _("Recent audit events"),
            "core/panels/audit_recent.html",
            frozenset({Role.ADMIN, Role.OVERSIGHT}),
            audit_recent_panel,
        )
    )


_register_core_panels()
