"""Assessment (考核): each unit's score for a plan's period, computed from the data, with its derivation.

A component is a *rate* between 0 and 1 of how well the unit did its work: reports on time, petition
matters answered by their deadline and the residents' satisfaction with the answers, hazards
rectified by their deadline, disputes mediated by the target date and followed up, plan tasks done
with evidence, inspection findings corrected on time, duty sign-ons. Each rate is worth its weight
(percent; the weights add up to 100). A component with nothing to measure for a unit (e.g. a village
keeps no duty roster) is left out and the other weights are scaled up to 100, and the derivation
says so.

By design (DESIGN.md) no component counts how many residents petitioned, where they went or whom
they complained about: only how the unit *answered* matters is measured, so a unit never gains from
fewer residents raising problems.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhenwu.core.audit import audit_record
from zhenwu.core.choices import AuditAction
from zhenwu.core.deadlines import compute_due, extend_due
from zhenwu.core.exceptions import UnknownCalendarYear, ValidationFailed
from zhenwu.core.localtime import beijing_date
from zhenwu.core.models import Unit, User
from zhenwu.core.models.units import unit_subtree_q
from zhenwu.core.scoping import Action, require
from zhenwu.plans.choices import Component, TaskState
from zhenwu.plans.grid import _moment_range, _owner, task_grid
from zhenwu.plans.models import Assessment, AssessmentScore, InspectionFinding, WorkPlan

#: The weights an office starts from (percent).
DEFAULT_WEIGHTS: dict[str, int] = {
    Component.REPORT_TIMELINESS: 20,
    Component.PETITIONS_ON_TIME: 15,
    Component.PETITION_SATISFACTION: 10,
    Component.HAZARDS_ON_TIME: 15,
    Component.DISPUTES_FOLLOWED_UP: 10,
    Component.TASKS_DONE: 15,
    Component.INSPECTION_CORRECTIONS: 10,
    Component.DUTY_SIGN_ON: 5,
}
HALF = Decimal("0.5")
CENT = Decimal("0.01")


@dataclass
class Tally:
    """Counts behind one rate: ``good`` (with half credit for ``half``) out of ``total``."""

    good: int = 0
    half: int = 0
    total: int = 0

    @property
    def rate(self) -> Decimal | None:
        if self.total == 0:
            return None
        return (Decimal(self.good) + HALF * self.half) / Decimal(self.total)


def check_weights(weights: Mapping[str, Any]) -> dict[str, int]:
    """Whole percents for known components, adding up to exactly 100; anything else is a 400."""
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(weights) - set(Component.values))
    if unknown:
        errors["weights"] = [_("Unknown components: %(names)s.") % {"names": ", ".join(unknown)}]
    clean: dict[str, int] = {}
    for key in Component.values:
        value = weights.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            errors[f"weights.{key}"] = [_("A weight is a whole percent between 0 and 100.")]
        else:
            clean[key] = value
    if not errors and sum(clean.values()) != 100:
        errors["weights"] = [
            _("The weights add up to %(sum)d; they must add up to 100.") % {"sum": sum(clean.values())}
        ]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], code="weights_invalid", errors=errors)
    return clean


def _tallies(rows: Iterable[tuple[str, Any]], units: Mapping[str, Unit], judge: Any) -> dict[int, Tally]:
    """Assign each (unit path, row) to its unit and add ``judge(row)`` ("good"/"half"/"bad"/None)."""
    tallies: dict[int, Tally] = defaultdict(Tally)
    for path, row in rows:
        unit = _owner(path, units)
        verdict = judge(row)
        if unit is None or verdict is None:
            continue
        tally = tallies[unit.pk]
        tally.total += 1
        if verdict == "good":
            tally.good += 1
        elif verdict == "half":
            tally.half += 1
    return tallies


def _report_timeliness(plan: WorkPlan, units: Mapping[str, Unit], now: datetime.datetime) -> dict[int, Tally]:
    from zhenwu.reports.models import ReportSlot

    start, end = _moment_range(plan)
    rows = ReportSlot.objects.filter(
        unit_subtree_q(plan.owner_unit.path, prefix="unit__"), due_at__gte=start, due_at__lt=min(end, now)
    ).values_list("unit__path", "due_at", "submitted_at")

    def judge(row: tuple[datetime.datetime, datetime.datetime | None]) -> str:
        due, submitted = row
        return "bad" if submitted is None else "good" if submitted <= due else "half"

    return _tallies(((p, (d, s)) for p, d, s in rows), units, judge)


def _conclusion_due(accepted_at: datetime.datetime, extension_days: int) -> datetime.date | None:
    try:
        due = compute_due("petition.conclude", beijing_date(accepted_at)).due
        return extend_due(due, extension_days).due if extension_days else due
    except UnknownCalendarYear:
        return None


def _petitions(plan: WorkPlan, units: Mapping[str, Unit]) -> tuple[dict[int, Tally], dict[int, Tally]]:
    """Answered on time (answers given in the period) and satisfaction (ratings given in the period)."""
    from zhenwu.petitions.choices import Satisfaction
    from zhenwu.petitions.models import Petition

    start, end = _moment_range(plan)
    area = unit_subtree_q(plan.owner_unit.path, prefix="handling_unit__")
    answered = Petition.objects.filter(
        area, answered_at__gte=start, answered_at__lt=end, accepted_at__isnull=False
    )
    rows = answered.values_list("handling_unit__path", "accepted_at", "extension_days", "answered_at")

    def on_time(row: tuple[datetime.datetime, int, datetime.datetime]) -> str | None:
        accepted_at, extension, answered_at = row
        due = _conclusion_due(accepted_at, extension)
        return None if due is None else "good" if beijing_date(answered_at) <= due else "bad"

    timely = _tallies(((p, (a, x, w)) for p, a, x, w in rows), units, on_time)
    rated = Petition.objects.filter(area, rated_at__gte=start, rated_at__lt=end).exclude(satisfaction="")
    grades = {
        Satisfaction.SATISFIED: "good",
        Satisfaction.BASICALLY: "half",
        Satisfaction.DISSATISFIED: "bad",
    }
    satisfaction = _tallies(rated.values_list("handling_unit__path", "satisfaction"), units, grades.get)
    return timely, satisfaction


def _hazards(plan: WorkPlan, units: Mapping[str, Unit], today: datetime.date) -> dict[int, Tally]:
    """Hazards whose deadline fell in the period (up to today): rectified by it or not."""
    from zhenwu.safety.models import Hazard

    rows = Hazard.objects.filter(
        unit_subtree_q(plan.owner_unit.path, prefix="responsible_unit__"),
        rectify_due__gte=plan.starts_on,
        rectify_due__lte=min(plan.ends_on, today - datetime.timedelta(days=1)),
    ).values_list("responsible_unit__path", "rectify_due", "rectified_at")

    def judge(row: tuple[datetime.date, datetime.datetime | None]) -> str:
        due, rectified = row
        return "good" if rectified is not None and beijing_date(rectified) <= due else "bad"

    return _tallies(((p, (d, r)) for p, d, r in rows), units, judge)


def _disputes(plan: WorkPlan, units: Mapping[str, Unit]) -> dict[int, Tally]:
    """Disputes accepted in the period: mediation ended by the target date and, after an agreement,
    at least one follow-up visit made (full credit); ended late or not yet followed up (half)."""
    from django.db.models import Count, Q

    from zhenwu.mediation.models import Dispute

    start, end = _moment_range(plan)
    rows = (
        Dispute.objects.filter(
            unit_subtree_q(plan.owner_unit.path, prefix="handling_unit__"),
            accepted_at__gte=start,
            accepted_at__lt=end,
        )
        .annotate(visits=Count("follow_ups", filter=Q(follow_ups__done_at__isnull=False)))
        .values_list("handling_unit__path", "due_on", "concluded_at", "agreement__pk", "visits")
    )

    def judge(row: tuple[Any, ...]) -> str:
        due, concluded, agreement, visits = row
        if concluded is None:
            return "bad" if due is not None and due < beijing_date(timezone.now()) else "half"
        in_time = due is None or beijing_date(concluded) <= due
        followed = agreement is None or visits > 0
        return "good" if in_time and followed else "half"

    return _tallies(((p, (d, c, a, v)) for p, d, c, a, v in rows), units, judge)


def _tasks(plan: WorkPlan, units: Sequence[Unit], today: datetime.date) -> dict[int, Tally]:
    grid = task_grid(plan, units=units, today=today)
    tallies: dict[int, Tally] = defaultdict(Tally)
    for (_task, unit_id), cell in grid.cells.items():
        tally = tallies[unit_id]
        tally.total += 1
        if cell.state == TaskState.DONE:
            tally.good += 1
        elif cell.state == TaskState.IN_PROGRESS:
            tally.half += 1
    return tallies


def _inspections(plan: WorkPlan, units: Mapping[str, Unit], today: datetime.date) -> dict[int, Tally]:
    rows = InspectionFinding.objects.filter(
        unit_subtree_q(plan.owner_unit.path, prefix="inspection__unit__"),
        correction_due__gte=plan.starts_on,
        correction_due__lte=min(plan.ends_on, today - datetime.timedelta(days=1)),
    ).values_list("inspection__unit__path", "correction_due", "corrected_at")

    def judge(row: tuple[datetime.date, datetime.datetime | None]) -> str:
        due, corrected = row
        return "good" if corrected is not None and beijing_date(corrected) <= due else "bad"

    return _tallies(((p, (d, c)) for p, d, c in rows), units, judge)


def _duty(plan: WorkPlan, units: Mapping[str, Unit], now: datetime.datetime) -> dict[int, Tally]:
    """Assignments of shifts that ended in the period: signed on or not."""
    from zhenwu.duty.models import ShiftAssignment

    start, end = _moment_range(plan)
    rows = ShiftAssignment.objects.filter(
        unit_subtree_q(plan.owner_unit.path, prefix="shift__unit__"),
        shift__ends_at__gte=start,
        shift__ends_at__lt=min(end, now),
        shift__roster__status="published",
    ).values_list("shift__unit__path", "sign_on__pk")
    return _tallies(rows, units, lambda sign_on: "bad" if sign_on is None else "good")


def _derivation(component: str, tally: Tally | None) -> str:
    if tally is None or tally.total == 0:
        return _("nothing to measure in the period")
    words = {
        Component.REPORT_TIMELINESS: _(
            "%(good)d on time, %(half)d late (half credit), %(bad)d missing, of %(total)d reports due"
        ),
        Component.PETITIONS_ON_TIME: _("%(good)d of %(total)d answers given by the deadline"),
        Component.PETITION_SATISFACTION: _(
            "%(good)d satisfied, %(half)d basically satisfied (half credit), %(bad)d dissatisfied"
        ),
        Component.HAZARDS_ON_TIME: _("%(good)d of %(total)d hazards due were rectified by their deadline"),
        Component.DISPUTES_FOLLOWED_UP: _(
            "%(good)d mediated in time and followed up, %(half)d partly (half credit), "
            "%(bad)d late, of %(total)d"
        ),
        Component.TASKS_DONE: _(
            "%(good)d done, %(half)d in progress (half credit), %(bad)d overdue, of %(total)d tasks"
        ),
        Component.INSPECTION_CORRECTIONS: _("%(good)d of %(total)d corrections made by their deadline"),
        Component.DUTY_SIGN_ON: _("%(good)d of %(total)d duty assignments signed on"),
    }
    return words[Component(component)] % {
        "good": tally.good,
        "half": tally.half,
        "bad": tally.total - tally.good - tally.half,
        "total": tally.total,
    }


def compute_scores(
    plan: WorkPlan, weights: Mapping[str, int], *, units: Sequence[Unit], now: datetime.datetime | None = None
) -> list[dict[str, Any]]:
    """Score each unit: ``[{unit, total, parts: [{key, label, weight, rate, points, derivation}]}]``.

    ``points`` are the component's share of 100 after the weights of components with nothing to
    measure were scaled away; ``total`` is their sum, rounded to 2 places.
    """
    now = now or timezone.now()
    today = beijing_date(now)
    by_path = {u.path: u for u in units}
    timely, satisfaction = _petitions(plan, by_path)
    measured: dict[str, dict[int, Tally]] = {
        Component.REPORT_TIMELINESS: _report_timeliness(plan, by_path, now),
        Component.PETITIONS_ON_TIME: timely,
        Component.PETITION_SATISFACTION: satisfaction,
        Component.HAZARDS_ON_TIME: _hazards(plan, by_path, today),
        Component.DISPUTES_FOLLOWED_UP: _disputes(plan, by_path),
        Component.TASKS_DONE: _tasks(plan, units, today),
        Component.INSPECTION_CORRECTIONS: _inspections(plan, by_path, today),
        Component.DUTY_SIGN_ON: _duty(plan, by_path, now),
    }
    results = []
    for unit in units:
        tallies = {key: measured[key].get(unit.pk) for key in Component.values}
        applicable = {
            key: w
            for key, w in weights.items()
            if w > 0 and tallies[key] is not None and tallies[key].total > 0  # type: ignore[union-attr]
        }
        scale = Decimal(100) / Decimal(sum(applicable.values())) if applicable else Decimal(0)
        parts = []
        total = Decimal(0)
        for key in Component.values:
            tally = tallies[key]
            rate = tally.rate if tally is not None else None
            weight = weights.get(key, 0)
            points = (
                (Decimal(weight) * scale * rate).quantize(CENT, ROUND_HALF_UP)
                if key in applicable and rate is not None
                else None
            )
            if points is not None:
                total += points
            parts.append(
                {
                    "key": key,
                    "label": str(Component(key).label),
                    "weight": weight,
                    "scaled_weight": str((Decimal(weight) * scale).quantize(CENT, ROUND_HALF_UP))
                    if key in applicable
                    else None,
                    "rate": None if rate is None else str(rate.quantize(Decimal("0.0001"), ROUND_HALF_UP)),
                    "points": None if points is None else str(points),
                    "good": tally.good if tally else 0,
                    "half": tally.half if tally else 0,
                    "total": tally.total if tally else 0,
                    "derivation": _derivation(key, tally),
                }
            )
        results.append({"unit": unit, "total": total.quantize(CENT, ROUND_HALF_UP), "parts": parts})
    return results


@transaction.atomic
def assessment_compute(*, actor: User, plan: WorkPlan, weights: Mapping[str, Any]) -> Assessment:
    """Compute and keep the scores of every responsible unit of the plan, ranked."""
    from zhenwu.plans.services import plan_villages

    require(actor, Action.ASSESSMENT_MANAGE, plan.owner_unit)
    clean = check_weights(weights)
    chosen = {u.pk: u for u in plan_villages(plan)}
    chosen.update({u.pk: u for t in plan.tasks.prefetch_related("units") for u in t.units.all()})
    units = sorted(chosen.values(), key=lambda u: u.path)
    now = timezone.now()
    assessment = Assessment.objects.create(plan=plan, weights=clean, computed_at=now, computed_by=actor)
    results = compute_scores(plan, clean, units=units, now=now)
    ranked = sorted(results, key=lambda r: (-r["total"], r["unit"].path))
    rows = []
    previous: Decimal | None = None
    rank = 0
    for position, result in enumerate(ranked, start=1):
        if result["total"] != previous:
            rank, previous = position, result["total"]
        rows.append(
            AssessmentScore(
                assessment=assessment,
                unit=result["unit"],
                total=result["total"],
                rank=rank,
                parts=result["parts"],
            )
        )
    AssessmentScore.objects.bulk_create(rows)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=assessment,
        unit=plan.owner_unit,
        changes={"weights": [None, clean]},
    )
    return assessment
