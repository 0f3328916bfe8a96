"""Role x route rules of the duty API routes (see zhenwu.testing.permissions).

The 河坝镇 (HB) office keeps the rosters; the HB-01 reporter does not see the township's rosters,
shifts, swaps or receptions (404). Rosters of the duty tests' example period (March 2026) are built
before it, at 2026-02-25; the permission test itself runs at the real date, after that period, so
their shifts are over: a hand edit or a removal there is a 400. Where a route needs shifts still to
come, the roster starts ten days after ``timezone.localdate()``; where it needs a shift under way
(sign-on, the log, handover), a roster around today puts the office, the leader and the mediator on
the shift running now. Each roster of a route gets a period of its own (one pool serves them all).
"""

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import time_machine
from django.utils import timezone

from zhenwu.core.models import User
from zhenwu.duty.choices import LogKind, Position, ShiftDays
from zhenwu.duty.models import ReceptionDay, Roster, Shift, ShiftAssignment, SignOn, SwapRequest
from zhenwu.duty.services import (
    assignment_set,
    duty_log_add,
    reception_cancel,
    reception_create,
    roster_create,
    roster_generate,
    roster_members_set,
    roster_publish,
    shift_sign_on,
    shift_template_add,
    swap_decide,
    swap_request,
)
from zhenwu.duty.tests.factories import at, pool, special_period, t
from zhenwu.petitions.models import Petition
from zhenwu.petitions.tests.factories import register
from zhenwu.testing.permissions import Check, Outcome, every_role, expect
from zhenwu.testing.world import World


def api(**outcomes: Outcome) -> dict[str, Outcome]:
    return {**expect(**outcomes), "anonymous": 401}


EVERYONE = every_role(200, anonymous=401)
#: The township's rosters, shifts and receptions: the HB-01 reporter does not see them.
TOWNSHIP_VISIBLE = {**EVERYONE, "reporter": 404}
#: Only the office (and the county administrator) keeps rosters, leave and receptions.
OFFICE = api(admin=200, office=200, leader=403, reporter=404, mediator=403, oversight=403)
OFFICE_CREATES = {**OFFICE, "admin": 201, "office": 201}
OFFICE_REFUSED = {**OFFICE, "admin": 400, "office": 400}
OFFICE_CONFLICT = {**OFFICE, "admin": 409, "office": 409}
#: The people on the shift under way (office, leader, mediator), and the office for any shift.
ON_SHIFT = api(admin=201, office=201, leader=201, reporter=404, mediator=201, oversight=403)


@contextmanager
def before_period() -> Iterator[None]:
    with time_machine.travel(at("2026-02-25", 9), tick=False):
        yield


def _pool(w: World) -> tuple[list[User], list[User]]:
    """The township's pool of three leaders and six officers, made once per world."""
    if not User.objects.filter(username="ld0").exists():
        pool(w)
    leaders = list(User.objects.filter(username__startswith="ld").order_by("username"))
    officers = list(User.objects.filter(username__startswith="of").order_by("username"))
    return leaders, officers


def _next_first_day(base: datetime.date) -> datetime.date:
    """A period of its own for every roster of a world (so that generation finds people free)."""
    return base + datetime.timedelta(days=10 * Roster.objects.count())


def _past_roster(w: World, *, generate: bool = False, leaders: int = 3) -> Roster:
    """A three-day roster of March 2026 (24-hour shifts, a leader and two officers), built before it."""
    with before_period():
        people, officers = _pool(w)
        first = _next_first_day(datetime.date(2026, 3, 1))
        roster = special_period(
            w,
            people[:leaders],
            officers,
            starts_on=first.isoformat(),
            ends_on=(first + datetime.timedelta(days=2)).isoformat(),
        )
        if generate:
            roster_generate(actor=w.user("office"), roster=roster)
    return roster


def _future_roster(w: World) -> Roster:
    """A generated three-day roster starting ten days (or more) from today."""
    people, officers = _pool(w)
    first = _next_first_day(timezone.localdate() + datetime.timedelta(days=10))
    roster = special_period(
        w,
        people,
        officers,
        starts_on=first.isoformat(),
        ends_on=(first + datetime.timedelta(days=2)).isoformat(),
    )
    roster_generate(actor=w.user("office"), roster=roster)
    return roster


def _current_shift(w: World, *, signed: bool = False) -> Shift:
    """The shift running now, with the leader on duty and the office and the mediator as officers."""
    now = timezone.now()
    shift = Shift.objects.filter(roster__name="今日值班", starts_at__lte=now, ends_at__gt=now).first()
    team = [w.user("leader"), w.user("office"), w.user("mediator")]
    if shift is None:
        office, today = w.user("office"), timezone.localdate()
        roster = roster_create(
            actor=office,
            unit=w.township,
            name="今日值班",
            starts_on=today - datetime.timedelta(days=1),
            ends_on=today + datetime.timedelta(days=1),
        )
        shift_template_add(
            actor=office, roster=roster, name="全天", start_time=t("00:00"), end_time=t("00:00")
        )
        roster_members_set(actor=office, roster=roster, position=Position.LEADER, people=team[:1])
        roster_members_set(actor=office, roster=roster, position=Position.OFFICER, people=team[1:])
        roster_generate(actor=office, roster=roster)  # lays the shifts out; the one under way stays empty
        shift = Shift.objects.get(roster=roster, starts_at__lte=now, ends_at__gt=now)
        for person, position in zip(team, (Position.LEADER, Position.OFFICER, Position.OFFICER), strict=True):
            assignment_set(actor=office, shift=shift, position=position, person=person)
    if signed:
        for person in team:
            if not SignOn.objects.filter(shift=shift, assignment__person=person).exists():
                shift_sign_on(actor=person, shift=shift)
    return shift


def _officer_assignment(roster: Roster) -> ShiftAssignment:
    return (
        ShiftAssignment.objects.filter(shift__roster=roster, position=Position.OFFICER)
        .select_related("shift")
        .order_by("starts_at", "id")[0]
    )


def _free_officer(assignment: ShiftAssignment) -> User:
    """An officer of the pool not on the assignment's shift nor on duty at the same time."""
    busy = ShiftAssignment.objects.filter(
        starts_at__lt=assignment.ends_at, ends_at__gt=assignment.starts_at
    ).values_list("person_id", flat=True)
    _leaders, officers = _pool_of(assignment.shift.roster)
    return next(person for person in officers if person.pk not in set(busy))


def _pool_of(roster: Roster) -> tuple[list[User], list[User]]:
    members = roster.members.select_related("person").order_by("order")
    return (
        [m.person for m in members if m.position == Position.LEADER],
        [m.person for m in members if m.position == Position.OFFICER],
    )


def _latest_roster() -> Roster:
    return Roster.objects.order_by("-pk")[0]


# --- URL arguments and bodies -------------------------------------------------------------------


def some_rosters(w: World) -> dict[str, Any]:
    """No URL arguments; lists have something to show."""
    _past_roster(w, generate=True)
    return {}


def roster_of(**options: Any) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"roster_id": _past_roster(w, **options).pk}


def empty_roster(w: World) -> dict[str, Any]:
    """A roster without shifts of the day yet."""
    with before_period():
        first = _next_first_day(datetime.date(2026, 3, 1))
        roster = roster_create(
            actor=w.user("office"),
            unit=w.township,
            name="防汛值班",
            starts_on=first,
            ends_on=first + datetime.timedelta(days=2),
        )
    return {"roster_id": roster.pk}


def published_roster(w: World) -> dict[str, Any]:
    roster = _past_roster(w, generate=True)
    with before_period():
        roster_publish(actor=w.user("office"), roster=roster)
    return {"roster_id": roster.pk}


def pool_of_officers(w: World) -> dict[str, Any]:
    roster = _past_roster(w)
    return {"roster_id": roster.pk, "position": Position.OFFICER.value}


def officers_body(w: World) -> dict[str, Any]:
    _leaders, officers = _pool(w)
    return {"people": [person.pk for person in reversed(officers)]}


def past_shift(w: World) -> dict[str, Any]:
    return {"shift_id": _past_roster(w, generate=True).shifts.order_by("starts_at")[0].pk}


def future_shift(w: World) -> dict[str, Any]:
    return {"shift_id": _future_roster(w).shifts.order_by("starts_at")[0].pk}


def free_officer_body(w: World) -> dict[str, Any]:
    """The first shift of the latest roster gets a third officer, free at that time."""
    assignment = _officer_assignment(_latest_roster())
    return {"position": Position.OFFICER.value, "person": _free_officer(assignment).pk}


def current_shift(w: World) -> dict[str, Any]:
    return {"shift_id": _current_shift(w).pk}


def a_shift_under_way(w: World) -> dict[str, Any]:
    """No URL arguments; the caller may be on the shift running now ("mine")."""
    _current_shift(w)
    return {}


def signed_on_shift(w: World) -> dict[str, Any]:
    return {"shift_id": _current_shift(w, signed=True).pk}


def past_assignment(w: World) -> dict[str, Any]:
    return {"assignment_id": _officer_assignment(_past_roster(w, generate=True)).pk}


def future_assignment(w: World) -> dict[str, Any]:
    return {"assignment_id": _officer_assignment(_future_roster(w)).pk}


def takeover_body(*, arrange: bool = False) -> Callable[[World], dict[str, Any]]:
    def body(w: World) -> dict[str, Any]:
        assignment = _officer_assignment(_latest_roster())
        return {"to_person": _free_officer(assignment).pk, "reason": "家中有事", "arrange": arrange}

    return body


def _pending_swap(w: World) -> SwapRequest:
    assignment = _officer_assignment(_future_roster(w))
    return swap_request(actor=w.user("office"), assignment=assignment, to_person=_free_officer(assignment))


def pending_swap(w: World) -> dict[str, Any]:
    return {"swap_id": _pending_swap(w).pk}


def decided_swap(w: World) -> dict[str, Any]:
    swap = _pending_swap(w)
    swap_decide(actor=w.user("admin"), swap=swap, approve=False)
    return {"swap_id": swap.pk}


def some_swaps(w: World) -> dict[str, Any]:
    _pending_swap(w)
    return {}


def _reception(w: World, *, on_date: datetime.date | None = None, cancelled: bool = False) -> ReceptionDay:
    """The leader receives the public a week from today (a day later for each reception made)."""
    reception = reception_create(
        actor=w.user("office"),
        unit=w.township,
        leader=w.user("leader"),
        on_date=on_date or timezone.localdate() + datetime.timedelta(days=7 + ReceptionDay.objects.count()),
        start_time=t("09:00"),
        end_time=t("11:30"),
        place="镇政府一楼接访室",
    )
    if cancelled:
        reception_cancel(actor=w.user("office"), reception=reception)
    return reception


def reception_of(*, cancelled: bool = False) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"reception_id": _reception(w, cancelled=cancelled).pk}


def some_receptions(w: World) -> dict[str, Any]:
    _reception(w)
    return {}


def spring_reception(w: World) -> dict[str, Any]:
    """A reception on a spring day of 2026, when a matter was brought in person (holidays known)."""
    with time_machine.travel(at("2026-04-01", 9), tick=False):
        reception = _reception(w, on_date=datetime.date(2026, 4, 1))
        register(w.user("office"), w.township)
    return {"reception_id": reception.pk}


def reception_body(w: World) -> dict[str, Any]:
    return {
        "unit": w.township.pk,
        "leader": w.user("leader").pk,
        "on_date": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
        "start_time": "14:00",
        "end_time": "17:00",
        "place": "镇政府一楼接访室",
        "topic": "土地征收",
        "publish": True,
    }


def latest_petition_body(w: World) -> dict[str, Any]:
    return {"petition": Petition.objects.order_by("-pk")[0].pk}


def leave_body(w: World) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "person": w.user("mediator").pk,
        "starts_on": (today + datetime.timedelta(days=5)).isoformat(),
        "ends_on": (today + datetime.timedelta(days=6)).isoformat(),
        "reason": "年休假",
    }


def roster_body(w: World) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "unit": w.township.pk,
        "name": "元旦期间值班",
        "starts_on": (today + datetime.timedelta(days=20)).isoformat(),
        "ends_on": (today + datetime.timedelta(days=25)).isoformat(),
    }


def template_body(**overrides: Any) -> Callable[[World], dict[str, Any]]:
    return lambda w: {
        "name": "白班",
        "start_time": "08:30",
        "end_time": "17:30",
        "days": ShiftDays.EVERY_DAY.value,
        **overrides,
    }


def gappy_roster(w: World) -> dict[str, Any]:
    """One leader for three days of 24-hour shifts: the middle day has nobody on duty."""
    return {"roster_id": _past_roster(w, generate=True, leaders=1).pk}


def a_log_entry_body(w: World) -> dict[str, Any]:
    return {"kind": LogKind.CALL.value, "text": "河东村来电：3组道路塌方", "is_open": True}


def with_log(w: World) -> dict[str, Any]:
    shift = _current_shift(w)
    duty_log_add(actor=w.user("office"), shift=shift, kind=LogKind.NOTE, text="带班领导电话抽查")
    return {"shift_id": shift.pk}


TABLE: dict[str, list[Check]] = {
    # --- rosters
    "api:list_duty_rosters": [
        Check(EVERYONE, kwargs=some_rosters),
        Check(EVERYONE, kwargs=some_rosters, query="active_on=2026-03-02&status=draft"),
        Check(every_role(422, anonymous=401), query="status=final"),
    ],
    "api:create_duty_roster": [
        Check(OFFICE_CREATES, method="POST", json=True, data=roster_body),
    ],
    "api:get_duty_roster": [Check(TOWNSHIP_VISIBLE, kwargs=roster_of())],
    "api:add_duty_shift_template": [
        Check(OFFICE_CREATES, method="POST", json=True, kwargs=empty_roster, data=template_body()),
        # The roster's 24-hour shift covers the whole day already.
        Check(OFFICE_REFUSED, method="POST", json=True, kwargs=roster_of(), data=template_body()),
    ],
    "api:set_duty_pool": [
        Check(OFFICE, method="PUT", json=True, kwargs=pool_of_officers, data=officers_body),
    ],
    "api:generate_duty_roster": [
        Check(OFFICE, method="POST", json=True, kwargs=roster_of()),
        Check(OFFICE_CONFLICT, method="POST", json=True, kwargs=published_roster),
    ],
    "api:get_duty_coverage": [Check(TOWNSHIP_VISIBLE, kwargs=roster_of(generate=True))],
    "api:get_duty_fairness": [Check(TOWNSHIP_VISIBLE, kwargs=roster_of(generate=True))],
    "api:publish_duty_roster": [
        Check(OFFICE, method="POST", json=True, kwargs=roster_of(generate=True)),
        Check(OFFICE_CONFLICT, method="POST", json=True, kwargs=gappy_roster),
        Check(
            OFFICE,
            method="POST",
            json=True,
            kwargs=gappy_roster,
            data=lambda w: {"confirm_gaps": True, "note": "一名带班领导抽调防汛"},
        ),
    ],
    # --- shifts and the duty desk
    "api:list_duty_shifts": [
        Check(EVERYONE, kwargs=some_rosters),
        Check(EVERYONE, kwargs=some_rosters, query="from=2026-03-01&to=2026-03-31"),
        Check(EVERYONE, kwargs=a_shift_under_way, query="mine=true"),
        Check(every_role(400, anonymous=401), query="from=2026-03-31&to=2026-03-01"),
    ],
    "api:get_duty_shift": [
        Check(TOWNSHIP_VISIBLE, kwargs=past_shift),
        Check(TOWNSHIP_VISIBLE, kwargs=with_log),
    ],
    "api:add_duty_assignment": [
        Check(OFFICE_CREATES, method="POST", json=True, kwargs=future_shift, data=free_officer_body),
        # The shift is over.
        Check(OFFICE_REFUSED, method="POST", json=True, kwargs=past_shift, data=free_officer_body),
    ],
    "api:remove_duty_assignment": [
        Check({**OFFICE, "admin": 204, "office": 204}, method="DELETE", kwargs=future_assignment),
        Check(OFFICE_REFUSED, method="DELETE", kwargs=past_assignment),
    ],
    # The administrator may serve but is not on the shift; oversight never serves.
    "api:sign_on_duty_shift": [
        Check({**ON_SHIFT, "admin": 403}, method="POST", json=True, kwargs=current_shift),
        Check(
            {**ON_SHIFT, "admin": 403, "office": 409, "leader": 409, "mediator": 409},
            method="POST",
            json=True,
            kwargs=signed_on_shift,
        ),
    ],
    "api:list_duty_log": [Check(TOWNSHIP_VISIBLE, kwargs=with_log)],
    # The office writes in any log of its unit; the others only in the log of their own shift.
    "api:add_duty_log_entry": [
        Check(ON_SHIFT, method="POST", json=True, kwargs=current_shift, data=a_log_entry_body),
        Check(
            {**ON_SHIFT, "leader": 403, "mediator": 403},
            method="POST",
            json=True,
            kwargs=past_shift,
            data=a_log_entry_body,
        ),
    ],
    "api:hand_over_duty_shift": [
        Check(
            ON_SHIFT,
            method="POST",
            json=True,
            kwargs=with_log,
            data=lambda w: {"summary": "夜间平稳，抽查一次。"},
        ),
    ],
    # --- swaps
    "api:request_duty_swap": [
        # Only the person on the shift (a pool officer, none of the roles) or the office asks.
        Check(OFFICE_CREATES, method="POST", json=True, kwargs=future_assignment, data=takeover_body()),
        Check(
            OFFICE_CREATES,
            method="POST",
            json=True,
            kwargs=future_assignment,
            data=takeover_body(arrange=True),
        ),
        # Someone not in the pool.
        Check(
            OFFICE_REFUSED,
            method="POST",
            json=True,
            kwargs=future_assignment,
            data=lambda w: {"to_person": w.user("oversight").pk},
        ),
    ],
    "api:list_duty_swaps": [
        Check(EVERYONE, kwargs=some_swaps),
        Check(EVERYONE, kwargs=some_swaps, query="status=pending"),
    ],
    "api:decide_duty_swap": [
        Check(OFFICE, method="POST", json=True, kwargs=pending_swap, data=lambda w: {"approve": True}),
        Check(OFFICE, method="POST", json=True, kwargs=pending_swap, data=lambda w: {"approve": False}),
        Check(
            OFFICE_CONFLICT, method="POST", json=True, kwargs=decided_swap, data=lambda w: {"approve": True}
        ),
    ],
    # --- reception days
    "api:list_duty_receptions": [
        Check(EVERYONE, kwargs=some_receptions),
        Check(EVERYONE, kwargs=some_receptions, query="from=2026-01-01"),
    ],
    "api:create_duty_reception": [
        Check(OFFICE_CREATES, method="POST", json=True, data=reception_body),
    ],
    "api:publish_duty_reception": [
        Check(OFFICE, method="POST", json=True, kwargs=reception_of(), data=lambda w: {"publish": True}),
        Check(OFFICE_CONFLICT, method="POST", json=True, kwargs=reception_of(cancelled=True)),
    ],
    "api:cancel_duty_reception": [
        Check(OFFICE, method="POST", json=True, kwargs=reception_of()),
        Check(OFFICE_CONFLICT, method="POST", json=True, kwargs=reception_of(cancelled=True)),
    ],
    "api:link_duty_reception_petition": [
        Check(OFFICE, method="POST", json=True, kwargs=spring_reception, data=latest_petition_body),
    ],
    # --- leave
    "api:list_duty_leave": [Check(EVERYONE), Check(EVERYONE, query="from=2026-01-01")],
    "api:create_duty_leave": [
        Check(OFFICE_CREATES, method="POST", json=True, data=leave_body),
    ],
}
