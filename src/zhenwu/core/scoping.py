"""The one place that decides who may do what, and where (STYLE.md §3).

*What* a user may do comes from their role (``ROLE_GRANTS``); *where* is their unit's subtree,
except administrators, who act on the whole instance. Every selector, list view and API queryset
filters through ``scope_q``; single objects are fetched by ``access_<entity>`` helpers that turn an
out-of-scope object into a 404 (its existence is not revealed).
"""

from typing import TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models

from zhenwu.core.choices import Role
from zhenwu.core.exceptions import NotFound, PermissionRefused
from zhenwu.core.models import Unit, User
from zhenwu.core.models.units import unit_subtree_q

M = TypeVar("M", bound=models.Model)


class Action:
    """Action names used with ``user_can``; domain apps add theirs to ``ROLE_GRANTS``."""

    UNIT_VIEW = "unit.view"
    UNIT_MANAGE = "unit.manage"
    PERSON_VIEW = "person.view"
    PERSON_MANAGE = "person.manage"
    AUDIT_VIEW = "audit.view"
    CALENDAR_VIEW = "calendar.view"
    CALENDAR_MANAGE = "calendar.manage"
    OUTBOX_VIEW = "outbox.view"
    OUTBOX_MANAGE = "outbox.manage"
    PERSONAL_VIEW = "personal.view"
    PETITION_VIEW = "petition.view"
    PETITION_REGISTER = "petition.register"
    PETITION_MANAGE = "petition.manage"
    PETITION_HANDLE = "petition.handle"
    PETITION_APPROVE = "petition.approve"
    PETITION_EXPORT = "petition.export"
    REPORT_VIEW = "report.view"
    REPORT_SUBMIT = "report.submit"
    REPORT_MANAGE = "report.manage"
    DUTY_VIEW = "duty.view"
    DUTY_MANAGE = "duty.manage"
    DUTY_SERVE = "duty.serve"
    RECEPTION_MANAGE = "reception.manage"
    DISPUTE_VIEW = "dispute.view"
    DISPUTE_REGISTER = "dispute.register"
    DISPUTE_MEDIATE = "dispute.mediate"
    DISPUTE_EXPORT = "dispute.export"
    DISPUTE_CONFIGURE = "dispute.configure"
    SAFETY_VIEW = "safety.view"
    HAZARD_REPORT = "hazard.report"
    HAZARD_RECTIFY = "hazard.rectify"
    HAZARD_VERIFY = "hazard.verify"
    HAZARD_MANAGE = "hazard.manage"
    PATROL_MANAGE = "patrol.manage"
    PATROL_RECORD = "patrol.record"
    INCIDENT_REPORT = "incident.report"
    INCIDENT_MANAGE = "incident.manage"
    SAFETY_EXPORT = "safety.export"
    PLAN_VIEW = "plan.view"
    PLAN_MANAGE = "plan.manage"
    NOTICE_ISSUE = "notice.issue"
    NOTICE_ACKNOWLEDGE = "notice.acknowledge"
    TASK_REPORT = "task.report"
    INSPECTION_MANAGE = "inspection.manage"
    INSPECTION_CORRECT = "inspection.correct"
    ASSESSMENT_VIEW = "assessment.view"
    ASSESSMENT_MANAGE = "assessment.manage"


_EVERY_ROLE = frozenset(Role.values)

#: action -> roles that hold it. Oversight holds only *view* actions (read-only by design).
ROLE_GRANTS: dict[str, frozenset[str]] = {
    Action.UNIT_VIEW: _EVERY_ROLE,
    Action.UNIT_MANAGE: frozenset({Role.ADMIN, Role.OFFICE}),
    Action.PERSON_VIEW: _EVERY_ROLE,
    Action.PERSON_MANAGE: frozenset({Role.ADMIN, Role.OFFICE}),
    Action.AUDIT_VIEW: frozenset({Role.ADMIN, Role.OVERSIGHT}),
    Action.CALENDAR_VIEW: _EVERY_ROLE,
    Action.CALENDAR_MANAGE: frozenset({Role.ADMIN}),
    Action.OUTBOX_VIEW: frozenset({Role.ADMIN, Role.OFFICE}),
    Action.OUTBOX_MANAGE: frozenset({Role.ADMIN, Role.OFFICE}),
    # Unmasked personal details (residents' and staff's phones, IDs, addresses): only roles that must
    # contact people; every reveal is audited. Oversight reads the audit trail, not the people.
    Action.PERSONAL_VIEW: frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER, Role.MEDIATOR}),
    # Petitions: everyone sees the matters of their subtree (registered there or assigned to it);
    # the office registers, accepts, declines, assigns and closes; whoever works in the handling
    # unit handles and answers; a leader (head of the handling body) approves extensions.
    Action.PETITION_VIEW: _EVERY_ROLE,
    Action.PETITION_REGISTER: frozenset({Role.ADMIN, Role.OFFICE}),
    Action.PETITION_MANAGE: frozenset({Role.ADMIN, Role.OFFICE}),
    Action.PETITION_HANDLE: frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER, Role.MEDIATOR, Role.REPORTER}),
    Action.PETITION_APPROVE: frozenset({Role.ADMIN, Role.LEADER}),
    Action.PETITION_EXPORT: frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER, Role.OVERSIGHT}),
    # Reports: everyone sees the slots and reports of their subtree; a unit's reporter submits for
    # it, and the office may enter a report on a unit's behalf (a call to the office); the office
    # defines report types and schedules, switches frequencies and sends summaries.
    Action.REPORT_VIEW: _EVERY_ROLE,
    Action.REPORT_SUBMIT: frozenset({Role.ADMIN, Role.OFFICE, Role.REPORTER}),
    Action.REPORT_MANAGE: frozenset({Role.ADMIN, Role.OFFICE}),
    # Duty: everyone sees the rosters and the duty desk of their subtree (who is on duty, and their
    # phone, is what a roster is for); the office makes rosters, approves swaps and keeps leave;
    # whoever is rostered serves: signs on, writes the log, hands over, asks for a swap (checked
    # against the shift's assignments in the services). Oversight reads only.
    Action.DUTY_VIEW: _EVERY_ROLE,
    Action.DUTY_MANAGE: frozenset({Role.ADMIN, Role.OFFICE}),
    Action.DUTY_SERVE: frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER, Role.REPORTER, Role.MEDIATOR}),
    Action.RECEPTION_MANAGE: frozenset({Role.ADMIN, Role.OFFICE}),
    # Mediation: everyone sees the disputes of their subtree (parties masked); the office, mediators
    # and village cadres register disputes they are asked to mediate or find; the office and the
    # mediators named on a dispute mediate it (checked in the services); the dispute kinds are the
    # office's to configure. Oversight reads and exports only.
    Action.DISPUTE_VIEW: _EVERY_ROLE,
    Action.DISPUTE_REGISTER: frozenset({Role.ADMIN, Role.OFFICE, Role.MEDIATOR, Role.REPORTER}),
    Action.DISPUTE_MEDIATE: frozenset({Role.ADMIN, Role.OFFICE, Role.MEDIATOR}),
    Action.DISPUTE_EXPORT: frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER, Role.MEDIATOR, Role.OVERSIGHT}),
    Action.DISPUTE_CONFIGURE: frozenset({Role.ADMIN, Role.OFFICE}),
    # Safety: everyone sees the hazards, patrols and incidents of their subtree. Every working role
    # reports a hazard or an incident and records a patrol; the responsible unit's people rectify;
    # the office and leaders verify a rectification (never the person who rectified: four eyes) and
    # manage deadlines, routes and closing. Oversight reads and exports only.
    Action.SAFETY_VIEW: _EVERY_ROLE,
    Action.HAZARD_REPORT: frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER, Role.MEDIATOR, Role.REPORTER}),
    Action.HAZARD_RECTIFY: frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER, Role.REPORTER}),
    Action.HAZARD_VERIFY: frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER}),
    Action.HAZARD_MANAGE: frozenset({Role.ADMIN, Role.OFFICE}),
    Action.PATROL_MANAGE: frozenset({Role.ADMIN, Role.OFFICE}),
    Action.PATROL_RECORD: frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER, Role.MEDIATOR, Role.REPORTER}),
    Action.INCIDENT_REPORT: frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER, Role.REPORTER}),
    Action.INCIDENT_MANAGE: frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER}),
    Action.SAFETY_EXPORT: frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER, Role.OVERSIGHT}),
    # Plans, notices, oversight: everyone sees the plans and notices of their subtree; the office
    # writes plans, issues notices and computes assessments; the people of an addressed unit
    # acknowledge for it and send their tasks' evidence; the office and leaders inspect (督查), the
    # inspected unit reports its corrections. Scores are read by the office, leaders and oversight.
    Action.PLAN_VIEW: _EVERY_ROLE,
    Action.PLAN_MANAGE: frozenset({Role.ADMIN, Role.OFFICE}),
    Action.NOTICE_ISSUE: frozenset({Role.ADMIN, Role.OFFICE}),
    Action.NOTICE_ACKNOWLEDGE: frozenset(
        {Role.ADMIN, Role.OFFICE, Role.LEADER, Role.MEDIATOR, Role.REPORTER}
    ),
    Action.TASK_REPORT: frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER, Role.REPORTER}),
    Action.INSPECTION_MANAGE: frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER}),
    Action.INSPECTION_CORRECT: frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER, Role.REPORTER}),
    Action.ASSESSMENT_VIEW: frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER, Role.OVERSIGHT}),
    Action.ASSESSMENT_MANAGE: frozenset({Role.ADMIN, Role.OFFICE}),
}


def effective_role(user: User) -> str | None:
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Role.ADMIN
    return user.role


def has_instance_scope(user: User) -> bool:
    """Administrators act on every unit of the instance; everyone else on their unit's subtree."""
    return effective_role(user) == Role.ADMIN


def role_allows(user: User, action: str) -> bool:
    role = effective_role(user)
    return role is not None and role in ROLE_GRANTS.get(action, frozenset())


def unit_in_scope(user: User, unit: Unit | None) -> bool:
    if has_instance_scope(user):
        return True
    home = user.unit
    if unit is None or home is None:
        return False
    return unit.is_descendant_of(home)


def user_can(user: User, action: str, unit: Unit | None = None) -> bool:
    """Whether ``user`` may do ``action`` (on data of ``unit``, when given)."""
    if not role_allows(user, action):
        return False
    return unit is None or unit_in_scope(user, unit)


def scope_q(user: User, action: str, *, unit_field: str = "unit") -> models.Q:
    """A filter for the rows of model whose unit is reached through ``unit_field`` (or self)."""
    if not role_allows(user, action):
        return models.Q(pk__in=[])
    if has_instance_scope(user):
        return models.Q()
    if user.unit is None:
        return models.Q(pk__in=[])
    prefix = f"{unit_field}__" if unit_field else ""
    return unit_subtree_q(user.unit.path, prefix=prefix)


def scope_any_q(user: User, action: str, *unit_fields: str) -> models.Q:
    """Rows whose unit through *any* of ``unit_fields`` is in scope (e.g. where found OR responsible).

    Unlike OR-ing ``scope_q`` results, this stays correct for administrators, whose ``scope_q`` is
    the empty ``Q()`` that would otherwise vanish from an OR and drop the other conditions.
    """
    if not role_allows(user, action):
        return models.Q(pk__in=[])
    if has_instance_scope(user):
        return models.Q()
    if user.unit is None:
        return models.Q(pk__in=[])
    q = models.Q(pk__in=[])
    for name in unit_fields:
        q |= unit_subtree_q(user.unit.path, prefix=f"{name}__")
    return q


def scope_queryset(
    user: User, action: str, queryset: models.QuerySet[M], *, unit_field: str = "unit"
) -> models.QuerySet[M]:
    return queryset.filter(scope_q(user, action, unit_field=unit_field))


def require(user: User, action: str, unit: Unit | None = None) -> None:
    """Raise PermissionRefused unless ``user_can``; callers that must hide existence use 404s."""
    if not user_can(user, action, unit):
        raise PermissionRefused()


def get_scoped(
    queryset: models.QuerySet[M], user: User, action: str, pk: object, *, unit_field: str = "unit"
) -> M:
    """One object by primary key within the user's scope for ``action``, else NotFound."""
    try:
        return scope_queryset(user, action, queryset, unit_field=unit_field).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise NotFound() from None
