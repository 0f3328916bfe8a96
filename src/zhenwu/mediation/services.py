"""Every write of the mediation app (STYLE.md §2): one audited transaction per act.

The lifecycle is ``transitions.ALLOWED_TRANSITIONS``; deadlines come from the deadline engine
(``mediation.target`` from acceptance, ``mediation.judicial_confirmation`` and
``mediation.follow_up`` from the agreement taking effect). A refusal raises a DomainError before
anything is written, and everything a call writes is one transaction.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhenwu.core.audit import audit_record
from zhenwu.core.choices import AuditAction
from zhenwu.core.deadlines import compute_due
from zhenwu.core.exceptions import (
    Conflict,
    InvalidTransition,
    PermissionRefused,
    UnknownCalendarYear,
    ValidationFailed,
)
from zhenwu.core.localtime import beijing_date
from zhenwu.core.models import Unit, User
from zhenwu.core.rules import get_rule
from zhenwu.core.scoping import Action, require, user_can
from zhenwu.core.services.common import sequence_next, validated
from zhenwu.mediation.choices import (
    Channel,
    DisputeSource,
    DisputeStatus,
    FollowUpMethod,
    PartyKind,
    PartySide,
    Performance,
)
from zhenwu.mediation.models import (
    Dispute,
    DisputeKind,
    DisputeParty,
    DisputeSequence,
    FollowUp,
    MediationAgreement,
    MediationSession,
)
from zhenwu.mediation.transitions import can_move

#: A dispute names at most this many parties (a village-wide dispute is entered by representatives).
MAX_PARTIES = 20
MAX_MEDIATORS = 5
#: Follow-up visits are scheduled at most this far ahead.
MAX_FOLLOW_UP_DAYS = 366


@dataclass(frozen=True)
class PartyIn:
    """One party as entered."""

    name: str
    kind: str = PartyKind.PERSON
    side: str = PartySide.APPLICANT
    id_number: str = ""
    phone: str = ""
    address: str = ""
    representative: str = ""


# --- helpers -----------------------------------------------------------------------------------


def _due_or_pending(rule: str, start: datetime.date | datetime.datetime) -> datetime.date | None:
    """The rule's due date, or None while the last day falls in a year whose holidays are unknown.

    Like petitions' deadlines, a date the engine cannot compute yet is left empty rather than
    guessed, and ``mediation_fill_pending_deadlines`` fills it in once the calendar knows the year
    (a dispute accepted in December must not wait for next year's holiday notice).
    """
    try:
        return compute_due(rule, start).due
    except UnknownCalendarYear:
        return None


def _refuse(message: str, field: str = "__all__", code: str = "invalid") -> ValidationFailed:
    return ValidationFailed(message, code=code, errors={field: [message]})


def _today() -> datetime.date:
    return beijing_date(timezone.now())


def _locked(dispute: Dispute) -> Dispute:
    return Dispute.objects.select_for_update(of=("self",)).select_related("handling_unit").get(pk=dispute.pk)


def _next_number(unit: Unit, year: int) -> str:
    """2026-HB-TJ0001: year, handling unit's code, TJ (调解) and a per-unit-and-year sequence."""
    return f"{year}-{unit.code}-TJ{sequence_next(DisputeSequence, unit=unit, year=year):04d}"


def _move(dispute: Dispute, *, actor: User, to: str, **fields: Any) -> Dispute:
    """Apply one transition to a locked row: check the table, set fields, save, audit."""
    if not can_move(dispute.status, to):
        raise InvalidTransition(
            _("A dispute that is “%(current)s” cannot become “%(target)s”.")
            % {"current": DisputeStatus(dispute.status).label, "target": DisputeStatus(to).label}
        )
    before = dispute.status
    for name, value in fields.items():
        setattr(dispute, name, value)
    dispute.status = to
    validated(dispute)
    dispute.save()
    audit_record(
        actor=actor,
        action=AuditAction.TRANSITION,
        obj=dispute,
        unit=dispute.handling_unit,
        changes={"status": [before, to], **{k: [None, str(v)] for k, v in fields.items() if k == "due_on"}},
    )
    return dispute


def may_mediate(actor: User, dispute: Dispute) -> bool:
    """The office (and administrators) of the handling unit, or a mediator named on the dispute."""
    if not user_can(actor, Action.DISPUTE_MEDIATE, dispute.handling_unit):
        return False
    if user_can(actor, Action.DISPUTE_CONFIGURE, dispute.handling_unit):  # office and administrators
        return True
    return dispute.mediators.filter(pk=actor.pk).exists()


def _require_mediator(actor: User, dispute: Dispute) -> None:
    if not may_mediate(actor, dispute):
        raise PermissionRefused(_("Only the office or a mediator named on this dispute may do this."))


def _check_mediators(handling_unit: Unit, mediators: Sequence[User]) -> list[User]:
    people = list(dict.fromkeys(mediators))
    if len(people) > MAX_MEDIATORS:
        raise _refuse(_("Name at most %(n)d mediators.") % {"n": MAX_MEDIATORS}, "mediators")
    for person in people:
        if not person.is_active or not user_can(person, Action.DISPUTE_MEDIATE, handling_unit):
            raise _refuse(
                _("%(name)s cannot mediate disputes of %(unit)s.")
                % {"name": person.get_full_name() or person.username, "unit": handling_unit.name},
                "mediators",
            )
    return people


def _check_parties(parties: Sequence[PartyIn], dispute: Dispute) -> list[DisputeParty]:
    if len(parties) < 2:
        raise _refuse(_("A dispute has at least two parties."), "parties")
    if len(parties) > MAX_PARTIES:
        raise _refuse(_("Enter at most %(n)d parties.") % {"n": MAX_PARTIES}, "parties")
    rows = []
    for order, data in enumerate(parties):
        if data.kind not in PartyKind.values or data.side not in PartySide.values:
            raise _refuse(_("Choose each party's kind and side."), "parties")
        row = DisputeParty(
            dispute=dispute,
            kind=data.kind,
            side=data.side,
            name=data.name.strip(),
            id_number=data.id_number.strip(),
            phone=data.phone.strip(),
            address=data.address.strip(),
            representative=data.representative.strip() if data.kind == PartyKind.ORGANISATION else "",
            order=order,
        )
        try:
            validated(row, exclude=["dispute"])
        except ValidationFailed as exc:
            # Name the party in the message: "party 2: …" reads better than a bare field error.
            first = next(iter(exc.errors.values()))[0]
            message = _("Party %(n)d: %(error)s") % {"n": order + 1, "error": first}
            raise _refuse(message, "parties") from None
        rows.append(row)
    sides = {row.side for row in rows}
    if PartySide.APPLICANT not in sides or PartySide.RESPONDENT not in sides:
        raise _refuse(_("Name at least one party on each side (applicant and respondent)."), "parties")
    return rows


def _active_kind(kind: DisputeKind | None) -> DisputeKind:
    if kind is None or not kind.is_active:
        raise _refuse(_("Choose an active dispute kind."), "kind")
    return kind


# --- dispute kinds -----------------------------------------------------------------------------


@transaction.atomic
def dispute_kind_create(*, actor: User, code: str, name: str, sort_order: int = 0) -> DisputeKind:
    require(actor, Action.DISPUTE_CONFIGURE)
    kind = DisputeKind(code=code.strip().lower(), name=name.strip(), sort_order=sort_order)
    validated(kind)
    kind.save()
    audit_record(actor=actor, action=AuditAction.CREATE, obj=kind, changes={"name": [None, kind.name]})
    return kind


@transaction.atomic
def dispute_kind_update(
    *,
    actor: User,
    kind: DisputeKind,
    name: str | None = None,
    sort_order: int | None = None,
    is_active: bool | None = None,
) -> DisputeKind:
    """Rename, reorder or (de)activate a kind; a kind is never deleted: old disputes keep it."""
    require(actor, Action.DISPUTE_CONFIGURE)
    kind = DisputeKind.objects.select_for_update().get(pk=kind.pk)
    changes: dict[str, list[Any]] = {}
    for field, value in (("name", name), ("sort_order", sort_order), ("is_active", is_active)):
        if value is None:
            continue
        value = value.strip() if isinstance(value, str) else value
        if getattr(kind, field) != value:
            changes[field] = [getattr(kind, field), value]
            setattr(kind, field, value)
    if changes:
        validated(kind)
        kind.save()
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=kind, changes=changes)
    return kind


# --- registration ------------------------------------------------------------------------------


@transaction.atomic
def dispute_register(
    *,
    actor: User,
    handling_unit: Unit,
    kind: DisputeKind | None,
    source: str,
    summary: str,
    parties: Sequence[PartyIn],
    details: str = "",
    place: str = "",
    risk_note: str = "",
    mediators: Sequence[User] = (),
    registered_at: datetime.datetime | None = None,
    petition: Any = None,
) -> Dispute:
    """Register a dispute in the ledger; mediation starts when it is accepted."""
    require(actor, Action.DISPUTE_REGISTER, handling_unit)
    now = timezone.now()
    registered_at = registered_at or now
    if registered_at > now + datetime.timedelta(minutes=5):
        raise _refuse(_("The time registered cannot be in the future."), "registered_at")
    if not handling_unit.is_active:
        raise _refuse(_("This unit is inactive."), "handling_unit")
    if source not in DisputeSource.values:
        raise _refuse(_("Choose how the dispute came in."), "source")
    if source == DisputeSource.PETITION and petition is None:
        raise _refuse(_("A dispute referred from a petition is referred from the petition's page."), "source")
    dispute = Dispute(
        number="-",
        handling_unit=handling_unit,
        kind=_active_kind(kind),
        source=source,
        summary=summary.strip(),
        details=details.strip(),
        place=place.strip(),
        risk_note=risk_note.strip(),
        registered_at=registered_at,
        registered_by=actor,
        petition=petition,
    )
    validated(dispute, exclude=["number"])
    rows = _check_parties(parties, dispute)
    people = _check_mediators(handling_unit, mediators)
    dispute.number = _next_number(handling_unit, beijing_date(registered_at).year)
    dispute.save()
    DisputeParty.objects.bulk_create(rows)
    dispute.mediators.set(people)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=dispute,
        unit=handling_unit,
        # No personal data in the audit row: the number, kind and source say what happened.
        changes={
            "status": [None, DisputeStatus.REGISTERED],
            "kind": [None, dispute.kind.code],
            "source": [None, source],
            **({"petition": [None, petition.number]} if petition is not None else {}),
        },
    )
    return dispute


@transaction.atomic
def dispute_refer_from_petition(
    *,
    actor: User,
    petition: Any,
    handling_unit: Unit,
    kind: DisputeKind | None,
    respondents: Sequence[PartyIn],
    summary: str = "",
    mediators: Sequence[User] = (),
) -> Dispute:
    """Refer a petition to mediation: the petitioners become the applicants, the rest is entered.

    Whoever handles the matter may refer it (its answer is still due: the petition keeps its own
    deadlines). Both sides keep the link; the petition's timeline says where it went.
    """
    from zhenwu.petitions.choices import EventKind
    from zhenwu.petitions.models import Petition
    from zhenwu.petitions.selectors import petition_list
    from zhenwu.petitions.services import petition_event_add

    if not petition_list(user=actor, action=Action.PETITION_HANDLE).filter(pk=petition.pk).exists():
        raise PermissionRefused()
    petition = Petition.objects.select_for_update(of=("self",)).get(pk=petition.pk)
    if petition.referred_disputes.exclude(status=DisputeStatus.DECLINED).exists():
        raise Conflict(_("This petition is already referred to mediation."), code="already_referred")
    # 信访工作条例 Art. 30: the dispute copies the matter's text, so it must not go where the accused
    # would read it: to the accused unit or below it, or below the accused official's unit.
    accused_units = [u for u in (petition.accused_unit, getattr(petition.accused_user, "unit", None)) if u]
    if any(handling_unit.is_descendant_of(unit) for unit in accused_units):
        message = _("A matter cannot be referred to the unit it accuses, or to a unit under it.")
        raise ValidationFailed(message, errors={"handling_unit": [message]}, code="accused_unit")
    if petition.accused_user_id is not None and any(m.pk == petition.accused_user_id for m in mediators):
        message = _("The official the matter accuses cannot mediate it.")
        raise ValidationFailed(message, errors={"mediators": [message]}, code="accused_unit")
    applicants = [
        PartyIn(
            name=person.name,
            kind=PartyKind.PERSON,
            side=PartySide.APPLICANT,
            id_number=person.id_number,
            phone=person.phone,
            address=person.address,
        )
        for person in (party.petitioner for party in petition.parties.select_related("petitioner"))
    ]
    dispute = dispute_register(
        actor=actor,
        handling_unit=handling_unit,
        kind=kind,
        source=DisputeSource.PETITION,
        summary=(summary or petition.summary).strip(),
        details=petition.content,
        place=petition.place,
        parties=[*applicants, *respondents],
        mediators=mediators,
        petition=petition,
    )
    petition_event_add(
        petition,
        actor=actor,
        kind=EventKind.LINKED,
        note=_("Referred to mediation as dispute %(number)s.") % {"number": dispute.number},
        data={"dispute": dispute.pk, "dispute_number": dispute.number},
    )
    return dispute


@transaction.atomic
def dispute_update(
    *,
    actor: User,
    dispute: Dispute,
    summary: str | None = None,
    details: str | None = None,
    place: str | None = None,
    risk_note: str | None = None,
    kind: DisputeKind | None = None,
    mediators: Sequence[User] | None = None,
) -> Dispute:
    """Change what is known about an open dispute (the record of a closed one stays as it was)."""
    dispute = _locked(dispute)
    _require_mediator(actor, dispute)
    if dispute.status in (DisputeStatus.CLOSED, DisputeStatus.DECLINED):
        raise InvalidTransition(_("A closed dispute is not changed."))
    changes: dict[str, list[Any]] = {}
    for field, value in (
        ("summary", summary),
        ("details", details),
        ("place", place),
        ("risk_note", risk_note),
    ):
        if value is not None and getattr(dispute, field) != value.strip():
            changes[field] = ["…", "…"] if field != "summary" else [dispute.summary, value.strip()]
            setattr(dispute, field, value.strip())
    if kind is not None and kind.pk != dispute.kind_id:
        dispute.kind = _active_kind(kind)
        changes["kind"] = ["", kind.code]
    validated(dispute)
    dispute.save()
    if mediators is not None:
        people = _check_mediators(dispute.handling_unit, mediators)
        before = sorted(dispute.mediators.values_list("pk", flat=True))
        if before != sorted(p.pk for p in people):
            dispute.mediators.set(people)
            changes["mediators"] = [before, sorted(p.pk for p in people)]
    if changes:
        audit_record(
            actor=actor, action=AuditAction.UPDATE, obj=dispute, unit=dispute.handling_unit, changes=changes
        )
    return dispute


# --- lifecycle ---------------------------------------------------------------------------------


@transaction.atomic
def dispute_accept(*, actor: User, dispute: Dispute, mediators: Sequence[User] | None = None) -> Dispute:
    """Accept for mediation: the target date comes from the rule ``mediation.target``."""
    dispute = _locked(dispute)
    _require_mediator(actor, dispute)
    if mediators is not None:
        dispute.mediators.set(_check_mediators(dispute.handling_unit, mediators))
    if not dispute.mediators.exists():
        raise _refuse(_("Name the mediator(s) before accepting."), "mediators")
    now = timezone.now()
    due = _due_or_pending("mediation.target", now)
    return _move(dispute, actor=actor, to=DisputeStatus.ACCEPTED, accepted_at=now, due_on=due)


def _check_channel(channel: str) -> None:
    if channel not in Channel.values:
        raise _refuse(_("Choose the channel the parties are advised to take."), "channel")


@transaction.atomic
def dispute_decline(*, actor: User, dispute: Dispute, reason: str, channel: str, advice: str = "") -> Dispute:
    """Not accepted for mediation, with the reason and the proper channel (e.g. a court)."""
    dispute = _locked(dispute)
    _require_mediator(actor, dispute)
    if not reason.strip():
        raise _refuse(_("Give the reason mediation is not accepted."), "reason")
    _check_channel(channel)
    return _move(
        dispute,
        actor=actor,
        to=DisputeStatus.DECLINED,
        declined_reason=reason.strip(),
        advised_channel=channel,
        advised_note=advice.strip(),
        concluded_at=timezone.now(),
    )


@transaction.atomic
def session_record(
    *,
    actor: User,
    dispute: Dispute,
    held_at: datetime.datetime,
    participants: str,
    record: str,
    place: str = "",
) -> MediationSession:
    """Record one mediation session (人民调解法 Art. 27: the mediator keeps a record)."""
    dispute = _locked(dispute)
    _require_mediator(actor, dispute)
    if dispute.status != DisputeStatus.ACCEPTED:
        raise InvalidTransition(_("Sessions are recorded while a dispute is in mediation."))
    errors: dict[str, list[str]] = {}
    now = timezone.now()
    if held_at > now + datetime.timedelta(minutes=5):
        errors["held_at"] = [_("A session is recorded after it was held.")]
    elif dispute.accepted_at and held_at < dispute.registered_at - datetime.timedelta(days=1):
        errors["held_at"] = [_("The session cannot be before the dispute was registered.")]
    if not participants.strip():
        errors["participants"] = [_("Name who took part.")]
    if not record.strip():
        errors["record"] = [_("Write the record of the session.")]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors=errors)
    session = MediationSession(
        dispute=dispute,
        held_at=held_at,
        place=place.strip(),
        participants=participants.strip(),
        record=record.strip(),
        recorded_by=actor,
    )
    validated(session)
    session.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=session,
        unit=dispute.handling_unit,
        changes={"dispute": [None, dispute.number], "held_at": [None, held_at.isoformat()]},
    )
    return session


@dataclass(frozen=True)
class AgreementIn:
    """The contents of a written agreement (人民调解法 Art. 29)."""

    facts: str
    issues: str
    responsibilities: str
    terms: str
    performance_manner: str
    performance_due: datetime.date | None
    signed_on: datetime.date | None
    is_oral: bool = False
    copies: int | None = None


_REQUIRED_CONTENTS = (
    ("facts", gettext_lazy("Write the main facts of the dispute.")),
    ("issues", gettext_lazy("Write the matters in dispute.")),
    ("responsibilities", gettext_lazy("Write each party's responsibility.")),
    ("terms", gettext_lazy("Write the terms the parties agreed.")),
    ("performance_manner", gettext_lazy("Write how the agreement is to be performed.")),
)


def _agreement_errors(data: AgreementIn, dispute: Dispute, today: datetime.date) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for field, message in _REQUIRED_CONTENTS:
        if not str(getattr(data, field) or "").strip():
            errors[field] = [str(message)]
    if data.signed_on is None:
        errors["signed_on"] = [_("Enter the day the agreement took effect (signed by all).")]
    elif data.signed_on > today:
        errors["signed_on"] = [_("The agreement cannot take effect in the future.")]
    elif data.signed_on < beijing_date(dispute.registered_at):
        errors["signed_on"] = [_("The agreement cannot be before the dispute was registered.")]
    if data.performance_due is None:
        errors["performance_due"] = [_("Enter the time limit of performance.")]
    elif data.signed_on is not None and data.performance_due < data.signed_on:
        errors["performance_due"] = [_("Performance cannot be due before the agreement takes effect.")]
    if data.copies is not None and not 2 <= data.copies <= 30:
        errors["copies"] = [_("Between 2 and 30 copies.")]
    return errors


@transaction.atomic
def agreement_record(*, actor: User, dispute: Dispute, data: AgreementIn) -> MediationAgreement:
    """Record the agreement reached; the dispute moves to “agreement reached”.

    A written agreement must state the facts, the matters in dispute, each party's responsibility,
    the terms, and the manner and time limit of performance (Art. 29); the parties' details come
    from the dispute's parties. The judicial-confirmation window (Art. 33) and the first follow-up
    visit are set from the day it took effect.
    """
    dispute = _locked(dispute)
    _require_mediator(actor, dispute)
    if dispute.status != DisputeStatus.ACCEPTED:
        raise InvalidTransition(_("An agreement is recorded while a dispute is in mediation."))
    if not dispute.sessions.exists():
        raise _refuse(_("Record the mediation session(s) before the agreement."), "__all__", "no_session")
    errors = _agreement_errors(data, dispute, _today())
    signed_on, performance_due = data.signed_on, data.performance_due
    if errors or signed_on is None or performance_due is None:
        raise ValidationFailed(next(iter(errors.values()))[0], code="agreement_incomplete", errors=errors)
    parties = dispute.parties.count()
    agreement = MediationAgreement(
        dispute=dispute,
        facts=data.facts.strip(),
        issues=data.issues.strip(),
        responsibilities=data.responsibilities.strip(),
        terms=data.terms.strip(),
        performance_manner=data.performance_manner.strip(),
        performance_due=performance_due,
        is_oral=data.is_oral,
        signed_on=signed_on,
        # Only a written agreement can be confirmed by a court; an oral one has no window.
        confirmation_due_on=None
        if data.is_oral
        else _due_or_pending("mediation.judicial_confirmation", signed_on),
        # Each party and the committee keep one (Art. 29).
        copies=data.copies or parties + 1,
        created_by=actor,
    )
    validated(agreement)
    agreement.save()
    _move(dispute, actor=actor, to=DisputeStatus.AGREED, concluded_at=timezone.now())
    # A follow-up visit is local practice, not a legal time limit: when the year's holidays are not
    # known yet it is simply planned on the nominal day (it can be rescheduled like any visit).
    follow_up_rule = get_rule("mediation.follow_up")
    first = _due_or_pending(follow_up_rule.code, signed_on) or signed_on + datetime.timedelta(
        days=follow_up_rule.days
    )
    FollowUp.objects.create(dispute=dispute, due_on=max(first, _today()), scheduled_by=actor)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=agreement,
        unit=dispute.handling_unit,
        changes={
            "signed_on": [None, str(agreement.signed_on)],
            "confirmation_due_on": [None, str(agreement.confirmation_due_on)],
            "follow_up": [None, str(first)],
        },
    )
    return agreement


@transaction.atomic
def dispute_no_agreement(
    *, actor: User, dispute: Dispute, reason: str, channel: str, advice: str = ""
) -> Dispute:
    """Mediation ended without agreement; the parties are told which channel to take (Art. 26)."""
    dispute = _locked(dispute)
    _require_mediator(actor, dispute)
    if not reason.strip():
        raise _refuse(_("Write why no agreement was reached."), "reason")
    _check_channel(channel)
    return _move(
        dispute,
        actor=actor,
        to=DisputeStatus.NOT_AGREED,
        no_agreement_reason=reason.strip(),
        advised_channel=channel,
        advised_note=advice.strip(),
        concluded_at=timezone.now(),
    )


@transaction.atomic
def follow_up_schedule(
    *, actor: User, dispute: Dispute, due_on: datetime.date, method: str = FollowUpMethod.VISIT
) -> FollowUp:
    dispute = _locked(dispute)
    _require_mediator(actor, dispute)
    if dispute.status not in (DisputeStatus.AGREED, DisputeStatus.NOT_AGREED):
        raise InvalidTransition(_("Follow-up visits are scheduled after mediation has ended."))
    today = _today()
    if due_on < today:
        raise _refuse(_("A follow-up visit cannot be scheduled in the past."), "due_on")
    if due_on > today + datetime.timedelta(days=MAX_FOLLOW_UP_DAYS):
        raise _refuse(_("Schedule a follow-up visit within a year."), "due_on")
    if method not in FollowUpMethod.values:
        raise _refuse(_("Choose how the follow-up is made."), "method")
    follow_up = FollowUp.objects.create(dispute=dispute, due_on=due_on, method=method, scheduled_by=actor)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=follow_up,
        unit=dispute.handling_unit,
        changes={"dispute": [None, dispute.number], "due_on": [None, str(due_on)]},
    )
    return follow_up


@transaction.atomic
def follow_up_record(
    *,
    actor: User,
    follow_up: FollowUp,
    performance: str,
    notes: str,
    method: str | None = None,
) -> FollowUp:
    """Record a follow-up visit as done, with what it found about the agreement's performance."""
    dispute = _locked(follow_up.dispute)
    _require_mediator(actor, dispute)
    follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk, dispute=dispute)
    if follow_up.done_at is not None:
        raise Conflict(_("This follow-up visit is already recorded."), code="already_done")
    if dispute.status == DisputeStatus.CLOSED:
        raise InvalidTransition(_("The dispute is closed."))
    if performance not in Performance.values:
        raise _refuse(_("Say whether the agreement is being performed."), "performance")
    if not notes.strip():
        raise _refuse(_("Write what the follow-up found."), "notes")
    if method is not None:
        if method not in FollowUpMethod.values:
            raise _refuse(_("Choose how the follow-up is made."), "method")
        follow_up.method = method
    follow_up.done_at = timezone.now()
    follow_up.done_by = actor
    follow_up.performance = performance
    follow_up.notes = notes.strip()
    validated(follow_up)
    follow_up.save()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=follow_up,
        unit=dispute.handling_unit,
        changes={"done_at": [None, follow_up.done_at.isoformat()], "performance": [None, performance]},
    )
    return follow_up


@transaction.atomic
def dispute_close(*, actor: User, dispute: Dispute, note: str = "") -> Dispute:
    """Close the case: after an agreement, once a follow-up visit is done and none is pending."""
    dispute = _locked(dispute)
    _require_mediator(actor, dispute)
    if dispute.status == DisputeStatus.AGREED:
        follow_ups = dispute.follow_ups.all()
        if not follow_ups.filter(done_at__isnull=False).exists():
            raise _refuse(
                _("Make a follow-up visit before closing an agreed dispute."), code="follow_up_missing"
            )
        if follow_ups.filter(done_at__isnull=True).exists():
            raise _refuse(_("Record the pending follow-up visits first."), code="follow_up_pending")
    return _move(
        dispute, actor=actor, to=DisputeStatus.CLOSED, closed_at=timezone.now(), close_note=note.strip()
    )


@transaction.atomic
def dispute_escalate(*, actor: User, dispute: Dispute, channel: str, content: str = "") -> tuple[Any, str]:
    """Register a petition from a dispute mediation could not settle; returns (petition, query code).

    Only a dispute that was declined or ended without agreement is escalated, once. The resident
    parties become the petitioners; the office registers it (the petition's own rules apply).
    """
    from zhenwu.petitions.choices import EventKind
    from zhenwu.petitions.services import PetitionerIn, petition_event_add, petition_register

    dispute = _locked(dispute)
    require(actor, Action.DISPUTE_VIEW, dispute.handling_unit)
    require(actor, Action.PETITION_REGISTER, dispute.handling_unit)
    if dispute.escalated_petition_id is not None:
        raise Conflict(_("This dispute is already a petition."), code="already_escalated")
    ended_without_agreement = dispute.status in (DisputeStatus.DECLINED, DisputeStatus.NOT_AGREED) or (
        dispute.status == DisputeStatus.CLOSED and not hasattr(dispute, "agreement")
    )
    if not ended_without_agreement:
        raise InvalidTransition(
            _("Only a dispute that was not accepted or ended without agreement is escalated to a petition.")
        )
    residents = [
        p for p in dispute.parties.all() if p.kind == PartyKind.PERSON and p.side == PartySide.APPLICANT
    ]
    if not residents:
        raise _refuse(_("A petition is brought by residents: this dispute names no resident applicant."))
    petition, code = petition_register(
        actor=actor,
        unit=dispute.handling_unit,
        channel=channel,
        petitioners=[
            PetitionerIn(name=p.name, id_number=p.id_number, phone=p.phone, address=p.address)
            for p in residents
        ],
        summary=dispute.summary,
        content=(content.strip() or dispute.details or dispute.summary),
        place=dispute.place,
    )
    dispute.escalated_petition = petition
    dispute.save(update_fields=["escalated_petition", "updated_at"])
    petition_event_add(
        petition,
        actor=actor,
        kind=EventKind.LINKED,
        note=_("Registered from dispute %(number)s after mediation.") % {"number": dispute.number},
        data={"dispute": dispute.pk, "dispute_number": dispute.number},
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=dispute,
        unit=dispute.handling_unit,
        changes={"escalated_petition": [None, petition.number]},
    )
    return petition, code


# --- reminders ---------------------------------------------------------------------------------


def mediation_reminders_send(*, today: datetime.date | None = None) -> dict[str, int]:
    """Remind the mediators of what is due; each message once (the outbox key names the event).

    * the mediation target date is near (the rule's warn days) or passed;
    * the judicial-confirmation window of a written agreement closes within the rule's warn days;
    * a follow-up visit is due tomorrow or today, or overdue.
    Safe to run any number of times a day: the outbox never holds one event twice for a recipient.
    """
    from zhenwu.core.notifications.services import notify_user

    today = today or _today()
    counts = {"target": 0, "confirmation": 0, "follow_up": 0, "messages": 0}
    target = get_rule("mediation.target")
    confirmation = get_rule("mediation.judicial_confirmation")

    def send(dispute: Dispute, key: str, subject: str, body: str) -> None:
        for person in dispute.mediators.all():
            if person.is_active:
                counts["messages"] += len(
                    notify_user(event_key=f"{key}.{person.pk}", user=person, subject=subject, body=body)
                )

    with transaction.atomic():
        due = (
            Dispute.objects.filter(
                status=DisputeStatus.ACCEPTED, due_on__lte=today + datetime.timedelta(days=target.warn_days)
            )
            .select_related("handling_unit")
            .prefetch_related("mediators")
        )
        for dispute in due:
            late = dispute.due_on is not None and dispute.due_on < today
            state = "overdue" if late else "due_soon"
            subject = (
                _("Mediation overdue: %(number)s") if late else _("Mediation due on %(date)s: %(number)s")
            ) % {"number": dispute.number, "date": dispute.due_on}
            body = _("%(number)s %(summary)s — mediation target date %(date)s.") % {
                "number": dispute.number,
                "summary": dispute.summary,
                "date": dispute.due_on,
            }
            send(dispute, f"mediation.{state}.{dispute.pk}.{dispute.due_on}", subject, body)
            counts["target"] += 1

        closing = (
            MediationAgreement.objects.filter(
                confirmation_due_on__gte=today,
                confirmation_due_on__lte=today + datetime.timedelta(days=confirmation.warn_days),
            )
            .select_related("dispute")
            .prefetch_related("dispute__mediators")
        )
        for agreement in closing:
            subject = _("Judicial confirmation window closes on %(date)s: %(number)s") % {
                "date": agreement.confirmation_due_on,
                "number": agreement.dispute.number,
            }
            body = _(
                "The parties of %(number)s may apply jointly to the court for judicial confirmation of "
                "their agreement until %(date)s (人民调解法 Art. 33). Remind them if they wish to."
            ) % {"number": agreement.dispute.number, "date": agreement.confirmation_due_on}
            send(agreement.dispute, f"mediation.confirmation.{agreement.pk}", subject, body)
            counts["confirmation"] += 1

        visits = (
            FollowUp.objects.filter(done_at__isnull=True, due_on__lte=today + datetime.timedelta(days=1))
            .exclude(dispute__status=DisputeStatus.CLOSED)
            .select_related("dispute")
            .prefetch_related("dispute__mediators")
        )
        for visit in visits:
            late = visit.due_on < today
            subject = (
                _("Follow-up visit overdue: %(number)s") if late else _("Follow-up visit due: %(number)s")
            ) % {"number": visit.dispute.number}
            body = _("%(number)s: follow-up visit due on %(date)s.") % {
                "number": visit.dispute.number,
                "date": visit.due_on,
            }
            send(visit.dispute, f"mediation.follow_up.{visit.pk}.{'late' if late else 'due'}", subject, body)
            counts["follow_up"] += 1
    return counts


def mediation_fill_pending_deadlines() -> int:
    """Compute the target dates and confirmation windows left pending for an unknown year.

    Idempotent; run with the reminders. Returns how many dates were filled in.
    """
    filled = 0
    for pk in list(
        Dispute.objects.filter(status=DisputeStatus.ACCEPTED, due_on__isnull=True).values_list(
            "pk", flat=True
        )
    ):
        with transaction.atomic():
            dispute = Dispute.objects.select_for_update().select_related("handling_unit").get(pk=pk)
            if dispute.accepted_at is None or dispute.due_on is not None:
                continue
            due = _due_or_pending("mediation.target", dispute.accepted_at)
            if due is not None:
                dispute.due_on = due
                dispute.save(update_fields=["due_on", "updated_at"])
                audit_record(
                    actor=None,
                    action=AuditAction.UPDATE,
                    obj=dispute,
                    unit=dispute.handling_unit,
                    changes={"due_on": [None, str(due)]},
                )
                filled += 1
    for pk in list(
        MediationAgreement.objects.filter(is_oral=False, confirmation_due_on__isnull=True).values_list(
            "pk", flat=True
        )
    ):
        with transaction.atomic():
            agreement = (
                MediationAgreement.objects.select_for_update()
                .select_related("dispute__handling_unit")
                .get(pk=pk)
            )
            due = _due_or_pending("mediation.judicial_confirmation", agreement.signed_on)
            if due is not None and agreement.confirmation_due_on is None:
                agreement.confirmation_due_on = due
                agreement.save(update_fields=["confirmation_due_on"])
                audit_record(
                    actor=None,
                    action=AuditAction.UPDATE,
                    obj=agreement,
                    unit=agreement.dispute.handling_unit,
                    changes={"confirmation_due_on": [None, str(due)]},
                )
                filled += 1
    return filled
