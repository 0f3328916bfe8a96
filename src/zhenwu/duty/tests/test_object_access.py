"""Object-level authorization of duty rosters and shifts: guessed IDs and lists.

The village reporter of HB-01 guesses the IDs of the rosters, shifts, assignments and swap requests
of 河坝镇 (above the village), of 石桥镇 (SQ) and of village HB-02, on every page and API route that
takes one; the HB office guesses 石桥镇's. Each answer is the one a nonexistent ID gets
(zhenwu.testing.object_access), shows nothing of the roster, and changes nothing. Lists and the
roster export never hold another unit's rosters or people.
"""

from typing import Any

import pytest
import time_machine

from zhenwu.duty.models import DutyLogEntry, Handover, Roster, Shift, ShiftAssignment, SignOn, SwapRequest
from zhenwu.duty.services import roster_create
from zhenwu.duty.tests.factories import at
from zhenwu.duty.tests.permission_table_staff_rosters import hb_roster, sq_roster
from zhenwu.testing.object_access import api, assert_hidden, body_of, client_for, get, post
from zhenwu.testing.world import World

PROBES = [
    get("/duty/rosters/{roster}/"),
    get("/duty/rosters/{roster}/fairness/"),
    get("/duty/rosters/{roster}/print/"),
    get("/duty/rosters/{roster}/roster.xlsx"),
    get("/duty/rosters/{roster}/swaps/"),
    post("/duty/rosters/{roster}/templates/", {"preset": "full", "days": "every_day"}),
    post("/duty/rosters/{roster}/pool/", {"position": "officer"}),
    post("/duty/rosters/{roster}/generate/"),
    post("/duty/rosters/{roster}/publish/"),
    get("/duty/shifts/{shift}/"),
    post("/duty/shifts/{shift}/assign/", {"position": "officer"}),
    post("/duty/shifts/{shift}/sign-on/"),
    post("/duty/shifts/{shift}/log/", {"text": "一切正常"}),
    post("/duty/shifts/{shift}/handover/", {"note": "交班"}),
    post("/duty/assignments/{assignment}/remove/"),
    post("/duty/assignments/{assignment}/swap/", {"reason": "有事"}),
    post("/duty/swaps/{swap}/decide/", {"decision": "approve"}),
    api("GET", "/duty/rosters/{roster}"),
    api("GET", "/duty/rosters/{roster}/coverage"),
    api("GET", "/duty/rosters/{roster}/fairness"),
    api("POST", "/duty/rosters/{roster}/generate"),
    api("POST", "/duty/rosters/{roster}/publish"),
    api("PUT", "/duty/rosters/{roster}/pool/officer", {"people": []}),
    api("GET", "/duty/shifts/{shift}"),
    api("GET", "/duty/shifts/{shift}/log"),
    api("POST", "/duty/shifts/{shift}/log", {"kind": "event", "text": "一切正常"}),
    api("POST", "/duty/shifts/{shift}/sign-on"),
    api("POST", "/duty/shifts/{shift}/handover", {"summary": "交班"}),
    api("DELETE", "/duty/assignments/{assignment}"),
    api("POST", "/duty/assignments/{assignment}/swaps", {"to_person": 1, "reason": "有事"}),
    api("POST", "/duty/swaps/{swap}/decision", {"approve": True}),
]


def _ids(roster: Roster) -> dict[str, Any]:
    shift = Shift.objects.filter(roster=roster).order_by("starts_at", "id").first()
    assignment = ShiftAssignment.objects.filter(shift__roster=roster).order_by("-starts_at", "-id").first()
    swap = SwapRequest.objects.filter(roster=roster).first()
    return {
        "roster": roster.pk,
        "shift": shift.pk if shift else 0,
        "assignment": assignment.pk if assignment else 0,
        "swap": swap.pk if swap else 0,
    }


def _markers(roster: Roster) -> list[str]:
    people = ShiftAssignment.objects.filter(shift__roster=roster).values_list("person__full_name", flat=True)
    return [roster.name, *{p for p in people if p}]


def hb02_roster(w: World) -> Roster:
    with time_machine.travel(at("2026-02-25", 9), tick=False):
        return roster_create(
            actor=w.user("office"),
            unit=w.village2,
            name="河西村防汛值班",
            starts_on=at("2026-03-01").date(),
            ends_on=at("2026-03-02").date(),
        )


BUILDERS = {"township": hb_roster, "sq": sq_roster, "hb02": hb02_roster}


def _snapshot() -> list[Any]:
    return [
        list(Roster.objects.order_by("pk").values_list("pk", "status")),
        list(ShiftAssignment.objects.order_by("pk").values_list("pk", "person_id")),
        list(SwapRequest.objects.order_by("pk").values_list("pk", "status")),
        Shift.objects.count(),
        DutyLogEntry.objects.count(),
        SignOn.objects.count(),
        Handover.objects.count(),
    ]


@pytest.mark.parametrize(
    ("role", "target"), [("reporter", "township"), ("reporter", "sq"), ("reporter", "hb02"), ("office", "sq")]
)
def test_guessed_ids_of_rosters_out_of_scope_look_missing_and_change_nothing(
    world: World, role: str, target: str
) -> None:
    roster = BUILDERS[target](world)
    before = _snapshot()
    probes = [p for p in PROBES if not any(f"{{{k}}}" in p.url for k, v in _ids(roster).items() if v == 0)]
    assert len(probes) >= 9
    assert_hidden(client_for(world.user(role)), probes, _ids(roster), markers=_markers(roster))
    assert _snapshot() == before


LISTS = [
    "/duty/rosters/",
    "/duty/",
    "/api/duty/rosters",
    "/api/duty/shifts",
    "/api/duty/swaps",
    "/duty/leave/",
]


@pytest.mark.parametrize("url", LISTS)
def test_the_reporters_lists_hold_only_its_village(world: World, url: str) -> None:
    foreign = [sq_roster(world), hb02_roster(world)]
    status, text = body_of(client_for(world.user("reporter")), url)
    assert status in (200, 403), url
    for roster in foreign:
        leaked = [m for m in _markers(roster) if m in text]
        assert not leaked, f"{url} shows {leaked}"


def test_the_township_office_does_not_see_another_townships_roster_in_lists(world: World) -> None:
    roster = sq_roster(world)
    client = client_for(world.user("office"))
    for url in ("/duty/rosters/", "/api/duty/rosters", "/api/duty/shifts", "/api/duty/swaps"):
        status, text = body_of(client, url)
        assert status == 200, url
        assert not [m for m in _markers(roster) if m in text], url
