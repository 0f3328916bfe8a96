"""Every write of the reports app (STYLE.md §2): one audited transaction per act.

* ``report_type_create`` / ``report_type_change_form``: a form is data; a change adds a version.
* ``report_type_set_source``: the data source whose figures prefill the type's reports (sources.py).
* ``schedule_create``: a schedule with its units and deadlines, materialised into slots at once.
* ``schedule_switch_frequency``: other deadlines from a date on, for one unit or all (and back).
* ``report_submit``: a report or a zero report for one slot; amended in place until the deadline,
  a correction (original kept) after it; a concurrent second submission is a clear conflict.
* ``report_reminders_send``: the periodic reminders before and after deadlines (tasks.py).
"""

import datetime
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhenwu.core.audit import audit_record, diff, snapshot
from zhenwu.core.choices import AuditAction, Channel, Role
from zhenwu.core.deadlines import WorkCalendar
from zhenwu.core.exceptions import Conflict, NotFound, PermissionRefused, ValidationFailed
from zhenwu.core.localtime import beijing_date, beijing_day_start, beijing_moment, short_time
from zhenwu.core.models import Unit, User
from zhenwu.core.notifications.services import notification_enqueue, notify_user
from zhenwu.core.scoping import Action, require, user_can
from zhenwu.core.services.common import validated
from zhenwu.reports.choices import DayRule, SubmissionKind
from zhenwu.reports.fields import clean_definition, clean_values, specs_from
from zhenwu.reports.models import (
    DeadlineSet,
    ReportFormVersion,
    ReportSchedule,
    ReportSlot,
    ReportSubmission,
    ReportType,
)
from zhenwu.reports.sources import MAX_SOURCE_KEY, DataSource, get_source

TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
MAX_TIMES_PER_DAY = 8
#: A schedule covers at most a year; a longer campaign is two schedules.
MAX_PERIOD_DAYS = 366
#: Reminders after a deadline are sent only for deadlines this recent (no flood after downtime).
ESCALATION_WINDOW = datetime.timedelta(hours=24)
BULK = 1000


# --- helpers -----------------------------------------------------------------------------------


def local_moment(day: datetime.date, hhmm: str) -> datetime.datetime:
    """The deadline ``HH:MM`` (Beijing time) of ``day``."""
    return beijing_moment(day, datetime.time.fromisoformat(hhmm))


def clean_times(times: Iterable[str]) -> list[str]:
    """Deadline times as sorted, distinct ``HH:MM`` strings; at least one, at most eight a day."""
    cleaned: set[str] = set()
    for raw in times:
        text = str(raw).strip()
        if len(text) == 4 and text[1] == ":":  # 9:00 -> 09:00
            text = "0" + text
        if not TIME_RE.match(text):
            message = _("%(value)s is not a time of day (HH:MM, e.g. 09:00).") % {"value": raw}
            raise ValidationFailed(message, errors={"times": [message]})
        cleaned.add(text)
    if not cleaned:
        message = _("Give at least one deadline (a time of day such as 09:00).")
        raise ValidationFailed(message, errors={"times": [message]})
    if len(cleaned) > MAX_TIMES_PER_DAY:
        message = _("At most %(max)s deadlines a day.") % {"max": MAX_TIMES_PER_DAY}
        raise ValidationFailed(message, errors={"times": [message]})
    return sorted(cleaned)


def late_minutes(submitted_at: datetime.datetime | None, due_at: datetime.datetime) -> int:
    """Whole minutes (rounded up) a first submission came after the deadline; 0 when on time or none."""
    if submitted_at is None or submitted_at <= due_at:
        return 0
    return math.ceil((submitted_at - due_at).total_seconds() / 60)


def lateness_minutes(slot: ReportSlot) -> int:
    return late_minutes(slot.submitted_at, slot.due_at)


def _refuse(message: str, field: str = "__all__") -> ValidationFailed:
    return ValidationFailed(message, errors={field: [message]})


def _clean_source(key: str) -> DataSource | None:
    """The registered source named ``key`` (None for no source), or a 400 on the ``source`` field."""
    key = key.strip()
    if not key:
        return None
    source = get_source(key)
    if source is None:
        message = _("There is no data source %(key)s.") % {"key": key[:MAX_SOURCE_KEY]}
        raise ValidationFailed(message, code="unknown_source", errors={"source": [message]})
    return source


# --- report types ------------------------------------------------------------------------------


@transaction.atomic
def report_type_create(
    *,
    actor: User,
    owner_unit: Unit,
    code: str,
    name: str,
    fields: Sequence[Mapping[str, Any]] = (),
    description: str = "",
    source: str = "",
) -> ReportType:
    """A new report type with form version 1.

    With a data ``source`` and no ``fields``, the form is the source's fields. A form may also mix
    them: fields the source does not provide are entered by hand.
    """
    require(actor, Action.REPORT_MANAGE, owner_unit)
    data_source = _clean_source(source)
    if not fields and data_source is not None:
        fields = data_source.definition()
    definition = clean_definition(fields)
    report_type = ReportType(
        owner_unit=owner_unit,
        code=code.strip(),
        name=" ".join(name.split()),
        description=description.strip(),
        source=data_source.key if data_source is not None else "",
        current_version=1,
    )
    validated(report_type)
    try:
        with transaction.atomic():
            report_type.save()
    except IntegrityError:
        raise _refuse(_("A report type with this code already exists."), "code") from None
    ReportFormVersion.objects.create(report_type=report_type, number=1, fields=definition, created_by=actor)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=report_type,
        unit=owner_unit,
        changes={
            "fields": [None, [f["key"] for f in definition]],
            **({"source": [None, report_type.source]} if report_type.source else {}),
        },
    )
    return report_type


@transaction.atomic
def report_type_set_source(*, actor: User, report_type: ReportType, source: str) -> ReportType:
    """Take the type's figures from another data source ("" for none); its form stays as it is.

    Reports already saved keep their values; only forms filled in from now on are prefilled.
    """
    locked = ReportType.objects.select_for_update().get(pk=report_type.pk)
    require(actor, Action.REPORT_MANAGE, locked.owner_unit)
    data_source = _clean_source(source)
    key = data_source.key if data_source is not None else ""
    if locked.source == key:
        return locked
    before = locked.source
    locked.source = key
    validated(locked)
    locked.save(update_fields=["source"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=locked,
        unit=locked.owner_unit,
        changes={"source": [before, key]},
    )
    report_type.source = key
    return locked


@transaction.atomic
def report_type_change_form(
    *, actor: User, report_type: ReportType, fields: Sequence[Mapping[str, Any]], expected_version: int
) -> ReportFormVersion:
    """Save a new version of the form; reports already filled in keep the version they used."""
    locked = ReportType.objects.select_for_update().get(pk=report_type.pk)
    require(actor, Action.REPORT_MANAGE, locked.owner_unit)
    if locked.current_version != expected_version:
        raise Conflict(
            _("The form was changed by someone else (now version %(n)s); reload it and try again.")
            % {"n": locked.current_version},
            code="form_changed",
        )
    definition = clean_definition(fields)
    current = ReportFormVersion.objects.get(report_type=locked, number=locked.current_version)
    if current.fields == definition:
        raise _refuse(_("The form is unchanged."), "fields")
    version = ReportFormVersion.objects.create(
        report_type=locked, number=locked.current_version + 1, fields=definition, created_by=actor
    )
    locked.current_version = version.number
    locked.save(update_fields=["current_version"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=locked,
        unit=locked.owner_unit,
        changes={
            "version": [current.number, version.number],
            "fields": [[f["key"] for f in current.fields], [f["key"] for f in definition]],
        },
    )
    report_type.current_version = locked.current_version
    return version


@transaction.atomic
def report_type_set_active(*, actor: User, report_type: ReportType, is_active: bool) -> ReportType:
    locked = ReportType.objects.select_for_update().get(pk=report_type.pk)
    require(actor, Action.REPORT_MANAGE, locked.owner_unit)
    if locked.is_active == is_active:
        return locked
    locked.is_active = is_active
    locked.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=locked,
        unit=locked.owner_unit,
        changes={"is_active": [not is_active, is_active]},
    )
    return locked


# --- schedules and slots -----------------------------------------------------------------------


def schedule_days(
    schedule: ReportSchedule, first: datetime.date, last: datetime.date, calendar: WorkCalendar | None = None
) -> list[datetime.date]:
    """The days from ``first`` to ``last`` on which ``schedule``'s deadlines fall.

    Working days come from the deadline engine's calendar (statutory holidays off, adjusted working
    days on); a year it does not know is refused there (UnknownCalendarYear), never guessed.
    """
    calendar = calendar or WorkCalendar()
    days = []
    for offset in range((last - first).days + 1):  # no ``day += 1`` past date.max
        day = first + datetime.timedelta(days=offset)
        if schedule.day_rule == DayRule.EVERY_DAY:
            days.append(day)
        elif schedule.day_rule == DayRule.WORKING_DAYS:
            if calendar.is_working_day(day):
                days.append(day)
        elif day.weekday() == schedule.weekday:
            days.append(day)
    return days


def _times_for(sets: Sequence[DeadlineSet], unit_id: int, day: datetime.date) -> list[str]:
    """The deadline set in force for a unit on a day: the latest start wins; on one date, the unit's own."""
    best: DeadlineSet | None = None
    best_key: tuple[datetime.date, int, int] | None = None
    for candidate in sets:
        if candidate.effective_from > day or (candidate.unit_id is not None and candidate.unit_id != unit_id):
            continue
        key = (candidate.effective_from, 1 if candidate.unit_id is not None else 0, candidate.pk or 0)
        if best_key is None or key > best_key:
            best, best_key = candidate, key
    return list(best.times) if best is not None else []


def _materialise(
    schedule: ReportSchedule,
    unit_ids: Sequence[int],
    first: datetime.date,
    *,
    not_before: datetime.datetime | None = None,
) -> int:
    """(Re)build the unsubmitted slots of ``unit_ids`` from ``first`` on; return how many were created.

    Submitted slots are history and stay; so do deadlines at or before ``not_before`` (a change of
    deadlines "from today" must neither erase a deadline already missed nor invent one already
    past). Each slot opens at the unit's previous deadline in the schedule (the first at the start
    of the period), so a report made after 17:00 counts for the next morning's deadline. The
    opening times are computed here, in memory, for new and kept slots alike.
    """
    if not unit_ids:
        return 0
    sets = list(schedule.deadline_sets.all())
    days = schedule_days(schedule, max(first, schedule.starts_on), schedule.ends_on)
    period_start = beijing_day_start(schedule.starts_on)
    wanted: set[tuple[int, datetime.datetime]] = set()
    for unit_id in unit_ids:
        for day in days:
            for hhmm in _times_for(sets, unit_id, day):
                due_at = local_moment(day, hhmm)
                if not_before is None or due_at > not_before:
                    wanted.add((unit_id, due_at))
    # Unsubmitted future slots that are still wanted keep their row (and id, and reminder state).
    rebuildable = ReportSlot.objects.filter(
        schedule=schedule, unit_id__in=unit_ids, slot_on__gte=first, submitted_at__isnull=True
    )
    if not_before is not None:
        rebuildable = rebuildable.filter(due_at__gt=not_before)
    unwanted = [
        pk
        for pk, unit_id, due_at in rebuildable.order_by().values_list("pk", "unit_id", "due_at")
        if (unit_id, due_at) not in wanted
    ]
    for start in range(0, len(unwanted), BULK):
        ReportSlot.objects.filter(pk__in=unwanted[start : start + BULK]).delete()
    existing = list(
        ReportSlot.objects.filter(schedule=schedule, unit_id__in=unit_ids)
        .order_by()
        .values_list("pk", "unit_id", "due_at", "opens_at")
    )
    kept = {(unit_id, due_at) for _, unit_id, due_at, _ in existing}
    new_slots = [
        ReportSlot(
            schedule=schedule,
            unit_id=unit_id,
            slot_on=beijing_date(due_at),
            due_at=due_at,
            opens_at=period_start,
        )
        for unit_id, due_at in sorted(wanted - kept)
    ]
    # Each unit's deadlines in order, kept and new together: a slot opens at the one before it.
    timeline: dict[int, list[tuple[datetime.datetime, ReportSlot | tuple[int, datetime.datetime]]]] = (
        defaultdict(list)
    )
    for pk, unit_id, due_at, opens_at in existing:
        timeline[unit_id].append((due_at, (pk, opens_at)))
    for slot in new_slots:
        timeline[slot.unit_id].append((slot.due_at, slot))
    moved = []
    for entries in timeline.values():
        entries.sort(key=lambda entry: entry[0])
        previous = period_start
        for due_at, item in entries:
            if isinstance(item, ReportSlot):
                item.opens_at = previous
            elif item[1] != previous:
                moved.append(ReportSlot(pk=item[0], opens_at=previous))
            previous = due_at
    ReportSlot.objects.bulk_create(new_slots, batch_size=BULK)
    ReportSlot.objects.bulk_update(moved, ["opens_at"], batch_size=BULK)
    return len(new_slots)


def _check_units(actor: User, owner_unit: Unit, units: Sequence[Unit]) -> list[Unit]:
    if not units:
        raise _refuse(_("Choose at least one reporting unit."), "units")
    chosen = {unit.pk: unit for unit in units}
    for unit in chosen.values():
        if not unit.is_active:
            raise _refuse(_("%(unit)s is no longer active.") % {"unit": unit.name}, "units")
        if unit.pk == owner_unit.pk or not unit.is_descendant_of(owner_unit):
            raise _refuse(
                _("%(unit)s is not a unit under %(owner)s.") % {"unit": unit.name, "owner": owner_unit.name},
                "units",
            )
        if not user_can(actor, Action.REPORT_MANAGE, unit):
            raise PermissionRefused()
    return sorted(chosen.values(), key=lambda unit: unit.path)


def _check_overlap(
    report_type: ReportType, units: Sequence[Unit], starts_on: datetime.date, ends_on: datetime.date
) -> None:
    """A unit reports a type under one schedule at a time: overlapping periods are refused."""
    rows = (
        ReportSchedule.units.through.objects.filter(
            reportschedule__report_type=report_type,
            reportschedule__starts_on__lte=ends_on,
            reportschedule__ends_on__gte=starts_on,
            unit__in=[unit.pk for unit in units],
        )
        .select_related("unit", "reportschedule")
        .order_by("unit__path")[:5]
    )
    clashes = list(rows)
    if clashes:
        names = "、".join(f"{row.unit.name}（{row.reportschedule.name}）" for row in clashes)
        raise _refuse(
            _("These units already report this type in an overlapping period: %(units)s.") % {"units": names},
            "units",
        )


@transaction.atomic
def schedule_create(
    *,
    actor: User,
    owner_unit: Unit,
    report_type: ReportType,
    name: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    times: Iterable[str],
    units: Sequence[Unit],
    day_rule: str = DayRule.EVERY_DAY,
    weekday: int | None = None,
    remind_before_minutes: int = 30,
    webhook_url: str = "",
    allow_past: bool = False,
) -> ReportSchedule:
    """A schedule and all its slots. ``allow_past`` is for importing an old ledger (CLI and demo only)."""
    require(actor, Action.REPORT_MANAGE, owner_unit)
    if not report_type.is_active:
        raise _refuse(_("This report type is no longer in use."), "report_type")
    if ends_on < starts_on:
        raise _refuse(_("The last day is before the first day."), "ends_on")
    if (ends_on - starts_on).days + 1 > MAX_PERIOD_DAYS:
        raise _refuse(_("A schedule covers at most %(days)s days.") % {"days": MAX_PERIOD_DAYS}, "ends_on")
    if not allow_past and starts_on < timezone.localdate():
        raise _refuse(_("The first day cannot be in the past."), "starts_on")
    if day_rule == DayRule.WEEKLY and weekday is None:
        raise _refuse(_("Choose the weekday of a weekly report."), "weekday")
    if day_rule != DayRule.WEEKLY:
        weekday = None
    cleaned_times = clean_times(times)
    chosen = _check_units(actor, owner_unit, units)
    _check_overlap(report_type, chosen, starts_on, ends_on)
    schedule = ReportSchedule(
        owner_unit=owner_unit,
        report_type=report_type,
        name=" ".join(name.split()),
        starts_on=starts_on,
        ends_on=ends_on,
        day_rule=day_rule,
        weekday=weekday,
        remind_before_minutes=remind_before_minutes,
        webhook_url=webhook_url.strip(),
        created_by=actor,
    )
    validated(schedule)
    schedule.save()
    schedule.units.set(chosen)
    DeadlineSet.objects.create(
        schedule=schedule, effective_from=starts_on, times=cleaned_times, created_by=actor
    )
    created = _materialise(schedule, [unit.pk for unit in chosen], starts_on)
    if not created:
        raise _refuse(_("No deadline falls within this period on the chosen days."), "ends_on")
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=schedule,
        unit=owner_unit,
        changes={
            "period": [None, f"{starts_on.isoformat()}..{ends_on.isoformat()}"],
            "times": [None, cleaned_times],
            "units": [None, len(chosen)],
            "slots": [None, created],
        },
    )
    return schedule


@transaction.atomic
def schedule_switch_frequency(
    *,
    actor: User,
    schedule: ReportSchedule,
    effective_from: datetime.date,
    times: Iterable[str],
    unit: Unit | None = None,
) -> DeadlineSet:
    """From ``effective_from`` on, ``unit`` (or every unit) reports at ``times``.

    Switching back is the same call with the old times from a later date.

    Slots already submitted stay as they are; unsubmitted ones from that day are rebuilt.
    """
    locked = ReportSchedule.objects.select_for_update().get(pk=schedule.pk)
    require(actor, Action.REPORT_MANAGE, locked.owner_unit)
    if effective_from < timezone.localdate():
        raise _refuse(_("A change of deadlines cannot start in the past."), "effective_from")
    if effective_from < locked.starts_on or effective_from > locked.ends_on:
        raise _refuse(_("The date must fall within the schedule's period."), "effective_from")
    cleaned_times = clean_times(times)
    unit_ids = list(locked.units.values_list("pk", flat=True))
    if unit is not None:
        if unit.pk not in unit_ids:
            raise _refuse(_("%(unit)s does not report under this schedule.") % {"unit": unit.name}, "unit")
        unit_ids = [unit.pk]
    deadline_set = DeadlineSet(
        schedule=locked, unit=unit, effective_from=effective_from, times=cleaned_times, created_by=actor
    )
    validated(deadline_set)
    deadline_set.save()
    created = _materialise(locked, unit_ids, effective_from, not_before=timezone.now())
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=locked,
        unit=locked.owner_unit,
        changes={"times": [None, cleaned_times], "slots_rebuilt": [None, created]},
        note=_("from %(date)s for %(who)s")
        % {"date": effective_from.isoformat(), "who": unit.name if unit else _("every unit")},
    )
    return deadline_set


# --- submissions -------------------------------------------------------------------------------


def _form_version(slot: ReportSlot, number: int | None) -> ReportFormVersion:
    report_type = slot.schedule.report_type
    current = report_type.current_version
    if number is not None and number != current:
        raise Conflict(
            _(
                "The report form was changed (now version %(current)s, you filled in version %(yours)s). "
                "Reload the form; what you entered is shown again where the fields still exist."
            )
            % {"current": current, "yours": number},
            code="form_changed",
        )
    return ReportFormVersion.objects.get(report_type_id=report_type.pk, number=current)


@transaction.atomic
def report_submit(
    *,
    actor: User,
    slot: ReportSlot,
    values: Mapping[str, Any] | None = None,
    is_zero: bool = False,
    form_version: int | None = None,
    expected_revision: int | None = 0,
    note: str = "",
) -> ReportSubmission:
    """Report for one slot, or report "nothing to report" (``is_zero``).

    ``expected_revision`` is the revision the reporter's page showed (0: none yet). When someone
    else has saved the slot meanwhile (two people of a village at once), the second gets a
    Conflict naming who reported and when; their input is not lost (the page shows it again).
    Before the deadline a saved report is amended in place; after it, the change is a correction
    (a new row; the original kept); lateness is always judged by the first submission.
    """
    now = timezone.now()
    if not user_can(actor, Action.REPORT_VIEW, slot.unit):
        raise NotFound()
    require(actor, Action.REPORT_SUBMIT, slot.unit)
    locked = (
        ReportSlot.objects.select_for_update()
        .select_related("schedule__report_type", "unit")
        .filter(pk=slot.pk)
        .first()
    )
    if locked is None:
        raise NotFound()
    if now < locked.opens_at:
        raise _refuse(
            _("This report can be made from %(time)s.")
            % {"time": timezone.localtime(locked.opens_at).strftime("%Y-%m-%d %H:%M")}
        )
    version = _form_version(locked, form_version)
    if is_zero:
        known = {spec.key for spec in specs_from(version.fields)}
        if values and any(k not in known or v not in (None, "", False, 0, "0") for k, v in values.items()):
            raise _refuse(_("A zero report carries no figures: clear the form or submit it as a report."))
        cleaned: dict[str, Any] = {}
    else:
        cleaned = clean_values(specs_from(version.fields), values or {})
    note = " ".join(note.split())[:200]
    current = (
        ReportSubmission.objects.filter(slot=locked, is_current=True).select_related("submitted_by").first()
    )
    if current is None:
        if expected_revision not in (None, 0):
            raise Conflict(_("This report no longer exists; reload the page."), code="stale")
        submission = ReportSubmission(
            slot=locked,
            form_version=version,
            kind=SubmissionKind.ORIGINAL,
            is_zero=is_zero,
            values=cleaned,
            revision=1,
            submitted_by=actor,
            submitted_at=now,
            updated_at=now,
        )
        validated(submission, constraints=False)
        try:
            with transaction.atomic():
                submission.save()
        except IntegrityError:  # a concurrent first submission won the race past the row lock
            raise Conflict(
                _("Someone else has just submitted this report; reload the page."), code="stale"
            ) from None
        locked.submitted_at = now
        locked.is_zero = is_zero
        locked.revision = 1
        locked.save(update_fields=["submitted_at", "is_zero", "revision"])
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=submission,
            unit=locked.unit,
            changes={"is_zero": [None, is_zero], "values": [None, cleaned]},
        )
        return submission
    if expected_revision != current.revision:
        raise Conflict(
            _(
                "%(name)s already submitted this report at %(time)s. Your entries are kept below: "
                "compare them with the saved report and amend it if needed."
            )
            % {
                "name": current.submitted_by.get_full_name(),
                "time": timezone.localtime(current.updated_at).strftime("%H:%M:%S"),
            },
            code="already_submitted",
        )
    if current.form_version_id == version.pk and current.is_zero == is_zero and current.values == cleaned:
        raise _refuse(_("Nothing was changed."))
    if now <= locked.due_at:
        before = snapshot(current, ("is_zero", "values", "form_version"))
        current.form_version = version
        current.is_zero = is_zero
        current.values = cleaned
        current.revision += 1
        current.submitted_by = actor
        current.updated_at = now
        current.save(
            update_fields=["form_version", "is_zero", "values", "revision", "submitted_by", "updated_at"]
        )
        submission = current
        action = AuditAction.UPDATE
        changes = diff(before, snapshot(current, ("is_zero", "values", "form_version")))
    else:
        if not note:
            raise _refuse(_("Give the reason for a correction after the deadline."), "note")
        current.is_current = False
        current.save(update_fields=["is_current"])
        submission = ReportSubmission(
            slot=locked,
            form_version=version,
            kind=SubmissionKind.CORRECTION,
            is_zero=is_zero,
            values=cleaned,
            revision=current.revision + 1,
            corrects=current,
            submitted_by=actor,
            submitted_at=now,
            updated_at=now,
            note=note,
        )
        validated(submission, constraints=False)
        submission.save()
        action = AuditAction.CREATE
        changes = {
            "corrects": [None, current.pk],
            "is_zero": [current.is_zero, is_zero],
            "values": [current.values, cleaned],
        }
    locked.is_zero = is_zero
    locked.revision = submission.revision
    locked.save(update_fields=["is_zero", "revision"])
    audit_record(actor=actor, action=action, obj=submission, unit=locked.unit, changes=changes, note=note)
    return submission


# --- reminders ---------------------------------------------------------------------------------


def _unit_staff(unit_ids: Iterable[int], roles: Iterable[str] | None = None) -> dict[int, list[User]]:
    # With the unit: notify_user files each message under the person's unit (one query, not one each).
    people = User.objects.filter(unit_id__in=list(unit_ids), is_active=True).select_related("unit")
    if roles is not None:
        people = people.filter(role__in=list(roles))
    grouped: dict[int, list[User]] = defaultdict(list)
    for person in people.order_by("pk"):
        if person.unit_id is not None:
            grouped[person.unit_id].append(person)
    return grouped


def _reminder_at(slot: ReportSlot) -> datetime.datetime:
    return max(slot.due_at - datetime.timedelta(minutes=slot.schedule.remind_before_minutes), slot.opens_at)


def report_reminders_send(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Remind before deadlines and report missing reports after them; each message once (outbox key).

    * Before: ``remind_before_minutes`` ahead of an unsubmitted slot's deadline, to the unit's reporters.
    * After: once the deadline has passed without a report, to every staff member of the unit (in a
      village the head is a reporter account: 村党支部书记) and, as one list per deadline, to the
      collecting office and the schedule's chat-robot webhook.

    Idempotent: slots are marked (``reminded_at``, ``escalated_at``) in the same transaction as the
    outbox rows, and the outbox never holds one event twice for a recipient.
    """
    now = now or timezone.now()
    counts = {"reminded": 0, "escalated": 0, "messages": 0}
    with transaction.atomic():
        soon = list(
            ReportSlot.objects.select_for_update()
            .filter(
                submitted_at__isnull=True,
                reminded_at__isnull=True,
                due_at__gt=now,
                due_at__lte=now + datetime.timedelta(days=1),
            )
            .select_related("schedule__report_type", "unit")
        )
        # Not before the slot opens: a report made then would be refused (deadlines close together).
        soon = [s for s in soon if _reminder_at(s) <= now]
        reporters = _unit_staff({s.unit_id for s in soon}, roles=[Role.REPORTER])
        for slot in soon:
            subject = _("Report due at %(time)s: %(type)s") % {
                "time": short_time(slot.due_at),
                "type": slot.schedule.report_type.name,
            }
            body = _(
                "%(unit)s: please submit %(type)s by %(time)s "
                "(or a zero report if there is nothing to report)."
            ) % {
                "unit": slot.unit.name,
                "type": slot.schedule.report_type.name,
                "time": short_time(slot.due_at),
            }
            for person in reporters.get(slot.unit_id, []):
                counts["messages"] += len(
                    notify_user(
                        event_key=f"reports.remind.{slot.pk}.{person.pk}",
                        user=person,
                        subject=subject,
                        body=body,
                    )
                )
            counts["reminded"] += 1
        ReportSlot.objects.filter(pk__in=[s.pk for s in soon]).update(reminded_at=now)

    with transaction.atomic():
        missing = list(
            ReportSlot.objects.select_for_update()
            .filter(
                submitted_at__isnull=True,
                escalated_at__isnull=True,
                due_at__lt=now,  # at the deadline second a report is still on time
                due_at__gt=now - ESCALATION_WINDOW,
            )
            .select_related("schedule__report_type", "schedule__owner_unit", "unit")
            .order_by("schedule_id", "due_at", "unit__path")
        )
        staff = _unit_staff({s.unit_id for s in missing})
        by_deadline: dict[tuple[int, datetime.datetime], list[ReportSlot]] = defaultdict(list)
        for slot in missing:
            by_deadline[(slot.schedule_id, slot.due_at)].append(slot)
            subject = _("Report missing: %(type)s due %(time)s") % {
                "type": slot.schedule.report_type.name,
                "time": short_time(slot.due_at),
            }
            body = _("%(unit)s has not submitted %(type)s due at %(time)s. Please submit it now.") % {
                "unit": slot.unit.name,
                "type": slot.schedule.report_type.name,
                "time": short_time(slot.due_at),
            }
            for person in staff.get(slot.unit_id, []):
                counts["messages"] += len(
                    notify_user(
                        event_key=f"reports.missing.{slot.pk}.{person.pk}",
                        user=person,
                        subject=subject,
                        body=body,
                    )
                )
            counts["escalated"] += 1
        offices = _unit_staff(
            {slots[0].schedule.owner_unit_id for slots in by_deadline.values()}, roles=[Role.OFFICE]
        )
        for (schedule_id, due_at), slots in by_deadline.items():
            schedule = slots[0].schedule
            names = "、".join(s.unit.name for s in slots)
            subject = _("%(count)s units missing %(type)s due %(time)s") % {
                "count": len(slots),
                "type": schedule.report_type.name,
                "time": short_time(due_at),
            }
            body = _("Not submitted by the deadline %(time)s (%(schedule)s): %(units)s.") % {
                "time": short_time(due_at),
                "schedule": schedule.name,
                "units": names,
            }
            key = f"reports.missing.{schedule_id}.{int(due_at.timestamp())}"
            for person in offices.get(schedule.owner_unit_id, []):
                counts["messages"] += len(
                    notify_user(event_key=f"{key}.{person.pk}", user=person, subject=subject, body=body)
                )
            if schedule.webhook_url:
                notification_enqueue(
                    event_key=key,
                    channel=Channel.WEBHOOK,
                    recipient=schedule.webhook_url,
                    subject=subject,
                    body=body,
                    unit=schedule.owner_unit,
                )
                counts["messages"] += 1
        ReportSlot.objects.filter(pk__in=[s.pk for s in missing]).update(escalated_at=now)
    return counts
