"""Every write of the petitions app (STYLE.md §2): one audited transaction per act.

Each transition locks the matter, checks ``transitions.ALLOWED_TRANSITIONS``, sets the stage and
its due date from the rules table through the deadline engine, writes one timeline event (shown
to the resident when ``public``) and one audit event.
"""

import datetime
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhenwu.core.audit import audit_denied, audit_record
from zhenwu.core.choices import AuditAction, Role
from zhenwu.core.deadlines import compute_due, extend_due
from zhenwu.core.exceptions import InvalidTransition, PermissionRefused, UnknownCalendarYear, ValidationFailed
from zhenwu.core.fields import lookup_values
from zhenwu.core.models import Unit, User
from zhenwu.core.rules import get_rule
from zhenwu.core.scoping import Action, has_instance_scope, require, user_can
from zhenwu.core.services.common import sequence_next, validated
from zhenwu.petitions.choices import (
    DeclineRoute,
    EventKind,
    IntakeChannel,
    Satisfaction,
    Stage,
    Status,
    WarningKind,
)
from zhenwu.petitions.models import (
    STAFF_STAGES,
    Category,
    DeadlineWarning,
    NumberSequence,
    Petition,
    Petitioner,
    PetitionEvent,
    PetitionLink,
    PetitionParty,
    Recusal,
)
from zhenwu.petitions.search import search_text_for
from zhenwu.petitions.transitions import can_move
from zhenwu.petitions.validators import normalize_id_number

#: At most five representatives speak for a group visit (信访工作条例 Art. 18 practice; see domain doc).
MAX_REPRESENTATIVES = 5
#: Query codes avoid look-alike characters (0/O, 1/I/L) since residents read them off paper or SMS.
QUERY_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
QUERY_CODE_LENGTH = 8


@dataclass(frozen=True)
class PetitionerIn:
    """One petitioner as entered at intake."""

    name: str
    id_number: str = ""
    phone: str = ""
    address: str = ""
    is_representative: bool = False


# --- helpers -----------------------------------------------------------------------------------


def _local_date(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def stage_due(petition: Petition) -> datetime.date | None:
    """The due date of the matter's current stage, from the rules table and the stage's start.

    The one place due dates come from: transitions set the stage and its timestamps, then call
    this. Re-assignment does not change it (the clock runs on); hearing days in a re-review are
    not counted; an extension is added to the handling deadline.
    """
    stage = petition.stage
    if stage == Stage.ACCEPTANCE:
        code = (
            "petition.accept_notice_referred"
            if petition.channel == IntakeChannel.REFERRAL
            else "petition.accept_notice"
        )
        return compute_due(code, _local_date(petition.received_at)).due
    if stage == Stage.CONCLUSION and petition.accepted_at is not None:
        due = compute_due("petition.conclude", _local_date(petition.accepted_at)).due
        return extend_due(due, petition.extension_days).due if petition.extension_days else due
    if stage == Stage.REVIEW_REQUEST and petition.answered_at is not None:
        return compute_due("petition.review_request", _local_date(petition.answered_at)).due
    if stage == Stage.REVIEW and petition.review_requested_at is not None:
        return compute_due("petition.review_decision", _local_date(petition.review_requested_at)).due
    if stage == Stage.RE_REVIEW_REQUEST and petition.reviewed_at is not None:
        return compute_due("petition.re_review_request", _local_date(petition.reviewed_at)).due
    if stage == Stage.RE_REVIEW and petition.re_review_requested_at is not None:
        start = _local_date(petition.re_review_requested_at) + datetime.timedelta(days=petition.hearing_days)
        return compute_due("petition.re_review_decision", start).due
    return None


def _set_due(petition: Petition) -> str:
    """Set ``due_on`` for the current stage; a year without known holidays leaves it pending.

    Returns why the date is pending ("" when it is set), for the timeline.

    A matter is registered and moved on even then (Art. 21: every matter is registered); the
    timeline says why the date is missing and the periodic job fills it in once an administrator
    has entered that year's holidays (or the calendar package knows them).
    """
    try:
        petition.due_on = stage_due(petition)
    except UnknownCalendarYear as exc:
        petition.due_on = None
        return str(exc.message)
    return ""


def petition_event_add(
    petition: Petition,
    *,
    actor: User | None,
    kind: str,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
    public: bool = False,
    occurred_at: datetime.datetime | None = None,
) -> PetitionEvent:
    """Append one entry to the matter's timeline: the one writer of PetitionEvent rows.

    Called inside the caller's transaction (every service of this app, documents, attachments).
    """
    return PetitionEvent.objects.create(
        petition=petition,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        actor_name=actor.get_full_name() if actor else "",
        occurred_at=occurred_at or timezone.now(),
        note=note,
        data=data or {},
        public=public,
    )


def _locked(petition: Petition) -> Petition:
    # of=("self",): PostgreSQL cannot lock the nullable side of the outer join to handling_unit.
    return (
        Petition.objects.select_for_update(of=("self",))
        .select_related("unit", "handling_unit")
        .get(pk=petition.pk)
    )


def _move(
    petition: Petition,
    *,
    actor: User | None,
    to: str,
    note: str = "",
    data: dict[str, Any] | None = None,
    public: bool = True,
    **fields: Any,
) -> Petition:
    """Apply one transition to a locked row: check the table, set fields, write event and audit."""
    if not can_move(petition.status, to):
        raise InvalidTransition(
            _("A matter that is “%(current)s” cannot become “%(target)s”.")
            % {"current": Status(petition.status).label, "target": Status(to).label}
        )
    before = petition.status
    old_due = petition.due_on
    for name, value in fields.items():
        setattr(petition, name, value)
    petition.status = to
    pending = _set_due(petition) if "stage" in fields else ""
    validated(petition)
    petition.save()
    petition_event_add(
        petition,
        actor=actor,
        kind=EventKind.TRANSITION,
        from_status=before,
        to_status=to,
        note=note,
        data={**(data or {}), **({"due_pending": pending} if pending else {})},
        public=public,
    )
    audit_record(
        actor=actor,
        action=AuditAction.TRANSITION,
        obj=petition,
        unit=petition.unit,
        changes={
            "status": [before, to],
            **({"due_on": [str(old_due), str(petition.due_on)]} if old_due != petition.due_on else {}),
        },
    )
    return petition


def _require_on_matter(actor: User, action: str, petition: Petition) -> None:
    """The actor's role holds ``action`` and the matter is theirs (registered or assigned in scope)."""
    from zhenwu.petitions.selectors import petition_list

    if not petition_list(user=actor, action=action).filter(pk=petition.pk).exists():
        raise PermissionRefused()


def _next_number(unit: Unit, year: int) -> str:
    """2026-HB-000123: year, registering unit's code, a per-unit-and-year sequence."""
    return f"{year}-{unit.code}-{sequence_next(NumberSequence, unit=unit, year=year):06d}"


def new_query_code() -> str:
    return "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(QUERY_CODE_LENGTH))


def _petitioner(data: PetitionerIn, *, staff_intake: bool) -> Petitioner:
    """The petitioner record for one person entered at intake.

    At staff intake a known ID number reuses the resident's record (newer contact details replace
    older ones; the name stays as first registered). The public form never reuses or changes an
    existing record: anyone could type someone else's ID number. Its entries are a new record, and
    the resident is still recognised by ID number for history and the first-time flag.
    """
    id_number = normalize_id_number(data.id_number)
    candidate = Petitioner(
        name=data.name.strip(), id_number=id_number, phone=data.phone.strip(), address=data.address.strip()
    )
    validated(candidate)
    if id_number and staff_intake:
        existing = (
            Petitioner.objects.select_for_update()
            .filter(id_number_hash__in=lookup_values(id_number, kind="id_number"))
            .order_by("-pk")
            .first()
        )
        if existing is not None:
            changed = [
                f for f in ("phone", "address") if getattr(candidate, f) not in ("", getattr(existing, f))
            ]
            for f in changed:
                setattr(existing, f, getattr(candidate, f))
            if changed:
                existing.save(update_fields=changed)
            return existing
    candidate.save()
    return candidate


# --- intake ------------------------------------------------------------------------------------


@transaction.atomic
def petition_register(
    *,
    actor: User | None,
    unit: Unit,
    channel: str,
    petitioners: Sequence[PetitionerIn],
    summary: str,
    content: str,
    received_at: datetime.datetime | None = None,
    category: Category | None = None,
    place: str = "",
    is_collective: bool = False,
    headcount: int | None = None,
    accused_unit: Unit | None = None,
    accused_user: User | None = None,
) -> tuple[Petition, str]:
    """Register a matter and return it with its query code (shown once; only a hash is kept).

    ``actor`` None is the public online form. Every matter is registered (Art. 21): the decision
    to accept or decline comes after, with its own notice.
    """
    if actor is not None:
        require(actor, Action.PETITION_REGISTER, unit)
    now = timezone.now()
    received_at = received_at or now
    errors: dict[str, list[str]] = {}
    if received_at > now + datetime.timedelta(minutes=5):
        errors["received_at"] = [_("The time received cannot be in the future.")]
    if received_at.year < 2000:
        errors["received_at"] = [_("The time received is too far in the past.")]
    if not petitioners:
        errors["petitioners"] = [_("Enter at least one petitioner.")]
    representatives = sum(1 for p in petitioners if p.is_representative)
    if representatives > MAX_REPRESENTATIVES:
        errors["petitioners"] = [
            _("A group elects at most %(n)d representatives.") % {"n": MAX_REPRESENTATIVES}
        ]
    headcount = headcount or len(petitioners) or 1
    if headcount < len(petitioners):
        errors["headcount"] = [_("The headcount cannot be smaller than the number of petitioners entered.")]
    if not unit.is_active:
        errors["unit"] = [_("This unit is inactive.")]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors=errors)

    id_numbers = [normalize_id_number(p.id_number) for p in petitioners if p.id_number.strip()]
    # Recognised by ID number across all records, before this matter's records are written.
    hashes = [h for number in id_numbers for h in lookup_values(number, kind="id_number")]
    first_time = not PetitionParty.objects.filter(petitioner__id_number_hash__in=hashes).exists()
    people = [_petitioner(p, staff_intake=actor is not None) for p in petitioners]
    code = new_query_code()
    petition = Petition(
        number=_next_number(unit, _local_date(received_at).year),
        query_code_hash=Petition.hash_query_code(code),
        channel=channel,
        unit=unit,
        category=category,
        summary=summary.strip(),
        content=content.strip(),
        place=place.strip(),
        is_collective=is_collective or len(people) > 1,
        headcount=headcount,
        is_first_time=first_time,
        accused_unit=accused_unit,
        accused_user=accused_user,
        received_at=received_at,
        registered_by=actor,
        status=Status.REGISTERED,
        stage=Stage.ACCEPTANCE,
        search_text=search_text_for(summary, content),
    )
    pending = _set_due(petition)
    validated(petition)
    petition.save()
    PetitionParty.objects.bulk_create(
        PetitionParty(petition=petition, petitioner=person, is_representative=data.is_representative)
        for person, data in zip(people, petitioners, strict=True)
    )
    petition_event_add(
        petition,
        actor=actor,
        kind=EventKind.REGISTERED,
        to_status=Status.REGISTERED,
        data={
            "channel": channel,
            "due_on": str(petition.due_on) if petition.due_on else None,
            "first_time": first_time,
            "due_pending": pending,
        },
        public=True,
    )
    # No personal data in the audit row: the matter's number and channel say what happened.
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=petition,
        unit=unit,
        changes={
            "status": [None, Status.REGISTERED],
            "channel": [None, channel],
            "due_on": [None, str(petition.due_on)],
        },
    )
    return petition, code


# --- office decisions --------------------------------------------------------------------------


@transaction.atomic
def petition_accept(*, actor: User, petition: Petition, note: str = "") -> Petition:
    """Accept the matter (受理): the handling clock starts from today."""
    _require_on_matter(actor, Action.PETITION_MANAGE, petition)
    petition = _locked(petition)
    return _move(
        petition,
        actor=actor,
        to=Status.ACCEPTED,
        note=note,
        accepted_at=timezone.now(),
        stage=Stage.CONCLUSION,
    )


@transaction.atomic
def petition_decline(*, actor: User, petition: Petition, route: str, reason: str) -> Petition:
    """Decline (不予受理) with the reason and the channel the resident should use instead."""
    _require_on_matter(actor, Action.PETITION_MANAGE, petition)
    if route not in DeclineRoute.values:
        raise ValidationFailed(
            _("Choose the proper channel."), errors={"route": [_("Choose the proper channel.")]}
        )
    if not reason.strip():
        raise ValidationFailed(_("Give the reason."), errors={"reason": [_("Give the reason.")]})
    petition = _locked(petition)
    return _move(
        petition,
        actor=actor,
        to=Status.DECLINED,
        note=reason.strip(),
        data={"route": route},
        declined_at=timezone.now(),
        decline_route=route,
        decline_reason=reason.strip(),
        stage=Stage.NONE,
    )


def _check_not_accused(
    actor: User, petition: Petition, handling_unit: Unit, lead_official: User | None
) -> None:
    """Refuse to hand a matter to the unit or official it accuses (Art. 30 ¶3); audit the attempt."""
    accused = petition.accused_unit
    # The accused unit and anything inside it; a unit above it (e.g. the township over an accused
    # village) may handle the matter, as it supervises the accused.
    hits_unit = accused is not None and handling_unit.is_descendant_of(accused)
    hits_official = lead_official is not None and (
        lead_official.pk == petition.accused_user_id
        or (
            accused is not None
            and lead_official.unit is not None
            and lead_official.unit.is_descendant_of(accused)
        )
        or Recusal.objects.filter(petition=petition, user=lead_official).exists()
    )
    if hits_unit or hits_official:
        # Written before (outside) the assignment's transaction, so the refused attempt stays on record.
        audit_denied(
            actor=actor,
            what="petitions.petition",
            unit=petition.unit,
            note=f"assign {petition.number} to accused",
        )
        raise PermissionRefused(
            _("A matter is never assigned to the unit or official it accuses, nor to a recused official.")
        )


def petition_assign(
    *, actor: User, petition: Petition, handling_unit: Unit, lead_official: User | None = None, note: str = ""
) -> Petition:
    """Assign (交办) to a handling unit, optionally with a lead official (包案领导).

    Re-assigning (when a unit says the matter is not theirs) keeps the running deadline: the
    clock does not restart.
    """
    _require_on_matter(actor, Action.PETITION_MANAGE, petition)
    fresh = Petition.objects.select_related("accused_unit").get(pk=petition.pk)
    _check_not_accused(actor, fresh, handling_unit, lead_official)
    return _assign(
        actor=actor, petition=petition, handling_unit=handling_unit, lead_official=lead_official, note=note
    )


@transaction.atomic
def _assign(
    *, actor: User, petition: Petition, handling_unit: Unit, lead_official: User | None, note: str
) -> Petition:
    """The assignment itself; ``petition_assign`` has checked the actor's rights and the accused."""
    petition = _locked(petition)
    if not handling_unit.is_active:
        raise ValidationFailed(
            _("This unit is inactive."), errors={"handling_unit": [_("This unit is inactive.")]}
        )
    if not (has_instance_scope(actor) or user_can(actor, Action.PETITION_MANAGE, handling_unit)):
        raise PermissionRefused(_("You may only assign to units inside your own unit."))
    if lead_official is not None and lead_official.role not in (Role.LEADER, Role.ADMIN):
        raise ValidationFailed(
            _("The lead official must be a leader."),
            errors={"lead_official": [_("The lead official must be a leader.")]},
        )
    reassign = petition.status in (Status.ASSIGNED, Status.HANDLING)
    previous = petition.handling_unit_id
    moved = _move(
        petition,
        actor=actor,
        to=Status.ASSIGNED,
        note=note,
        data={"handling_unit": handling_unit.pk, "previous": previous},
        handling_unit=handling_unit,
        lead_official=lead_official,
        assigned_at=timezone.now(),
    )
    if reassign:
        petition_event_add(
            moved,
            actor=actor,
            kind=EventKind.REASSIGNED,
            note=note,
            data={"from": previous, "to": handling_unit.pk},
        )
    return moved


@transaction.atomic
def petition_start_handling(*, actor: User, petition: Petition) -> Petition:
    """The handling unit takes the matter up."""
    petition = _locked(petition)
    _require_handler(actor, petition)
    return _move(petition, actor=actor, to=Status.HANDLING, public=True)


def _require_handler(actor: User, petition: Petition) -> None:
    """The actor works in the handling unit's subtree (or is the office/admin over it)."""
    _require_on_matter(actor, Action.PETITION_HANDLE, petition)
    unit = petition.handling_unit
    if unit is None or not (
        has_instance_scope(actor)
        or (
            actor.unit is not None
            and (actor.unit.is_descendant_of(unit) or unit.is_descendant_of(actor.unit))
        )
    ):
        raise PermissionRefused(_("Only the handling unit may do this."))


@transaction.atomic
def petition_object(*, actor: User, petition: Petition, reason: str) -> Petition:
    """The handling unit says the matter is not theirs: recorded, then the office re-assigns."""
    petition = _locked(petition)
    _require_handler(actor, petition)
    if not reason.strip():
        raise ValidationFailed(_("Give the reason."), errors={"reason": [_("Give the reason.")]})
    if petition.status not in (Status.ASSIGNED, Status.HANDLING):
        raise InvalidTransition()
    petition_event_add(
        petition, actor=actor, kind=EventKind.NOTE, note=reason.strip(), data={"objection": True}
    )
    audit_record(
        actor=actor, action=AuditAction.UPDATE, obj=petition, unit=petition.unit, note="objection: not ours"
    )
    return petition


@transaction.atomic
def petition_extend(*, actor: User, petition: Petition, days: int, reason: str) -> Petition:
    """Extend the handling deadline once (Art. 34): at most the rule's days, approved by a leader."""
    _require_on_matter(actor, Action.PETITION_APPROVE, petition)
    petition = _locked(petition)
    if (
        petition.status not in (Status.ACCEPTED, Status.ASSIGNED, Status.HANDLING)
        or petition.stage != Stage.CONCLUSION
    ):
        raise InvalidTransition(_("Only a matter being handled can be extended."))
    if petition.extension_days:
        raise InvalidTransition(_("The handling deadline can be extended only once."))
    limit = get_rule("petition.extension").days
    if not 1 <= days <= limit:
        message = _("An extension is 1 to %(max)d days.") % {"max": limit}
        raise ValidationFailed(message, errors={"days": [message]})
    if not reason.strip():
        raise ValidationFailed(_("Give the reason."), errors={"reason": [_("Give the reason.")]})
    old_due = petition.due_on
    petition.extension_days = days
    petition.extension_reason = reason.strip()
    petition.extension_approved_by = actor
    _set_due(petition)
    validated(petition)
    petition.save()
    petition_event_add(
        petition,
        actor=actor,
        kind=EventKind.EXTENDED,
        note=reason.strip(),
        data={"days": days, "from": str(old_due), "to": str(petition.due_on)},
        public=True,  # the resident is told the reason and the new date
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=petition,
        unit=petition.unit,
        changes={"due_on": [str(old_due), str(petition.due_on)], "extension_days": [0, days]},
    )
    return petition


@transaction.atomic
def petition_answer(
    *, actor: User, petition: Petition, request: str, facts: str, decision: str, basis: str
) -> Petition:
    """Issue the written handling opinion (处理意见书, Art. 32: request, facts, decision, legal basis).

    The resident's window to request a review starts with it.
    """
    petition = _locked(petition)
    _require_handler(actor, petition)
    parts = {"request": request, "facts": facts, "decision": decision, "basis": basis}
    missing = {k: [_("This part of the opinion is required.")] for k, v in parts.items() if not v.strip()}
    if missing:
        raise ValidationFailed(
            _("The opinion needs the request, the facts, the decision and its basis."), errors=missing
        )
    return _move(
        petition,
        actor=actor,
        to=Status.ANSWERED,
        answered_at=timezone.now(),
        opinion_request=request.strip(),
        opinion_facts=facts.strip(),
        opinion_decision=decision.strip(),
        opinion_basis=basis.strip(),
        stage=Stage.REVIEW_REQUEST,
    )


def satisfaction_window_days() -> int:
    """Days after the opinion in which the resident may rate it (not set by law: configurable)."""
    return int(getattr(settings, "ZHENWU_SATISFACTION_WINDOW_DAYS", 30))


@transaction.atomic
def petition_rate(
    *, petition: Petition, satisfaction: str, comment: str = "", actor: User | None = None
) -> Petition:
    """The resident rates the handling (满意度评价) on the public page, within the window."""
    petition = _locked(petition)
    if satisfaction not in Satisfaction.values:
        raise ValidationFailed(_("Choose a rating."), errors={"satisfaction": [_("Choose a rating.")]})
    if petition.status != Status.ANSWERED or petition.answered_at is None:
        raise InvalidTransition(_("Only an answered matter can be rated, and only once."))
    if timezone.now() > petition.answered_at + datetime.timedelta(days=satisfaction_window_days()):
        raise InvalidTransition(_("The time to rate this matter has passed."))
    return _move(
        petition,
        actor=actor,
        to=Status.RATED,
        satisfaction=satisfaction,
        satisfaction_comment=comment.strip()[:1000],
        rated_at=timezone.now(),
        data={"satisfaction": satisfaction},
    )


@transaction.atomic
def petition_close(*, actor: User, petition: Petition, note: str = "") -> Petition:
    """Close the matter (办结归档); the resident's review window, if open, stays open."""
    _require_on_matter(actor, Action.PETITION_MANAGE, petition)
    petition = _locked(petition)
    fields: dict[str, Any] = {"closed_at": timezone.now()}
    if petition.stage not in (Stage.REVIEW_REQUEST, Stage.RE_REVIEW_REQUEST):
        fields.update(stage=Stage.NONE)
    return _move(petition, actor=actor, to=Status.CLOSED, note=note, **fields)


# --- review and re-review ----------------------------------------------------------------------


def _window_open(petition: Petition, stage: str) -> bool:
    return petition.stage == stage and petition.due_on is not None and timezone.localdate() <= petition.due_on


@transaction.atomic
def petition_request_review(*, petition: Petition, reason: str, actor: User | None = None) -> Petition:
    """Request a review (复查) within the window after the handling opinion (Art. 35).

    ``actor`` None is the resident on the public page; staff recording a written request need
    the office's rights on the matter.
    """
    if actor is not None:
        _require_on_matter(actor, Action.PETITION_MANAGE, petition)
    petition = _locked(petition)
    if (
        petition.answered_at is None
        or petition.reviewed_at is not None
        or not _window_open(petition, Stage.REVIEW_REQUEST)
    ):
        days = get_rule("petition.review_request").days
        raise InvalidTransition(
            _("A review can be requested only within %(days)d days of the handling opinion.") % {"days": days}
        )
    if not reason.strip():
        raise ValidationFailed(_("Give the reason."), errors={"reason": [_("Give the reason.")]})
    return _move(
        petition,
        actor=actor,
        to=Status.UNDER_REVIEW,
        note=reason.strip(),
        review_requested_at=timezone.now(),
        stage=Stage.REVIEW,
    )


def _decide(actor: User, petition: Petition, opinion: str, *, to: str, fields: dict[str, Any]) -> Petition:
    """Issue a review or re-review opinion in writing (the office's decision on the request)."""
    _require_on_matter(actor, Action.PETITION_MANAGE, petition)
    if not opinion.strip():
        raise ValidationFailed(_("Write the opinion."), errors={"opinion": [_("Write the opinion.")]})
    return _move(_locked(petition), actor=actor, to=to, **fields)


@transaction.atomic
def petition_decide_review(*, actor: User, petition: Petition, opinion: str) -> Petition:
    """Issue the review opinion in writing; the re-review window opens."""
    fields = {
        "reviewed_at": timezone.now(),
        "review_opinion": opinion.strip(),
        "stage": Stage.RE_REVIEW_REQUEST,
    }
    return _decide(actor, petition, opinion, to=Status.REVIEWED, fields=fields)


@transaction.atomic
def petition_request_re_review(*, petition: Petition, reason: str, actor: User | None = None) -> Petition:
    """Request a re-review (复核) within the window after the review opinion (Art. 36).

    ``actor`` None is the resident on the public page; staff need the office's rights.
    """
    if actor is not None:
        _require_on_matter(actor, Action.PETITION_MANAGE, petition)
    petition = _locked(petition)
    if (
        petition.reviewed_at is None
        or petition.re_reviewed_at is not None
        or not _window_open(petition, Stage.RE_REVIEW_REQUEST)
    ):
        days = get_rule("petition.re_review_request").days
        raise InvalidTransition(
            _("A re-review can be requested only within %(days)d days of the review opinion.")
            % {"days": days}
        )
    if not reason.strip():
        raise ValidationFailed(_("Give the reason."), errors={"reason": [_("Give the reason.")]})
    return _move(
        petition,
        actor=actor,
        to=Status.UNDER_RE_REVIEW,
        note=reason.strip(),
        re_review_requested_at=timezone.now(),
        stage=Stage.RE_REVIEW,
    )


@transaction.atomic
def petition_record_hearing(*, actor: User, petition: Petition, days: int) -> Petition:
    """Record hearing time in a re-review: the law does not count it, so the clock stops that long."""
    _require_on_matter(actor, Action.PETITION_MANAGE, petition)
    petition = _locked(petition)
    if petition.status != Status.UNDER_RE_REVIEW or petition.re_review_requested_at is None:
        raise InvalidTransition()
    if days < 1 or days > 365:
        raise ValidationFailed(
            _("Enter the hearing days (1-365)."), errors={"days": [_("Enter the hearing days (1-365).")]}
        )
    old_due = petition.due_on
    petition.hearing_days += days
    _set_due(petition)
    petition.save(update_fields=["hearing_days", "due_on", "updated_at"])
    petition_event_add(
        petition,
        actor=actor,
        kind=EventKind.NOTE,
        data={"hearing_days": days, "due_on": str(petition.due_on)},
        public=True,
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=petition,
        unit=petition.unit,
        changes={
            "hearing_days": [petition.hearing_days - days, petition.hearing_days],
            "due_on": [str(old_due), str(petition.due_on)],
        },
    )
    return petition


@transaction.atomic
def petition_decide_re_review(*, actor: User, petition: Petition, opinion: str) -> Petition:
    """Issue the re-review opinion; the same facts and reasons are not accepted again."""
    fields = {"re_reviewed_at": timezone.now(), "re_review_opinion": opinion.strip(), "stage": Stage.NONE}
    return _decide(actor, petition, opinion, to=Status.RE_REVIEWED, fields=fields)


# --- links, recusal, warnings ------------------------------------------------------------------


@transaction.atomic
def petition_link(*, actor: User, petition: Petition, other: Petition, note: str = "") -> PetitionLink:
    """Link two matters (e.g. a possible duplicate). Linking never hides or closes either."""
    _require_on_matter(actor, Action.PETITION_MANAGE, petition)
    _require_on_matter(actor, Action.PETITION_VIEW, other)
    if petition.pk == other.pk:
        raise ValidationFailed(_("A matter cannot be linked to itself."))
    link, created = PetitionLink.objects.get_or_create(
        from_petition=petition, to_petition=other, defaults={"note": note.strip()[:200], "created_by": actor}
    )
    if created:
        petition_event_add(
            petition, actor=actor, kind=EventKind.LINKED, data={"other": other.number}, note=note
        )
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=petition,
            unit=petition.unit,
            changes={"linked": [None, other.number]},
        )
    return link


@transaction.atomic
def petition_recuse(*, actor: User, petition: Petition, reason: str) -> Recusal:
    """A staff member declares a direct interest (Art. 28 ¶3); from then on the matter is hidden from them."""
    _require_on_matter(actor, Action.PETITION_VIEW, petition)
    if not reason.strip():
        raise ValidationFailed(_("Give the reason."), errors={"reason": [_("Give the reason.")]})
    recusal = Recusal.objects.create(petition=petition, user=actor, reason=reason.strip()[:200])
    locked = _locked(petition)
    if locked.lead_official_id == actor.pk:
        locked.lead_official = None
        locked.save(update_fields=["lead_official", "updated_at"])
    petition_event_add(locked, actor=actor, kind=EventKind.RECUSED, note=reason.strip())
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=locked, unit=locked.unit, note="recused")
    return recusal


def petition_warn_due(*, today: datetime.date | None = None, warn_days: int | None = None) -> int:
    """Record one warning per matter, stage, kind and due date; safe to run any number of times.

    Returns how many new warnings were recorded. Called by the periodic task (tasks.py). One
    ``INSERT … SELECT … ON CONFLICT DO NOTHING`` inside the database (SQLite and PostgreSQL): the
    matters due are found through the (stage, due_on) index and the warnings written without a row
    passing through Python, so the sweep of 10^6 matters takes a fraction of a second instead of
    building tens of thousands of model objects (``make bench``).
    """
    today = today or timezone.localdate()
    horizon = warn_days if warn_days is not None else get_rule("petition.conclude").warn_days
    ops = connection.ops
    warning, matter = DeadlineWarning._meta, Petition._meta
    stages = ", ".join(["%s"] * len(STAFF_STAGES))
    sql = (
        f"INSERT INTO {ops.quote_name(warning.db_table)} (petition_id, stage, kind, due_on, created_at) "  # noqa: S608 -- names and placeholders only
        f"SELECT id, stage, CASE WHEN due_on < %s THEN %s ELSE %s END, due_on, %s "
        f"FROM {ops.quote_name(matter.db_table)} "
        f"WHERE stage IN ({stages}) AND due_on IS NOT NULL AND due_on <= %s "
        "ON CONFLICT DO NOTHING"
    )
    params = [
        ops.adapt_datefield_value(today),
        WarningKind.OVERDUE.value,
        WarningKind.DUE_SOON.value,
        ops.adapt_datetimefield_value(timezone.now()),
        *STAFF_STAGES,
        ops.adapt_datefield_value(today + datetime.timedelta(days=horizon)),
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        inserted: int = cursor.rowcount
    return max(inserted, 0)


def petition_fill_pending_deadlines() -> int:
    """Compute the due dates left pending for a year whose holidays were not known at the time.

    Idempotent; run by the periodic job. Returns how many matters got a date.
    """
    filled = 0
    stages = [*STAFF_STAGES, Stage.REVIEW_REQUEST, Stage.RE_REVIEW_REQUEST]
    pending = Petition.objects.filter(stage__in=stages, due_on__isnull=True).values_list("pk", flat=True)
    for pk in list(pending):
        with transaction.atomic():
            petition = Petition.objects.select_for_update().get(pk=pk)
            try:
                due = stage_due(petition)
            except UnknownCalendarYear:
                continue
            if due is None:
                continue
            petition.due_on = due
            petition.save(update_fields=["due_on", "updated_at"])
            petition_event_add(
                petition, actor=None, kind=EventKind.NOTE, data={"due_on": str(due)}, public=True
            )
            audit_record(
                actor=None,
                action=AuditAction.UPDATE,
                obj=petition,
                unit=petition.unit,
                changes={"due_on": [None, str(due)]},
            )
            filled += 1
    return filled
