"""Role x route rules of the duty roster pages (see zhenwu.testing.permissions).

The world: every role works in 河坝镇 (HB) except the reporter (village HB-01) and the admin (the
county). Built on 2026-02-25 through the services: the HB office's 20-day special period (2026-03-01
to 03-20, one 24-hour shift, a leader and two officers, generated) with one takeover waiting for
approval; a village roster of HB-01 without shifts; and the administrator's one-day roster in 石桥镇
(SQ), outside everyone else's scope. The permission test runs at the real date, after the period:
every shift has started, so a hand edit or a swap is refused (a message and a redirect for buttons,
a 400 form for pages with a form), while generating (nothing left to fill) and publishing succeed.

Everyone sees the rosters of their subtree (the HB roster is a 404 to the HB-01 reporter); admin and
office manage (others 403 before the roster is looked up); the person on a shift or the office asks
for a swap (a leader not on it: 403; oversight does not serve: 403).
"""

from typing import Any

import time_machine

from zhenwu.core.choices import Role
from zhenwu.duty.choices import Position, SwapStatus
from zhenwu.duty.models import Roster, RosterMember, Shift, ShiftAssignment, SwapRequest
from zhenwu.duty.services import (
    roster_create,
    roster_generate,
    roster_members_set,
    shift_template_add,
    swap_request,
)
from zhenwu.duty.tests.factories import at, pool, special_period, staff, t
from zhenwu.testing.permissions import Check, Outcome, every_role, expect
from zhenwu.testing.world import World

EVERYONE = every_role(200)
POST_ONLY = every_role(405, anonymous=405)
#: The HB township's roster: the HB-01 reporter does not see it.
TOWNSHIP = expect(admin=200, office=200, leader=200, reporter=404, mediator=200, oversight=200)
MANAGERS = expect(admin=200, office=200, leader=403, reporter=403, mediator=403, oversight=403)
MANAGERS_DONE = expect(admin=302, office=302, leader=403, reporter=403, mediator=403, oversight=403)
MANAGERS_REFUSED = expect(admin=400, office=400, leader=403, reporter=403, mediator=403, oversight=403)
#: Asking for a swap: managers get the form (refused once the shift has started); a leader who is
#: not on the shift may not; oversight does not serve.
SWAP_FORM = expect(admin=200, office=200, leader=403, reporter=404, mediator=403, oversight=403)
SWAP_REFUSED = expect(admin=400, office=400, leader=403, reporter=404, mediator=403, oversight=403)


def other_township(admin: Outcome) -> dict[str, Outcome]:
    """Reading 石桥镇's roster: only the administrator sees it."""
    return expect(admin=admin, office=404, leader=404, reporter=404, mediator=404, oversight=404)


def other_township_manage(admin: Outcome) -> dict[str, Outcome]:
    """Managing 石桥镇's roster: roles without the action are refused before the lookup."""
    return expect(admin=admin, office=404, leader=403, reporter=403, mediator=403, oversight=403)


def other_township_swap(admin: Outcome) -> dict[str, Outcome]:
    return expect(admin=admin, office=404, leader=404, reporter=404, mediator=404, oversight=403)


def _before_the_period() -> Any:
    return time_machine.travel(at("2026-02-25", 9), tick=False)


def hb_roster(w: World) -> Roster:
    """The HB special period, generated, with a takeover waiting for approval (built once)."""
    found = Roster.objects.filter(unit=w.township).first()
    if found is not None:
        return found
    with _before_the_period():
        office = w.user("office")
        leaders, officers = pool(w)
        roster = special_period(w, leaders, officers)
        roster_generate(actor=office, roster=roster)
        given = ShiftAssignment.objects.filter(shift__roster=roster, position=Position.OFFICER).order_by(
            "starts_at", "id"
        )[0]
        taker = next(p for p in officers if not given.shift.assignments.filter(person=p).exists())
        swap_request(actor=office, assignment=given, to_person=taker, reason="家中有事")
    return roster


def village_roster(w: World) -> Roster:
    """HB-01's roster, no shifts yet: the reporter sees it."""
    found = Roster.objects.filter(unit=w.village).first()
    if found is not None:
        return found
    with _before_the_period():
        return roster_create(
            actor=w.user("office"),
            unit=w.village,
            name="河东村防汛值班",
            starts_on=at("2026-03-01").date(),
            ends_on=at("2026-03-02").date(),
        )


def sq_roster(w: World) -> Roster:
    """The administrator's one-day roster in 石桥镇 with its own people, generated, a swap pending."""
    found = Roster.objects.filter(unit=w.other_township).first()
    if found is not None:
        return found
    with _before_the_period():
        admin = w.user("admin")
        leaders = staff(w, "sql", ("钱多",), Role.LEADER, unit=w.other_township)
        officers = staff(w, "sqo", ("孙少", "李四", "周五"), Role.OFFICE, unit=w.other_township)
        roster = roster_create(
            actor=admin,
            unit=w.other_township,
            name="石桥镇值班",
            starts_on=at("2026-03-01").date(),
            ends_on=at("2026-03-01").date(),
        )
        shift_template_add(
            actor=admin, roster=roster, name="全天", start_time=t("08:30"), end_time=t("08:30")
        )
        roster_members_set(actor=admin, roster=roster, position=Position.LEADER, people=leaders)
        roster_members_set(actor=admin, roster=roster, position=Position.OFFICER, people=officers)
        roster_generate(actor=admin, roster=roster)
        given = ShiftAssignment.objects.filter(shift__roster=roster, position=Position.OFFICER)[0]
        taker = next(p for p in officers if not given.shift.assignments.filter(person=p).exists())
        swap_request(actor=admin, assignment=given, to_person=taker)
    return roster


def _roster(build: Any) -> Any:
    return lambda w: {"pk": build(w).pk}


def _shift(build: Any) -> Any:
    def kwargs(w: World) -> dict[str, Any]:
        return {"pk": Shift.objects.filter(roster=build(w)).order_by("starts_at", "id")[0].pk}

    return kwargs


def _assignment(build: Any) -> Any:
    """An officer's assignment without a pending swap (the last one of the roster)."""

    def kwargs(w: World) -> dict[str, Any]:
        assignment = ShiftAssignment.objects.filter(
            shift__roster=build(w), position=Position.OFFICER
        ).order_by("-starts_at", "-id")[0]
        return {"pk": assignment.pk}

    return kwargs


def _swap(build: Any) -> Any:
    def kwargs(w: World) -> dict[str, Any]:
        return {"pk": SwapRequest.objects.get(roster=build(w), status=SwapStatus.PENDING).pk}

    return kwargs


def _new_roster(w: World) -> dict[str, Any]:
    return {
        "unit": str(w.township.pk),
        "name": "春节值班",
        "starts_on": "2027-02-05",
        "ends_on": "2027-02-12",
    }


def _backwards_roster(w: World) -> dict[str, Any]:
    return {**_new_roster(w), "starts_on": "2027-02-12", "ends_on": "2027-02-05"}


def _full_day(w: World) -> dict[str, Any]:
    return {"preset": "full", "days": "every_day", "leaders_required": "1", "officers_required": "2"}


def _pool(build: Any) -> Any:
    def data(w: World) -> dict[str, Any]:
        people = RosterMember.objects.filter(roster=build(w), position=Position.LEADER).order_by("order")
        return {"position": Position.LEADER, "people": [str(m.person_id) for m in people]}

    return data


def _assign(build: Any) -> Any:
    def data(w: World) -> dict[str, Any]:
        member = RosterMember.objects.filter(roster=build(w), position=Position.LEADER).order_by("order")[0]
        return {"position": Position.LEADER, "person": str(member.person_id)}

    return data


def _takeover(build: Any) -> Any:
    """A takeover of the last officer assignment by another officer of the pool."""

    def data(w: World) -> dict[str, Any]:
        roster = build(w)
        given = ShiftAssignment.objects.filter(shift__roster=roster, position=Position.OFFICER).order_by(
            "-starts_at", "-id"
        )[0]
        other = (
            RosterMember.objects.filter(roster=roster, position=Position.OFFICER)
            .exclude(person_id=given.person_id)
            .order_by("order")[0]
        )
        return {"to_person": str(other.person_id), "reason": "x"}

    return data


def _approve(w: World) -> dict[str, Any]:
    return {"decision": "approve"}


def _leave(w: World) -> dict[str, Any]:
    return {"person": str(w.user("mediator").pk), "starts_on": "2027-03-01", "ends_on": "2027-03-03"}


def _leave_backwards(w: World) -> dict[str, Any]:
    return {**_leave(w), "starts_on": "2027-03-03", "ends_on": "2027-03-01"}


HB = _roster(hb_roster)
VILLAGE = _roster(village_roster)
SQ = _roster(sq_roster)

TABLE: dict[str, list[Check]] = {
    "duty:roster_list": [Check(EVERYONE)],
    "duty:roster_create": [
        Check(MANAGERS),
        Check(MANAGERS_DONE, method="POST", data=_new_roster),
        Check(MANAGERS_REFUSED, method="POST", data=_backwards_roster),
    ],
    "duty:roster_detail": [
        Check(TOWNSHIP, kwargs=HB),
        Check(EVERYONE, kwargs=VILLAGE),
        Check(other_township(200), kwargs=SQ),
    ],
    "duty:roster_template_add": [
        Check(POST_ONLY, kwargs=VILLAGE),
        Check(MANAGERS_DONE, method="POST", kwargs=VILLAGE, data=_full_day),
        # Overlaps the 24-hour shift already there: the form again, 400.
        Check(MANAGERS_REFUSED, method="POST", kwargs=HB, data=_full_day),
        Check(other_township_manage(400), method="POST", kwargs=SQ, data=_full_day),
    ],
    "duty:roster_pool": [
        Check(POST_ONLY, kwargs=HB),
        Check(MANAGERS_DONE, method="POST", kwargs=HB, data=_pool(hb_roster)),
        Check(other_township_manage(302), method="POST", kwargs=SQ, data=_pool(sq_roster)),
    ],
    "duty:roster_generate": [
        Check(POST_ONLY, kwargs=HB),
        # Every shift has started: nothing is filled again, still a redirect with the result.
        Check(MANAGERS_DONE, method="POST", kwargs=HB),
        Check(other_township_manage(302), method="POST", kwargs=SQ),
    ],
    "duty:roster_publish": [
        Check(POST_ONLY, kwargs=HB),
        Check(MANAGERS_DONE, method="POST", kwargs=HB, data=lambda w: {}),
        # No shifts to publish: the page again with the refusal.
        Check(MANAGERS_REFUSED, method="POST", kwargs=VILLAGE, data=lambda w: {}),
        Check(other_township_manage(302), method="POST", kwargs=SQ, data=lambda w: {}),
    ],
    "duty:roster_fairness": [
        Check(TOWNSHIP, kwargs=HB),
        Check(other_township(200), kwargs=SQ),
    ],
    "duty:roster_print": [
        Check(TOWNSHIP, kwargs=HB),
        Check(EVERYONE, kwargs=VILLAGE),
        Check(other_township(200), kwargs=SQ),
    ],
    "duty:roster_export": [
        Check(TOWNSHIP, kwargs=HB),
        Check(other_township(200), kwargs=SQ),
    ],
    "duty:swap_list": [
        Check(TOWNSHIP, kwargs=HB),
        Check(other_township(200), kwargs=SQ),
    ],
    "duty:assignment_add": [
        Check(MANAGERS, kwargs=_shift(hb_roster)),
        Check(other_township_manage(200), kwargs=_shift(sq_roster)),
        # The shift is over: refused on the form.
        Check(MANAGERS_REFUSED, method="POST", kwargs=_shift(hb_roster), data=_assign(hb_roster)),
        Check(other_township_manage(400), method="POST", kwargs=_shift(sq_roster), data=_assign(sq_roster)),
    ],
    "duty:assignment_remove": [
        Check(POST_ONLY, kwargs=_assignment(hb_roster)),
        # The shift has started: refused with a message, still a redirect.
        Check(MANAGERS_DONE, method="POST", kwargs=_assignment(hb_roster)),
        Check(other_township_manage(302), method="POST", kwargs=_assignment(sq_roster)),
    ],
    "duty:swap_create": [
        Check(SWAP_FORM, kwargs=_assignment(hb_roster)),
        Check(other_township_swap(200), kwargs=_assignment(sq_roster)),
        Check(SWAP_REFUSED, method="POST", kwargs=_assignment(hb_roster), data=_takeover(hb_roster)),
        Check(
            other_township_swap(400), method="POST", kwargs=_assignment(sq_roster), data=_takeover(sq_roster)
        ),
    ],
    "duty:swap_decide": [
        Check(POST_ONLY, kwargs=_swap(hb_roster)),
        # The shift has started: the approval is refused with a message, still a redirect.
        Check(MANAGERS_DONE, method="POST", kwargs=_swap(hb_roster), data=_approve),
        Check(other_township_manage(302), method="POST", kwargs=_swap(sq_roster), data=_approve),
    ],
    "duty:leave_list": [Check(EVERYONE)],
    "duty:leave_create": [
        Check(MANAGERS),
        Check(MANAGERS_DONE, method="POST", data=_leave),
        Check(MANAGERS_REFUSED, method="POST", data=_leave_backwards),
    ],
}
