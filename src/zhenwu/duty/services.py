"""Every write of the duty app (STYLE.md §2): one audited transaction per act.

Rosters: ``roster_create``, ``shift_template_add``, ``roster_members_set``, ``roster_generate``,
``assignment_set`` / ``assignment_remove`` (hand edits), ``swap_request`` / ``swap_decide`` /
``swap_arrange``, ``roster_publish``. Leave: ``leave_add``. The duty desk: ``shift_sign_on``,
``duty_log_add`` (append-only), ``shift_handover``. Reception days: ``reception_create``,
``reception_publish``, ``reception_cancel``, ``reception_link_petition``. Feeds: ``feed_create``,
``feed_revoke``. Reminders: ``duty_reminders_send`` (tasks.py).

Times: shift templates are Beijing wall-clock times; shifts are stored as aware datetimes (UTC in
the database). Asia/Shanghai has no daylight saving time, so a night shift 17:30–08:30 is always
15 hours and a 24-hour shift always 24.
"""

import datetime
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from zhenwu.core.audit import audit_record
from zhenwu.core.choices import AuditAction, Channel, Role
from zhenwu.core.deadlines import WorkCalendar
from zhenwu.core.exceptions import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionRefused,
    UnknownCalendarYear,
    ValidationFailed,
)
from zhenwu.core.localtime import BEIJING, beijing_moment, short_time
from zhenwu.core.models import Unit, User
from zhenwu.core.notifications.services import notification_enqueue, notify_user
from zhenwu.core.scoping import Action, require, role_allows, user_can
from zhenwu.core.services.common import validated
from zhenwu.duty.choices import (
    AssignmentSource,
    LogKind,
    Position,
    RosterStatus,
    ShiftDays,
    SwapKind,
    SwapStatus,
)
from zhenwu.duty.models import (
    CalendarFeed,
    DutyLogEntry,
    Handover,
    Leave,
    ReceptionDay,
    Roster,
    RosterMember,
    Shift,
    ShiftAssignment,
    ShiftTemplate,
    SignOn,
    SwapRequest,
)

if TYPE_CHECKING:
    from zhenwu.petitions.models import Petition

#: A roster covers at most this many days (a month of special duty, a flood season).
MAX_ROSTER_DAYS = 186
MAX_PER_POSITION = 10
#: Rest rule: at least this long off between two shifts of one person (a night shift ending at
#: 08:30 is not followed by the day shift starting at 08:30).
MIN_REST = datetime.timedelta(hours=8)
#: Sign-on opens this long before a shift starts.
SIGN_ON_EARLY = datetime.timedelta(minutes=60)
#: Reminders: before a shift starts; and to the leader on duty when nobody signed on by then.
REMIND_BEFORE = datetime.timedelta(minutes=60)
NO_SIGN_ON_AFTER = datetime.timedelta(minutes=15)
#: Missing sign-ons are reported only for shifts that started this recently (no flood after a stop).
NO_SIGN_ON_WINDOW = datetime.timedelta(hours=6)
#: The people on a shift may still write in its log this long after it ended (unless handed over).
LOG_GRACE = datetime.timedelta(hours=2)
FEED_KEY_BYTES = 24
BULK = 1000
POSITIONS = (Position.LEADER, Position.OFFICER)


def _refuse(message: str, field: str = "__all__") -> ValidationFailed:
    return ValidationFailed(message, errors={field: [message]})


def shift_bounds(template: ShiftTemplate, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The aware start and end of ``template`` on ``day``; a shift that ends at or before it starts
    ends the next day (equal times: a 24-hour shift)."""
    starts_at = beijing_moment(day, template.start_time)
    end_day = day + datetime.timedelta(days=1) if template.end_time <= template.start_time else day
    return starts_at, beijing_moment(end_day, template.end_time)


def _minutes(template: ShiftTemplate) -> tuple[int, int]:
    start = template.start_time.hour * 60 + template.start_time.minute
    end = template.end_time.hour * 60 + template.end_time.minute
    if end <= start:
        end += 24 * 60
    return start, end


def _days_intersect(a: str, b: str) -> bool:
    return a == ShiftDays.EVERY_DAY or b == ShiftDays.EVERY_DAY or a == b


def _locked_roster(roster: Roster) -> Roster:
    locked = Roster.objects.select_for_update().select_related("unit").filter(pk=roster.pk).first()
    if locked is None:
        raise NotFound()
    return locked


def _require_draft(roster: Roster) -> None:
    if roster.status != RosterStatus.DRAFT:
        raise InvalidTransition(_("The roster is published; its shifts can no longer be laid out again."))


# --- leave ---------------------------------------------------------------------------------------


def on_leave(person_id: int, first: datetime.date, last: datetime.date) -> Leave | None:
    return Leave.objects.filter(person_id=person_id, starts_on__lte=last, ends_on__gte=first).first()


@transaction.atomic
def leave_add(
    *, actor: User, person: User, starts_on: datetime.date, ends_on: datetime.date, reason: str = ""
) -> Leave:
    """Record a staff member's leave; generation skips them, and the roster checks flag them."""
    require(actor, Action.DUTY_MANAGE, person.unit)
    if ends_on < starts_on:
        raise _refuse(_("The last day is before the first day."), "ends_on")
    leave = Leave(
        person=person, starts_on=starts_on, ends_on=ends_on, reason=reason.strip(), created_by=actor
    )
    validated(leave)
    leave.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=leave,
        unit=person.unit,
        changes={"period": [None, f"{starts_on.isoformat()}..{ends_on.isoformat()}"]},
    )
    return leave


# --- rosters and templates -----------------------------------------------------------------------


@transaction.atomic
def roster_create(
    *,
    actor: User,
    unit: Unit,
    name: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    webhook_url: str = "",
) -> Roster:
    require(actor, Action.DUTY_MANAGE, unit)
    if ends_on < starts_on:
        raise _refuse(_("The last day is before the first day."), "ends_on")
    if (ends_on - starts_on).days + 1 > MAX_ROSTER_DAYS:
        raise _refuse(_("A roster covers at most %(days)s days.") % {"days": MAX_ROSTER_DAYS}, "ends_on")
    roster = Roster(
        unit=unit,
        name=" ".join(name.split()),
        starts_on=starts_on,
        ends_on=ends_on,
        webhook_url=webhook_url.strip(),
        created_by=actor,
    )
    validated(roster)
    roster.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=roster,
        unit=unit,
        changes={"period": [None, f"{starts_on.isoformat()}..{ends_on.isoformat()}"]},
    )
    return roster


@transaction.atomic
def shift_template_add(
    *,
    actor: User,
    roster: Roster,
    name: str,
    start_time: datetime.time,
    end_time: datetime.time,
    days: str = ShiftDays.EVERY_DAY,
    leaders_required: int = 1,
    officers_required: int = 2,
) -> ShiftTemplate:
    """Add a shift to the roster's day; a shift overlapping another on the same days is refused."""
    locked = _locked_roster(roster)
    require(actor, Action.DUTY_MANAGE, locked.unit)
    _require_draft(locked)
    if not 0 <= leaders_required <= MAX_PER_POSITION or not 0 <= officers_required <= MAX_PER_POSITION:
        raise _refuse(_("Between 0 and %(max)s people per position.") % {"max": MAX_PER_POSITION})
    if leaders_required + officers_required == 0:
        raise _refuse(_("A shift needs at least one person."), "officers_required")
    template = ShiftTemplate(
        roster=locked,
        name=" ".join(name.split()),
        start_time=start_time.replace(second=0, microsecond=0),
        end_time=end_time.replace(second=0, microsecond=0),
        days=days,
        leaders_required=leaders_required,
        officers_required=officers_required,
    )
    validated(template)
    start, end = _minutes(template)
    for other in locked.templates.all():
        if not _days_intersect(other.days, template.days):
            continue
        o_start, o_end = _minutes(other)
        # Compare on the same day and with the neighbouring days (a night shift runs into the next).
        for shift_by in (-1440, 0, 1440):
            if start < o_end + shift_by and o_start + shift_by < end:
                raise _refuse(
                    _("%(name)s overlaps %(other)s (%(start)s–%(end)s) on the same days.")
                    % {
                        "name": template.name,
                        "other": other.name,
                        "start": other.start_time.strftime("%H:%M"),
                        "end": other.end_time.strftime("%H:%M"),
                    },
                    "start_time",
                )
    template.save()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=locked,
        unit=locked.unit,
        changes={"template": [None, str(template)]},
    )
    return template


@transaction.atomic
def roster_members_set(
    *, actor: User, roster: Roster, position: str, people: Sequence[User]
) -> list[RosterMember]:
    """The pool of ``position`` in rotation order (replaces the previous pool of that position)."""
    locked = _locked_roster(roster)
    require(actor, Action.DUTY_MANAGE, locked.unit)
    if position not in Position.values:
        raise _refuse(_("Unknown position."), "position")
    seen: set[int] = set()
    for person in people:
        if person.pk in seen:
            raise _refuse(_("%(name)s is listed twice.") % {"name": person.get_full_name()}, "people")
        seen.add(person.pk)
        if not role_allows(person, Action.DUTY_SERVE):
            raise _refuse(
                _("%(name)s has a read-only role and cannot serve on duty.")
                % {"name": person.get_full_name()},
                "people",
            )
        if not person.is_active or person.unit is None or not person.unit.is_descendant_of(locked.unit):
            raise _refuse(
                _("%(name)s does not work in %(unit)s.")
                % {"name": person.get_full_name(), "unit": locked.unit.name},
                "people",
            )
    before = list(locked.members.filter(position=position).values_list("person_id", flat=True))
    locked.members.filter(position=position).delete()
    members = RosterMember.objects.bulk_create(
        RosterMember(roster=locked, person=person, position=position, order=index)
        for index, person in enumerate(people)
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=locked,
        unit=locked.unit,
        changes={f"pool_{position}": [before, [p.pk for p in people]]},
    )
    return members


# --- generation ----------------------------------------------------------------------------------


@dataclass
class GenerationResult:
    shifts_created: int = 0
    assigned: int = 0
    kept: int = 0
    unfilled: list[str] = field(default_factory=list)


def lay_out_shifts(roster: Roster, calendar: WorkCalendar | None = None) -> int:
    """Create the roster's missing shifts from its templates; the calendar decides working and rest days."""
    calendar = calendar or WorkCalendar()
    templates = list(roster.templates.all())
    existing = set(Shift.objects.filter(roster=roster).values_list("template_id", "on_date"))
    new = []
    for offset in range((roster.ends_on - roster.starts_on).days + 1):
        day = roster.starts_on + datetime.timedelta(days=offset)
        try:
            info = calendar.day(day)
        except UnknownCalendarYear:
            if any(t.days != ShiftDays.EVERY_DAY for t in templates):
                raise  # which days are working days decides which shifts exist: never guessed
            info = None  # every-day shifts exist anyway; only the rest-day flag falls back to weekends
        rest = (not info.is_working) if info is not None else (day.weekday() >= 5)
        name = info.name if info is not None else ""
        for template in templates:
            if template.days == ShiftDays.WORKING_DAYS and rest:
                continue
            if template.days == ShiftDays.REST_DAYS and not rest:
                continue
            if (template.pk, day) in existing:
                continue
            starts_at, ends_at = shift_bounds(template, day)
            new.append(
                Shift(
                    roster=roster,
                    template=template,
                    unit_id=roster.unit_id,
                    on_date=day,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    is_rest_day=rest,
                    day_name=name,
                )
            )
    Shift.objects.bulk_create(new, batch_size=BULK)
    return len(new)


@dataclass
class _Load:
    """One person's count of a position's shifts while generating (for fairness)."""

    shifts: int = 0
    nights: int = 0
    rest_days: int = 0


#: What a person already holds while generating: (start, end, night), in any roster.
Busy = list[tuple[datetime.datetime, datetime.datetime, bool]]


def _rest_ok(busy: Busy, shift: Shift, night: bool) -> bool:
    for start, end, was_night in busy:
        if start < shift.ends_at + MIN_REST and shift.starts_at < end + MIN_REST:
            return False  # overlapping, or less than the minimum rest between the two
        # No two night shifts in a row: a night shift within a day before or after another.
        if night and was_night and abs((shift.starts_at - start).total_seconds()) <= 36 * 3600:
            return False
    return True


@transaction.atomic
def roster_generate(*, actor: User, roster: Roster, now: datetime.datetime | None = None) -> GenerationResult:
    """Lay out the shifts and fill every position of every shift not yet started from the pool.

    Rotation: for each shift in time order, each position takes the pool members with the fewest
    shifts of that position in this roster so far (then the fewest nights for a night shift, the
    fewest rest-day shifts on a rest day), breaking ties round-robin in the pool's order. Nobody
    is rostered on leave, in two places at once (this or any other roster), with less than
    ``MIN_REST`` between two shifts, or for two night shifts in a row. A position nobody can fill
    stays open and is listed (the coverage check shows it too).

    Regenerating replaces only generated assignments of shifts that have not started: hand edits,
    swaps and takeovers are kept and counted.
    """
    now = now or timezone.now()
    locked = _locked_roster(roster)
    require(actor, Action.DUTY_MANAGE, locked.unit)
    _require_draft(locked)
    if not locked.templates.exists():
        raise _refuse(_("Add at least one shift (e.g. 08:30–17:30) before generating."))
    pools: dict[str, list[int]] = {position: [] for position in POSITIONS}
    for person_id, position in locked.members.order_by("order", "id").values_list("person_id", "position"):
        pools[position].append(person_id)
    if not any(pools.values()):
        raise _refuse(_("Add the people on duty (the pool) before generating."))
    result = GenerationResult(shifts_created=lay_out_shifts(locked))
    # A generated assignment someone asked to swap stays until the office decides the swap.
    pending = SwapRequest.objects.filter(roster=locked, status=SwapStatus.PENDING)
    ShiftAssignment.objects.filter(
        shift__roster=locked, shift__starts_at__gt=now, source=AssignmentSource.GENERATED
    ).exclude(pk__in=pending.values("assignment_id")).exclude(
        pk__in=pending.filter(counterpart__isnull=False).values("counterpart_id")
    ).delete()
    shifts = list(locked.shifts.select_related("template").order_by("starts_at", "id"))
    everyone = {pid for ids in pools.values() for pid in ids}
    first_moment = shifts[0].starts_at if shifts else now
    last_moment = shifts[-1].ends_at if shifts else now
    loads: dict[tuple[int, str], _Load] = defaultdict(_Load)
    busy: dict[int, Busy] = defaultdict(list)
    held: dict[int, dict[str, set[int]]] = defaultdict(lambda: {p: set() for p in POSITIONS})
    # Everything these people already hold, here and in other rosters (one query).
    current = ShiftAssignment.objects.filter(
        person_id__in=everyone,
        starts_at__lt=last_moment + MIN_REST,
        ends_at__gt=first_moment - MIN_REST,
    ).select_related("shift__template")
    for assignment in current:
        night = assignment.shift.is_night
        busy[assignment.person_id].append((assignment.starts_at, assignment.ends_at, night))
        if assignment.shift.roster_id == locked.pk:
            held[assignment.shift_id][assignment.position].add(assignment.person_id)
            load = loads[(assignment.person_id, assignment.position)]
            load.shifts += 1
            load.nights += int(night)
            load.rest_days += int(assignment.shift.is_rest_day)
            if assignment.source != AssignmentSource.GENERATED:
                result.kept += 1
    leaves: dict[int, list[tuple[datetime.date, datetime.date]]] = defaultdict(list)
    for person_id, starts_on, ends_on in Leave.objects.filter(
        person_id__in=everyone,
        starts_on__lte=locked.ends_on + datetime.timedelta(days=1),
        ends_on__gte=locked.starts_on,
    ).values_list("person_id", "starts_on", "ends_on"):
        leaves[person_id].append((starts_on, ends_on))
    pointer = dict.fromkeys(POSITIONS, 0)
    new: list[ShiftAssignment] = []
    for shift in shifts:
        if shift.starts_at <= now:
            continue
        night = shift.is_night
        last_day = timezone.localtime(shift.ends_at - datetime.timedelta(seconds=1), BEIJING).date()
        on_shift = held[shift.pk][Position.LEADER] | held[shift.pk][Position.OFFICER]
        for position in POSITIONS:
            pool = pools[position]
            need = shift.template.required(position) - len(held[shift.pk][position])
            while need > 0:
                candidates = []
                for index, person_id in enumerate(pool):
                    if person_id in on_shift:
                        continue
                    if any(s <= last_day and shift.on_date <= e for s, e in leaves[person_id]):
                        continue
                    load = loads[(person_id, position)]
                    if not _rest_ok(busy[person_id], shift, night):
                        continue
                    secondary = load.nights if night else (load.rest_days if shift.is_rest_day else 0)
                    turn = (index - pointer[position]) % len(pool)
                    candidates.append(((load.shifts, secondary, turn), index, person_id))
                if not candidates:
                    result.unfilled.append(
                        _("%(shift)s %(when)s: no %(position)s available")
                        % {
                            "shift": shift.template.name,
                            "when": short_time(shift.starts_at),
                            "position": Position(position).label,
                        }
                    )
                    break
                __, index, person_id = min(candidates)
                pointer[position] = (index + 1) % len(pool)
                new.append(
                    ShiftAssignment(
                        shift=shift,
                        person_id=person_id,
                        position=position,
                        source=AssignmentSource.GENERATED,
                        starts_at=shift.starts_at,
                        ends_at=shift.ends_at,
                    )
                )
                on_shift.add(person_id)
                held[shift.pk][position].add(person_id)
                busy[person_id].append((shift.starts_at, shift.ends_at, night))
                load = loads[(person_id, position)]
                load.shifts += 1
                load.nights += int(night)
                load.rest_days += int(shift.is_rest_day)
                need -= 1
    ShiftAssignment.objects.bulk_create(new, batch_size=BULK)
    result.assigned = len(new)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=locked,
        unit=locked.unit,
        changes={
            "generated": [None, result.assigned],
            "kept": [None, result.kept],
            "unfilled": [None, len(result.unfilled)],
        },
        note="generate",
    )
    return result


# --- hand edits, swaps, takeovers -----------------------------------------------------------------


def _check_available(person: User, shift: Shift, *, ignore: Iterable[int] = ()) -> None:
    """Refuse ``person`` for ``shift`` when on leave or already on duty elsewhere at that time."""
    last_day = timezone.localtime(shift.ends_at - datetime.timedelta(seconds=1), BEIJING).date()
    leave = on_leave(person.pk, shift.on_date, last_day)
    if leave is not None:
        raise _refuse(
            _("%(name)s is on leave from %(first)s to %(last)s.")
            % {"name": person.get_full_name(), "first": leave.starts_on, "last": leave.ends_on},
            "person",
        )
    clash = (
        ShiftAssignment.objects.filter(
            person=person, starts_at__lt=shift.ends_at, ends_at__gt=shift.starts_at
        )
        .exclude(pk__in=list(ignore))
        .select_related("shift__roster")
        .first()
    )
    if clash is not None:
        raise _refuse(
            _("%(name)s is already on duty then (%(roster)s, %(start)s–%(end)s).")
            % {
                "name": person.get_full_name(),
                "roster": clash.shift.roster.name,
                "start": short_time(clash.starts_at),
                "end": short_time(clash.ends_at),
            },
            "person",
        )


def _in_pool(roster: Roster, person: User, position: str) -> None:
    if not RosterMember.objects.filter(roster=roster, person=person, position=position).exists():
        raise _refuse(
            _("%(name)s is not in this roster's pool of %(position)s.")
            % {"name": person.get_full_name(), "position": Position(position).label},
            "person",
        )


@transaction.atomic
def assignment_set(*, actor: User, shift: Shift, position: str, person: User) -> ShiftAssignment:
    """Put ``person`` on ``shift`` by hand; kept by any later generation."""
    roster = _locked_roster(shift.roster)
    require(actor, Action.DUTY_MANAGE, roster.unit)
    if position not in Position.values:
        raise _refuse(_("Unknown position."), "position")
    _in_pool(roster, person, position)
    if shift.ends_at <= timezone.now():
        raise _refuse(_("This shift is over."))
    if ShiftAssignment.objects.filter(shift=shift, person=person).exists():
        raise _refuse(_("%(name)s is already on this shift.") % {"name": person.get_full_name()}, "person")
    _check_available(person, shift)
    assignment = ShiftAssignment(
        shift=shift,
        person=person,
        position=position,
        source=AssignmentSource.MANUAL,
        starts_at=shift.starts_at,
        ends_at=shift.ends_at,
    )
    try:
        with transaction.atomic():
            assignment.save()
    except IntegrityError:
        raise Conflict(_("Someone else has just changed this shift; reload the page.")) from None
    audit_record(actor=actor, action=AuditAction.CREATE, obj=assignment, unit=roster.unit, note="manual")
    return assignment


@transaction.atomic
def assignment_remove(*, actor: User, assignment: ShiftAssignment) -> None:
    roster = _locked_roster(assignment.shift.roster)
    require(actor, Action.DUTY_MANAGE, roster.unit)
    if assignment.shift.starts_at <= timezone.now():
        raise _refuse(_("A shift that has started cannot be changed."))
    if SignOn.objects.filter(assignment=assignment).exists():
        raise _refuse(_("This person has signed on."))
    # A swap waiting for approval cannot happen without the shift: it is cancelled, and kept.
    SwapRequest.objects.filter(
        Q(assignment=assignment) | Q(counterpart=assignment), status=SwapStatus.PENDING
    ).update(status=SwapStatus.CANCELLED, decided_by=actor, decided_at=timezone.now())
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=assignment,
        unit=roster.unit,
        changes={"person": [assignment.person_id, None]},
        note="removed",
    )
    assignment.delete()


def _swap_check(swap: SwapRequest) -> None:
    """A swap or takeover is still possible: shifts not started, people available, in the pool."""
    now = timezone.now()
    given = swap.assignment
    if given is None or (swap.kind == SwapKind.SWAP and swap.counterpart is None):
        raise InvalidTransition(_("A shift of this swap was removed from the roster."))
    if given.person_id != swap.from_person_id:
        raise InvalidTransition(_("The shift has changed hands since the swap was asked for."))
    if given.shift.starts_at <= now or (swap.counterpart and swap.counterpart.shift.starts_at <= now):
        raise _refuse(_("A shift that has started cannot be swapped."))
    _in_pool(swap.roster, swap.to_person, given.position)
    if swap.counterpart is not None:
        _in_pool(swap.roster, given.person, swap.counterpart.position)
        if ShiftAssignment.objects.filter(shift=swap.counterpart.shift, person=given.person).exists():
            raise _refuse(_("%(name)s is already on that shift.") % {"name": given.person.get_full_name()})
        _check_available(given.person, swap.counterpart.shift, ignore=[given.pk, swap.counterpart.pk])
    if ShiftAssignment.objects.filter(shift=given.shift, person=swap.to_person).exists():
        raise _refuse(_("%(name)s is already on that shift.") % {"name": swap.to_person.get_full_name()})
    ignore = [given.pk] + ([swap.counterpart.pk] if swap.counterpart else [])
    _check_available(swap.to_person, given.shift, ignore=ignore)


def _apply_swap(swap: SwapRequest) -> None:
    """Exchange the people (swap) or hand the shift over (takeover); ``swap`` is updated in place."""
    if swap.assignment_id is None:
        raise InvalidTransition(_("A shift of this swap was removed from the roster."))
    given = ShiftAssignment.objects.select_for_update().get(pk=swap.assignment_id)
    giver = given.person
    given.person = swap.to_person
    given.source = AssignmentSource.SWAP if swap.counterpart_id else AssignmentSource.TAKEOVER
    given.save(update_fields=["person", "source"])
    if swap.counterpart_id:
        taken = ShiftAssignment.objects.select_for_update().get(pk=swap.counterpart_id)
        taken.person = giver
        taken.source = AssignmentSource.SWAP
        taken.save(update_fields=["person", "source"])
        swap.counterpart = taken
    swap.assignment = given


@transaction.atomic
def swap_request(
    *,
    actor: User,
    assignment: ShiftAssignment,
    to_person: User,
    counterpart: ShiftAssignment | None = None,
    reason: str = "",
) -> SwapRequest:
    """Ask to swap one's shift with ``counterpart`` (held by ``to_person``) or to have ``to_person``
    take it over; the office approves. The office may ask on anyone's behalf."""
    roster = _locked_roster(assignment.shift.roster)
    if not user_can(actor, Action.DUTY_VIEW, roster.unit):
        raise NotFound()
    is_office = user_can(actor, Action.DUTY_MANAGE, roster.unit)
    if not is_office and (assignment.person_id != actor.pk or not user_can(actor, Action.DUTY_SERVE)):
        raise PermissionRefused(_("Only the person on the shift or the office may ask for a swap."))
    if to_person.pk == assignment.person_id:
        raise _refuse(_("Choose someone else."), "to_person")
    if counterpart is not None:
        if counterpart.person_id != to_person.pk or counterpart.shift.roster_id != roster.pk:
            raise _refuse(_("The other shift must be held by that person in the same roster."), "counterpart")
        if counterpart.pk == assignment.pk:
            raise _refuse(_("Choose another shift."), "counterpart")
    if SwapRequest.objects.filter(assignment=assignment, status=SwapStatus.PENDING).exists():
        raise Conflict(_("A swap of this shift is already waiting for approval."))
    swap = SwapRequest(
        kind=SwapKind.SWAP if counterpart is not None else SwapKind.TAKEOVER,
        assignment=assignment,
        counterpart=counterpart,
        from_person=assignment.person,
        to_person=to_person,
        roster=roster,
        reason=" ".join(reason.split()),
        requested_by=actor,
    )
    _swap_check(swap)
    validated(swap)
    swap.save()
    audit_record(actor=actor, action=AuditAction.CREATE, obj=swap, unit=roster.unit)
    return swap


@transaction.atomic
def swap_decide(*, actor: User, swap: SwapRequest, approve: bool) -> SwapRequest:
    """Approve (and carry out) or reject a pending swap; the office decides."""
    locked = SwapRequest.objects.select_for_update().select_related("roster__unit").filter(pk=swap.pk).first()
    if locked is None:
        raise NotFound()
    require(actor, Action.DUTY_MANAGE, locked.roster.unit)
    parties = {locked.from_person_id, locked.to_person_id}
    if actor.pk in parties:
        raise PermissionRefused(_("Someone else in the office must decide a swap you are part of."))
    if locked.status != SwapStatus.PENDING:
        raise InvalidTransition(_("This swap was already decided."))
    if approve:
        _swap_check(locked)
        _apply_swap(locked)
    locked.status = SwapStatus.APPROVED if approve else SwapStatus.REJECTED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action=AuditAction.TRANSITION,
        obj=locked,
        unit=locked.roster.unit,
        changes={"status": [SwapStatus.PENDING, locked.status]},
    )
    return locked


def swap_arrange(
    *,
    actor: User,
    assignment: ShiftAssignment,
    to_person: User,
    counterpart: ShiftAssignment | None = None,
    reason: str = "",
) -> SwapRequest:
    """The office arranges a swap or takeover for others: asked and approved in one transaction."""
    with transaction.atomic():
        require(actor, Action.DUTY_MANAGE, assignment.shift.unit)
        swap = swap_request(
            actor=actor, assignment=assignment, to_person=to_person, counterpart=counterpart, reason=reason
        )
        return swap_decide(actor=actor, swap=swap, approve=True)


# --- publishing ----------------------------------------------------------------------------------


@transaction.atomic
def roster_publish(*, actor: User, roster: Roster, confirm_gaps: bool = False, note: str = "") -> Roster:
    """Publish the roster. With gaps (or anyone on leave or in two places) only with an explicit
    confirmation and a reason, both recorded."""
    from zhenwu.duty.selectors import coverage_report  # selectors import services' helpers

    locked = _locked_roster(roster)
    require(actor, Action.DUTY_MANAGE, locked.unit)
    if locked.status == RosterStatus.PUBLISHED:
        raise InvalidTransition(_("The roster is already published."))
    if not locked.shifts.exists():
        raise _refuse(_("Generate the shifts before publishing."))
    report = coverage_report(locked)
    problems = report.problem_lines()
    note = " ".join(note.split())
    if problems and not confirm_gaps:
        raise Conflict(
            _(
                "The roster has %(n)s problems (gaps, people on leave or in two places). Check them, then "
                "confirm publishing anyway with a reason."
            )
            % {"n": len(problems)},
            code="gaps",
            errors={"__all__": problems[:20]},
        )
    if problems and not note:
        raise _refuse(_("Give the reason for publishing with gaps."), "note")
    locked.status = RosterStatus.PUBLISHED
    locked.published_at = timezone.now()
    locked.published_by = actor
    locked.published_with_gaps = problems
    locked.gaps_note = note[:200] if problems else ""
    locked.save(update_fields=["status", "published_at", "published_by", "published_with_gaps", "gaps_note"])
    audit_record(
        actor=actor,
        action=AuditAction.TRANSITION,
        obj=locked,
        unit=locked.unit,
        changes={"status": [RosterStatus.DRAFT, RosterStatus.PUBLISHED], "problems": [None, len(problems)]},
        note=note,
    )
    return locked


@transaction.atomic
def roster_unpublish(*, actor: User, roster: Roster) -> Roster:
    """Back to draft to lay the roster out again (shifts already served stay as they were)."""
    locked = _locked_roster(roster)
    require(actor, Action.DUTY_MANAGE, locked.unit)
    if locked.status != RosterStatus.PUBLISHED:
        raise InvalidTransition(_("The roster is not published."))
    locked.status = RosterStatus.DRAFT
    locked.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action=AuditAction.TRANSITION,
        obj=locked,
        unit=locked.unit,
        changes={"status": [RosterStatus.PUBLISHED, RosterStatus.DRAFT]},
    )
    return locked


# --- the duty desk ---------------------------------------------------------------------------------


def _my_assignment(actor: User, shift: Shift) -> ShiftAssignment:
    assignment = ShiftAssignment.objects.filter(shift=shift, person=actor).first()
    if assignment is None:
        raise PermissionRefused(_("You are not on this shift."))
    return assignment


@transaction.atomic
def shift_sign_on(*, actor: User, shift: Shift) -> SignOn:
    """Sign on (签到) for one's own shift, from an hour before it starts until it ends."""
    if not user_can(actor, Action.DUTY_VIEW, shift.unit):
        raise NotFound()
    require(actor, Action.DUTY_SERVE)
    assignment = _my_assignment(actor, shift)
    now = timezone.now()
    if now < shift.starts_at - SIGN_ON_EARLY:
        raise _refuse(_("Sign-on opens at %(time)s.") % {"time": short_time(shift.starts_at - SIGN_ON_EARLY)})
    if now >= shift.ends_at:
        raise _refuse(_("This shift is over."))
    if SignOn.objects.filter(assignment=assignment).exists():
        raise Conflict(_("You have already signed on."), code="already_signed_on")
    sign_on = SignOn(assignment=assignment, shift=shift, signed_at=now)
    try:
        with transaction.atomic():
            sign_on.save()
    except IntegrityError:
        raise Conflict(_("You have already signed on."), code="already_signed_on") from None
    audit_record(actor=actor, action=AuditAction.CREATE, obj=sign_on, unit=shift.unit)
    return sign_on


def _may_write_log(actor: User, shift: Shift) -> None:
    if not user_can(actor, Action.DUTY_VIEW, shift.unit):
        raise NotFound()
    if user_can(actor, Action.DUTY_MANAGE, shift.unit):
        return
    require(actor, Action.DUTY_SERVE)
    _my_assignment(actor, shift)


@transaction.atomic
def duty_log_add(
    *,
    actor: User,
    shift: Shift,
    kind: str,
    text: str,
    occurred_at: datetime.datetime | None = None,
    is_open: bool = False,
    corrects: DutyLogEntry | None = None,
    resolves: DutyLogEntry | None = None,
) -> DutyLogEntry:
    """Append an entry to the shift's duty log. Entries are never changed: a correction names the
    entry it corrects; an action may close an open item (of this shift or carried into it)."""
    _may_write_log(actor, shift)
    now = timezone.now()
    if now < shift.starts_at - SIGN_ON_EARLY:
        raise _refuse(_("The shift has not started."))
    # The people on duty write while on duty; once the shift is handed over (or long over) its log
    # is closed to them: what comes later belongs in the current shift's log. The office may still
    # add a note (e.g. a check), which is recorded as theirs.
    if not user_can(actor, Action.DUTY_MANAGE, shift.unit) and (
        now > shift.ends_at + LOG_GRACE or Handover.objects.filter(shift=shift).exists()
    ):
        raise _refuse(_("This shift is handed over; write in the current shift's log."))
    text = text.strip()
    if not text:
        raise _refuse(_("Write what happened."), "text")
    occurred_at = occurred_at or now
    if occurred_at > now + datetime.timedelta(minutes=1):
        raise _refuse(_("The time cannot be in the future."), "occurred_at")
    if occurred_at < shift.starts_at - SIGN_ON_EARLY:
        raise _refuse(_("The time is before the shift started."), "occurred_at")
    if kind == LogKind.CORRECTION and corrects is None:
        raise _refuse(_("Choose the entry this corrects."), "corrects")
    if corrects is not None and corrects.shift.roster_id != shift.roster_id:
        raise _refuse(_("Only an entry of this roster can be corrected."), "corrects")
    if resolves is not None:
        if not resolves.is_open or resolves.shift.roster_id != shift.roster_id:
            raise _refuse(_("That is not an open item of this roster."), "resolves")
        if DutyLogEntry.objects.filter(resolves=resolves).exists():
            raise _refuse(_("That item is already closed."), "resolves")
    entry = DutyLogEntry(
        shift=shift,
        kind=kind,
        occurred_at=occurred_at,
        text=text,
        is_open=is_open,
        corrects=corrects,
        resolves=resolves,
        author=actor,
        created_at=now,
    )
    validated(entry)
    entry.save()
    audit_record(actor=actor, action=AuditAction.CREATE, obj=entry, unit=shift.unit)
    return entry


def current_shift_for(unit: Unit, *, now: datetime.datetime | None = None) -> Shift | None:
    """The published shift on duty now for ``unit``: its own roster's, else the nearest unit above's.

    A village usually has no roster of its own; its township's duty desk is the one on duty for it.
    """
    now = now or timezone.now()
    paths = [*unit.ancestor_paths(), unit.path]
    return (
        Shift.objects.filter(
            unit__path__in=paths,
            roster__status=RosterStatus.PUBLISHED,
            starts_at__lte=now,
            ends_at__gt=now,
        )
        .select_related("unit", "roster")
        .order_by("-unit__depth", "starts_at", "id")
        .first()
    )


def duty_log_forward(
    *, actor: User, unit: Unit, text: str, occurred_at: datetime.datetime
) -> DutyLogEntry | None:
    """Put an event reported elsewhere (an incident) into the log of the shift on duty for ``unit``.

    Written as an open event by the person who reported it, so the people on duty see it, follow
    it up and carry it at handover. Called inside the reporting service's transaction; returns None
    when no published shift is on duty (the caller says so to the reporter).
    """
    shift = current_shift_for(unit)
    if shift is None:
        return None
    now = timezone.now()
    entry = DutyLogEntry(
        shift=shift,
        kind=LogKind.EVENT,
        occurred_at=occurred_at,
        text=text.strip(),
        is_open=True,
        author=actor,
        created_at=now,
    )
    validated(entry)
    entry.save()
    audit_record(actor=actor, action=AuditAction.CREATE, obj=entry, unit=shift.unit, note="forwarded")
    return entry


def next_shift_of(shift: Shift) -> Shift | None:
    """The roster's next shift (the one that takes over), or None for the last one."""
    return (
        Shift.objects.filter(roster_id=shift.roster_id, starts_at__gte=shift.starts_at)
        .exclude(pk=shift.pk)
        .order_by("starts_at", "id")
        .first()
    )


def open_items(shift: Shift) -> list[DutyLogEntry]:
    """Items still open on ``shift``: its own open entries and those carried into it, not yet closed."""
    carried = DutyLogEntry.objects.filter(carried_by__next_shift=shift)
    own = DutyLogEntry.objects.filter(shift=shift, is_open=True)
    return list(
        (carried | own)
        .filter(resolutions__isnull=True)
        .distinct()
        .select_related("author")
        .order_by("created_at")
    )


@transaction.atomic
def shift_handover(
    *, actor: User, shift: Shift, summary: str, carry: Sequence[int] | None = None
) -> Handover:
    """Hand the shift over (交接班): notes, and the open items passed on to the next shift (all of
    them unless ``carry`` names some)."""
    _may_write_log(actor, shift)
    locked = Shift.objects.select_for_update().get(pk=shift.pk)
    if Handover.objects.filter(shift=locked).exists():
        raise Conflict(_("This shift has already been handed over."), code="already_handed_over")
    if timezone.now() < locked.starts_at:
        raise _refuse(_("The shift has not started."))
    summary = summary.strip()
    if not summary:
        raise _refuse(_("Write the handover notes."), "summary")
    items = {entry.pk: entry for entry in open_items(locked)}
    chosen = list(items) if carry is None else list(carry)
    unknown = [pk for pk in chosen if pk not in items]
    if unknown:
        raise _refuse(_("Only open items of this shift can be carried over."), "carry")
    handover = Handover(
        shift=locked,
        next_shift=next_shift_of(locked),
        summary=summary,
        handed_over_by=actor,
        handed_over_at=timezone.now(),
    )
    handover.save()
    handover.carried.set([items[pk] for pk in chosen])
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=handover,
        unit=locked.unit,
        changes={"carried": [None, len(chosen)]},
    )
    return handover


# --- reception days --------------------------------------------------------------------------------


@transaction.atomic
def reception_create(
    *,
    actor: User,
    unit: Unit,
    leader: User,
    on_date: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    place: str,
    topic: str = "",
    publish: bool = False,
) -> ReceptionDay:
    """Schedule a leader's reception of the public (领导接访日)."""
    require(actor, Action.RECEPTION_MANAGE, unit)
    if (
        leader.role != Role.LEADER
        or not leader.is_active
        or leader.unit is None
        or not leader.unit.is_descendant_of(unit)
    ):
        raise _refuse(_("Choose a leader of %(unit)s.") % {"unit": unit.name}, "leader")
    if end_time <= start_time:
        raise _refuse(_("The reception ends before it starts."), "end_time")
    if on_date < timezone.localdate():
        raise _refuse(_("The day cannot be in the past."), "on_date")
    clash = ReceptionDay.objects.filter(
        leader=leader, on_date=on_date, is_cancelled=False, start_time__lt=end_time, end_time__gt=start_time
    ).first()
    if clash is not None:
        raise _refuse(
            _("%(name)s already receives the public then.") % {"name": leader.get_full_name()}, "leader"
        )
    reception = ReceptionDay(
        unit=unit,
        leader=leader,
        on_date=on_date,
        start_time=start_time,
        end_time=end_time,
        place=" ".join(place.split()),
        topic=" ".join(topic.split()),
        is_published=publish,
        created_by=actor,
    )
    validated(reception)
    reception.save()
    audit_record(actor=actor, action=AuditAction.CREATE, obj=reception, unit=unit)
    return reception


@transaction.atomic
def reception_publish(*, actor: User, reception: ReceptionDay, publish: bool = True) -> ReceptionDay:
    locked = ReceptionDay.objects.select_for_update().get(pk=reception.pk)
    require(actor, Action.RECEPTION_MANAGE, locked.unit)
    if locked.is_cancelled:
        raise InvalidTransition(_("This reception was cancelled."))
    if locked.is_published != publish:
        locked.is_published = publish
        locked.save(update_fields=["is_published"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            unit=locked.unit,
            changes={"is_published": [not publish, publish]},
        )
    return locked


@transaction.atomic
def reception_cancel(*, actor: User, reception: ReceptionDay) -> ReceptionDay:
    """Cancel a reception; the public page says so rather than silently dropping it."""
    locked = ReceptionDay.objects.select_for_update().get(pk=reception.pk)
    require(actor, Action.RECEPTION_MANAGE, locked.unit)
    if locked.is_cancelled:
        raise InvalidTransition(_("This reception was already cancelled."))
    locked.is_cancelled = True
    locked.save(update_fields=["is_cancelled"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=locked,
        unit=locked.unit,
        changes={"is_cancelled": [False, True]},
    )
    return locked


@transaction.atomic
def reception_link_petition(*, actor: User, reception: ReceptionDay, petition: "Petition") -> ReceptionDay:
    """Link a matter registered at the reception: a visit on that day, registered in the reception's
    unit (or handled there), visible to the actor; not to a cancelled reception."""
    from zhenwu.petitions.choices import IntakeChannel
    from zhenwu.petitions.selectors import access_petition

    reception = ReceptionDay.objects.select_for_update().select_related("unit").get(pk=reception.pk)
    require(actor, Action.RECEPTION_MANAGE, reception.unit)
    if reception.is_cancelled:
        raise InvalidTransition(_("This reception was cancelled."))
    matter = access_petition(actor, petition.pk, Action.PETITION_VIEW)
    handled_here = matter.handling_unit is not None and matter.handling_unit.is_descendant_of(reception.unit)
    if not (matter.unit.is_descendant_of(reception.unit) or handled_here):
        raise _refuse(
            _("The matter was not registered in %(unit)s.") % {"unit": reception.unit.name}, "petition"
        )
    if matter.channel != IntakeChannel.VISIT:
        raise _refuse(
            _("Only a matter brought in person (a visit) is registered at a reception."), "petition"
        )
    if timezone.localtime(matter.received_at, BEIJING).date() != reception.on_date:
        raise _refuse(_("The matter was not received on the reception day."), "petition")
    reception.petitions.add(matter)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=reception,
        unit=reception.unit,
        changes={"petition": [None, matter.pk]},
    )
    return reception


# --- calendar feeds --------------------------------------------------------------------------------


@transaction.atomic
def feed_create(
    *, actor: User, person: User | None = None, unit: Unit | None = None
) -> tuple[CalendarFeed, str]:
    """A secret feed URL key (shown once) for one's own shifts, or for a unit's (office, or anyone
    who sees the unit's rosters)."""
    if (person is None) == (unit is None):
        raise _refuse(_("A feed is for one person or one unit."))
    if person is not None and person.pk != actor.pk:
        require(actor, Action.DUTY_MANAGE, person.unit)
    if unit is not None and not user_can(actor, Action.DUTY_VIEW, unit):
        raise NotFound()
    key = secrets.token_urlsafe(FEED_KEY_BYTES)
    feed = CalendarFeed.objects.create(
        person=person, unit=unit, key_hash=CalendarFeed.hash_key(key), created_by=actor
    )
    audit_record(
        actor=actor, action=AuditAction.CREATE, obj=feed, unit=unit or (person.unit if person else None)
    )
    return feed, key


@transaction.atomic
def feed_revoke(*, actor: User, feed: CalendarFeed) -> CalendarFeed:
    if feed.created_by_id != actor.pk and not user_can(
        actor, Action.DUTY_MANAGE, feed.unit or (feed.person.unit if feed.person else None)
    ):
        raise PermissionRefused()
    if feed.revoked_at is None:
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=feed, changes={"revoked": [False, True]})
    return feed


def feed_for_key(key: str) -> CalendarFeed | None:
    """The live feed of a secret key: None for an unknown or revoked key, a deactivated person's
    feed, or a unit feed whose maker is gone or no longer sees the unit."""
    if not key or len(key) > 100:
        return None
    feed = (
        CalendarFeed.objects.select_related("person", "unit", "created_by__unit")
        .filter(key_hash=CalendarFeed.hash_key(key), revoked_at__isnull=True)
        .first()
    )
    if feed is None:
        return None
    # A feed stops with its person's account, or when its maker no longer sees the unit.
    if feed.person is not None:
        return feed if feed.person.is_active else None
    creator = feed.created_by
    live = creator.is_active and feed.unit is not None and user_can(creator, Action.DUTY_VIEW, feed.unit)
    return feed if live else None


# --- reminders ---------------------------------------------------------------------------------------


def _nearest_office(unit: Unit) -> list[User]:
    """The office staff of ``unit`` or, when it has none (a village's roster), of the nearest unit above."""
    paths = [*unit.ancestor_paths(), unit.path]
    staff = list(
        User.objects.filter(unit__path__in=paths, role=Role.OFFICE, is_active=True)
        .select_related("unit")
        .order_by("-unit__depth", "pk")
    )
    nearest = staff[0].unit_id if staff else None
    return [person for person in staff if person.unit_id == nearest]


def duty_reminders_send(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Before a shift starts, remind each person on it; 15 minutes after it started, tell the leader
    on duty (and, when the leader is the one missing, the office) who has not signed on.

    Each message is an outbox row keyed by shift and recipient (sent once, retried on failure);
    shifts are marked in the same transaction so the sweep is idempotent.
    """
    now = now or timezone.now()
    counts = {"reminded": 0, "reported": 0, "messages": 0}
    with transaction.atomic():
        upcoming = list(
            Shift.objects.select_for_update()
            .filter(
                roster__status=RosterStatus.PUBLISHED,  # a draft may still change: nobody is told yet
                reminded_at__isnull=True,
                starts_at__gt=now,
                starts_at__lte=now + REMIND_BEFORE,
            )
            .select_related("template", "roster", "unit")
        )
        people = defaultdict(list)
        for assignment in ShiftAssignment.objects.filter(shift__in=upcoming).select_related("person__unit"):
            people[assignment.shift_id].append(assignment)
        for shift in upcoming:
            for assignment in people.get(shift.pk, []):
                subject = _("Duty at %(time)s: %(shift)s") % {
                    "time": short_time(shift.starts_at),
                    "shift": shift.template.name,
                }
                body = _(
                    "%(unit)s, %(roster)s: you are %(position)s on %(shift)s, %(start)s to %(end)s. "
                    "Sign on when you arrive."
                ) % {
                    "unit": shift.unit.name,
                    "roster": shift.roster.name,
                    "position": Position(assignment.position).label,
                    "shift": shift.template.name,
                    "start": short_time(shift.starts_at),
                    "end": short_time(shift.ends_at),
                }
                counts["messages"] += len(
                    notify_user(
                        event_key=f"duty.remind.{shift.pk}.{assignment.person_id}",
                        user=assignment.person,
                        subject=subject,
                        body=body,
                    )
                )
            counts["reminded"] += 1
        Shift.objects.filter(pk__in=[s.pk for s in upcoming]).update(reminded_at=now)

    with transaction.atomic():
        started = list(
            Shift.objects.select_for_update()
            .filter(
                roster__status=RosterStatus.PUBLISHED,
                no_sign_on_reported_at__isnull=True,
                starts_at__lte=now - NO_SIGN_ON_AFTER,
                starts_at__gt=now - NO_SIGN_ON_WINDOW,
                ends_at__gt=now,
            )
            .select_related("template", "roster", "unit")
        )
        assignments = defaultdict(list)
        for assignment in ShiftAssignment.objects.filter(shift__in=started).select_related("person__unit"):
            assignments[assignment.shift_id].append(assignment)
        signed = set(SignOn.objects.filter(shift__in=started).values_list("assignment_id", flat=True))
        for shift in started:
            holders = assignments.get(shift.pk, [])
            missing = [a for a in holders if a.pk not in signed]
            if not missing:
                continue
            leaders = [a.person for a in holders if a.position == Position.LEADER and a not in missing]
            recipients = leaders or _nearest_office(shift.unit)
            names = "、".join(a.person.get_full_name() for a in missing)
            subject = _("Not signed on: %(shift)s %(time)s") % {
                "shift": shift.template.name,
                "time": short_time(shift.starts_at),
            }
            body = _(
                "%(unit)s, %(shift)s from %(time)s: %(names)s have not signed on 15 minutes after the start."
            ) % {
                "unit": shift.unit.name,
                "shift": shift.template.name,
                "time": short_time(shift.starts_at),
                "names": names,
            }
            for person in recipients:
                counts["messages"] += len(
                    notify_user(
                        event_key=f"duty.no_sign_on.{shift.pk}.{person.pk}",
                        user=person,
                        subject=subject,
                        body=body,
                    )
                )
            if shift.roster.webhook_url:
                notification_enqueue(
                    event_key=f"duty.no_sign_on.{shift.pk}",
                    channel=Channel.WEBHOOK,
                    recipient=shift.roster.webhook_url,
                    subject=subject,
                    body=body,
                    unit=shift.unit,
                )
                counts["messages"] += 1
            counts["reported"] += 1
        Shift.objects.filter(pk__in=[s.pk for s in started]).update(no_sign_on_reported_at=now)
    return counts


def shift_window(first: datetime.date, last: datetime.date) -> Q:
    """Shifts starting on the Beijing days ``first``..``last`` (an indexed range on ``starts_at``)."""
    return Q(
        starts_at__gte=beijing_moment(first, datetime.time(0, 0)),
        starts_at__lt=beijing_moment(last + datetime.timedelta(days=1), datetime.time(0, 0)),
    )
