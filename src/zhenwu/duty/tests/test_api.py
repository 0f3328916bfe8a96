"""The duty REST API: a special period from an empty roster to publishing, the duty desk (sign-on,
the append-only log, handover), hand edits and leave, swaps, refusals and conflicts, reception days,
and constant query counts on every list.

Requests carry a personal token (the clock moves by days here, past any session's age)."""

import datetime
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from zhenwu.core.choices import Role
from zhenwu.core.models import User
from zhenwu.core.services.tokens import token_create
from zhenwu.duty.choices import Position
from zhenwu.duty.models import (
    DutyLogEntry,
    Handover,
    Leave,
    ReceptionDay,
    Roster,
    Shift,
    ShiftAssignment,
    ShiftTemplate,
    SignOn,
    SwapRequest,
)
from zhenwu.duty.services import (
    leave_add,
    reception_create,
    roster_create,
    roster_generate,
    shift_template_add,
    swap_request,
)
from zhenwu.duty.tests.factories import at, pool, special_period, staff, t
from zhenwu.petitions.choices import IntakeChannel
from zhenwu.petitions.tests.factories import register
from zhenwu.testing.world import World

pytestmark = pytest.mark.django_db

Api = Callable[[str | User], Client]


@pytest.fixture
def api(world: World) -> Api:
    """A client per role (or per person), authenticated by a token of that user."""
    clients: dict[int, Client] = {}

    def client(who: str | User) -> Client:
        user = world.user(who) if isinstance(who, str) else who
        if user.pk not in clients:
            _token, key = token_create(actor=user, name="测试")
            clients[user.pk] = Client(headers={"Authorization": f"Bearer {key}"})
        return clients[user.pk]

    return client


@pytest.fixture
def people(world: World) -> tuple[list[User], list[User]]:
    return pool(world)


@pytest.fixture
def roster(world: World, people: tuple[list[User], list[User]]) -> Roster:
    """The special period of 2026-03-01 to 03-20, generated."""
    leaders, officers = people
    roster = special_period(world, leaders, officers)
    roster_generate(actor=world.user("office"), roster=roster)
    return roster


def post(client: Client, url: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(url, data=json.dumps(data or {}), content_type="application/json")


def put(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.put(url, data=json.dumps(data), content_type="application/json")


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    return response.json()


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "message", "errors"}
    assert body["code"] == code and body["message"]
    return body


def parse(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text)


def shift_on(roster: Roster, day: str) -> Shift:
    return Shift.objects.get(roster=roster, on_date=datetime.date.fromisoformat(day))


def holder(shift: Shift, position: str = Position.OFFICER) -> User:
    return shift.assignments.filter(position=position).order_by("id")[0].person


# --- the special period, end to end ---------------------------------------------------------------


def test_a_special_period_from_an_empty_roster_to_publishing(world, people, api):
    leaders, officers = people
    office = api("office")
    created = ok(
        post(
            office,
            "/api/duty/rosters",
            {
                "unit": world.township.pk,
                "name": " 全国两会期间 24小时值班 ",
                "starts_on": "2026-03-01",
                "ends_on": "2026-03-20",
            },
        ),
        201,
    )
    assert created["name"] == "全国两会期间 24小时值班" and created["status"] == "draft"
    assert created["unit"]["code"] == "HB" and created["templates"] == []
    assert created["pools"] == {"leader": [], "officer": []}
    base = f"/api/duty/rosters/{created['id']}"

    template = ok(
        post(
            office,
            f"{base}/templates",
            {
                "name": "全天",
                "start_time": "08:30",
                "end_time": "08:30",
                "days": "every_day",
                "leaders_required": 1,
                "officers_required": 2,
            },
        ),
        201,
    )
    assert (template["start_time"], template["end_time"]) == ("08:30", "08:30")
    members = ok(put(office, f"{base}/pool/leader", {"people": [p.pk for p in leaders]}))
    assert [(m["person"]["name"], m["order"]) for m in members] == [("刘强", 0), ("孙丽", 1), ("周涛", 2)]
    ok(put(office, f"{base}/pool/officer", {"people": [p.pk for p in officers]}))
    detail = ok(office.get(base))
    assert [p["id"] for p in detail["pools"]["officer"]] == [p.pk for p in officers]
    assert detail["pools"]["leader"][0] == {"id": leaders[0].pk, "name": "刘强", "phone": "13900000000"}

    generated = ok(post(office, f"{base}/generate"))
    assert generated == {"shifts_created": 20, "assigned": 60, "kept": 0, "unfilled": []}
    coverage = ok(office.get(f"{base}/coverage"))
    assert coverage["ok"] is True and coverage["problems"] == []
    assert all(coverage[key] == [] for key in ("gaps", "understaffed", "clashes", "on_leave", "short_rest"))
    fairness = ok(api("leader").get(f"{base}/fairness"))
    shifts = {
        position: [row["shifts"] for row in fairness if row["position"] == position] for position in Position
    }
    assert sum(shifts[Position.LEADER]) == 20 and sum(shifts[Position.OFFICER]) == 40
    assert all(max(counts) - min(counts) <= 1 for counts in shifts.values())
    assert all(row["hours"] == row["shifts"] * 24 for row in fairness)

    # A new officer joins the pool and the office arranges a takeover of one shift of 03-15.
    newcomer = staff(world, "new", ("韩梅",), Role.OFFICE)[0]
    ok(put(office, f"{base}/pool/officer", {"people": [*(p.pk for p in officers), newcomer.pk]}))
    day = ok(
        office.get("/api/duty/shifts", {"roster": created["id"], "from": "2026-03-15", "to": "2026-03-15"})
    )
    assert day["count"] == 1
    given = next(a for a in day["items"][0]["assignments"] if a["position"] == "officer")
    swap = ok(
        post(
            office,
            f"/api/duty/assignments/{given['id']}/swaps",
            {"to_person": newcomer.pk, "reason": "家中有事", "arrange": True},
        ),
        201,
    )
    assert (swap["kind"], swap["status"], swap["requested_by"], swap["decided_by"]) == (
        "takeover",
        "approved",
        "王小红",
        "王小红",
    )
    assert swap["assignment"]["person"]["id"] == newcomer.pk and swap["to_person"]["name"] == "韩梅"
    listed = ok(office.get("/api/duty/swaps", {"roster": created["id"], "status": "approved"}))
    assert [s["id"] for s in listed["items"]] == [swap["id"]]
    assert ok(office.get("/api/duty/swaps", {"status": "pending"}))["count"] == 0
    shift = ok(office.get(f"/api/duty/shifts/{day['items'][0]['id']}"))
    taken = next(a for a in shift["assignments"] if a["id"] == given["id"])
    assert taken["person"]["id"] == newcomer.pk and taken["source"] == "takeover"
    assert ok(office.get(f"{base}/coverage"))["ok"] is True

    published = ok(post(office, f"{base}/publish"))
    assert published["status"] == "published" and published["published_with_gaps"] == []
    assert parse(published["published_at"]) == at("2026-02-25", 9)
    # Published: laying out again is a conflict.
    assert_error(post(office, f"{base}/generate"), 409, "invalid_transition")
    assert_error(post(office, f"{base}/publish"), 409, "invalid_transition")


# --- refusals --------------------------------------------------------------------------------------


def test_an_overlapping_template_is_400_and_nothing_saved(world, roster, api):
    response = post(
        api("office"),
        f"/api/duty/rosters/{roster.pk}/templates",
        {"name": "夜班", "start_time": "17:30", "end_time": "08:30"},
    )
    body = assert_error(response, 400, "validation_failed")
    assert "start_time" in body["errors"] and "全天" in body["message"]
    assert ShiftTemplate.objects.filter(roster=roster).count() == 1


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"starts_on": "2026-03-10", "ends_on": "2026-03-01"}, 400, "ends_on"),
        ({"starts_on": "2026-03-01", "ends_on": "2026-12-31"}, 400, "ends_on"),
        ({"starts_on": "2026-03-01", "ends_on": "3000-01-01"}, 422, "ends_on"),
        ({"starts_on": "2026-03-01", "ends_on": "2026-03-02", "name": ""}, 422, "name"),
        ({"starts_on": "2026-03-01", "ends_on": "2026-03-02", "unit": 0}, 422, "unit"),
    ],
)
def test_bad_periods_are_refused_and_nothing_saved(world, api, body, status, field):
    data = {"unit": world.township.pk, "name": "值班", **body}
    response = post(api("office"), "/api/duty/rosters", data)
    code = "validation_failed"
    assert field in assert_error(response, status, code)["errors"]
    assert not Roster.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"start_time": "8:30"}, "start_time"),
        ({"end_time": "24:00"}, "end_time"),
        ({"days": "weekends"}, "days"),
        ({"leaders_required": 11}, "leaders_required"),
    ],
)
def test_bad_templates_are_422(world, api, body, field):
    roster = roster_create(
        actor=world.user("office"),
        unit=world.township,
        name="x",
        starts_on=datetime.date(2026, 3, 1),
        ends_on=datetime.date(2026, 3, 2),
    )
    data = {"name": "白班", "start_time": "08:30", "end_time": "17:30", **body}
    response = post(api("office"), f"/api/duty/rosters/{roster.pk}/templates", data)
    assert field in assert_error(response, 422, "validation_failed")["errors"]
    assert not ShiftTemplate.objects.exists()


def test_a_template_needing_nobody_is_400(world, api):
    roster = roster_create(
        actor=world.user("office"),
        unit=world.township,
        name="x",
        starts_on=datetime.date(2026, 3, 1),
        ends_on=datetime.date(2026, 3, 2),
    )
    response = post(
        api("office"),
        f"/api/duty/rosters/{roster.pk}/templates",
        {
            "name": "白班",
            "start_time": "08:30",
            "end_time": "17:30",
            "leaders_required": 0,
            "officers_required": 0,
        },
    )
    assert "officers_required" in assert_error(response, 400, "validation_failed")["errors"]


def test_pools_are_people_of_the_unit_in_the_callers_scope(world, people, api):
    leaders, _officers = people
    roster = roster_create(
        actor=world.user("office"),
        unit=world.township,
        name="x",
        starts_on=datetime.date(2026, 3, 1),
        ends_on=datetime.date(2026, 3, 2),
    )
    url = f"/api/duty/rosters/{roster.pk}/pool/leader"
    stranger = staff(world, "sq", ("钱进",), Role.LEADER, unit=world.other_township)[0]
    assert_error(put(api("office"), url, {"people": [leaders[0].pk, stranger.pk]}), 404, "not_found")
    # The county administrator sees them, but the other township's leader does not work in HB.
    assert (
        "people"
        in assert_error(put(api("admin"), url, {"people": [stranger.pk]}), 400, "validation_failed")["errors"]
    )
    twice = put(api("office"), url, {"people": [leaders[0].pk, leaders[0].pk]})
    assert "people" in assert_error(twice, 400, "validation_failed")["errors"]
    assert_error(put(api("office"), url.replace("leader", "boss"), {"people": []}), 422, "validation_failed")
    assert_error(put(api("leader"), url, {"people": [leaders[0].pk]}), 403, "permission_denied")
    assert not roster.members.exists()
    assert (
        ok(put(api("office"), url, {"people": [leaders[1].pk, leaders[0].pk]}))[0]["person"]["id"]
        == leaders[1].pk
    )


def test_another_townships_roster_is_404(world, people, api):
    other = roster_create(
        actor=world.user("admin"),
        unit=world.other_township,
        name="石桥镇值班",
        starts_on=datetime.date(2026, 3, 1),
        ends_on=datetime.date(2026, 3, 2),
    )
    shift_template_add(
        actor=world.user("admin"), roster=other, name="全天", start_time=t("08:30"), end_time=t("08:30")
    )
    office = api("office")
    for url in ("", "/coverage", "/fairness"):
        assert_error(office.get(f"/api/duty/rosters/{other.pk}{url}"), 404, "not_found")
    assert_error(post(office, f"/api/duty/rosters/{other.pk}/generate"), 404, "not_found")
    assert_error(put(office, f"/api/duty/rosters/{other.pk}/pool/leader", {"people": []}), 404, "not_found")
    assert_error(
        post(
            office,
            f"/api/duty/rosters/{other.pk}/templates",
            {"name": "x", "start_time": "09:00", "end_time": "10:00"},
        ),
        404,
        "not_found",
    )
    assert_error(office.get("/api/duty/rosters", {"unit": world.other_township.pk}), 404, "not_found")
    assert ok(office.get("/api/duty/rosters"))["count"] == 0
    assert ok(api("admin").get("/api/duty/rosters", {"unit": world.other_township.pk}))["count"] == 1
    body = {"unit": world.other_township.pk, "name": "x", "starts_on": "2026-03-01", "ends_on": "2026-03-02"}
    assert_error(post(office, "/api/duty/rosters", body), 404, "not_found")
    assert Roster.objects.count() == 1


@pytest.mark.parametrize(
    "url", ["/api/duty/rosters/0", "/api/duty/shifts/9223372036854775808", "/api/duty/shifts/x"]
)
def test_ids_out_of_range_are_422_not_500(world, api, url):
    assert_error(api("office").get(url), 422, "validation_failed")


def test_an_unknown_id_is_404(world, api):
    office = api("office")
    for url in ("/api/duty/rosters/999999", "/api/duty/shifts/999999", "/api/duty/shifts/999999/log"):
        assert_error(office.get(url), 404, "not_found")
    assert_error(office.delete("/api/duty/assignments/999999"), 404, "not_found")
    assert_error(post(office, "/api/duty/swaps/999999/decision", {"approve": True}), 404, "not_found")


# --- hand edits and leave -------------------------------------------------------------------------


def test_leave_then_a_hand_edit_on_leave_is_400(world, people, api):
    leaders, officers = people
    office = api("office")
    entered = ok(
        post(
            office,
            "/api/duty/leave",
            {"person": leaders[0].pk, "starts_on": "2026-03-01", "ends_on": "2026-03-10", "reason": "年休假"},
        ),
        201,
    )
    assert entered["person"]["name"] == "刘强" and entered["reason"] == "年休假"
    roster = special_period(world, leaders, officers)
    roster_generate(actor=world.user("office"), roster=roster)
    shift = shift_on(roster, "2026-03-05")
    before = ShiftAssignment.objects.count()
    response = post(
        office, f"/api/duty/shifts/{shift.pk}/assignments", {"position": "leader", "person": leaders[0].pk}
    )
    assert "person" in assert_error(response, 400, "validation_failed")["errors"]
    assert ShiftAssignment.objects.count() == before
    # Leave ending before it starts; for someone out of scope; by a role that does not keep rosters.
    backwards = {"person": leaders[0].pk, "starts_on": "2026-03-10", "ends_on": "2026-03-01"}
    assert (
        "ends_on"
        in assert_error(post(office, "/api/duty/leave", backwards), 400, "validation_failed")["errors"]
    )
    stranger = staff(world, "sq", ("钱进",), Role.OFFICE, unit=world.other_township)[0]
    assert_error(post(office, "/api/duty/leave", {**backwards, "person": stranger.pk}), 404, "not_found")
    mine = {"person": world.user("leader").pk, "starts_on": "2026-03-01", "ends_on": "2026-03-02"}
    assert_error(post(api("leader"), "/api/duty/leave", mine), 403, "permission_denied")
    assert Leave.objects.count() == 1
    # The office lists its staff's leave; everyone else only their own.
    assert [row["id"] for row in ok(office.get("/api/duty/leave"))["items"]] == [entered["id"]]
    assert ok(office.get("/api/duty/leave", {"from": "2026-03-11"}))["count"] == 0
    assert ok(office.get("/api/duty/leave", {"person": leaders[1].pk}))["count"] == 0
    assert ok(api("leader").get("/api/duty/leave"))["count"] == 0
    assert ok(api(leaders[0]).get("/api/duty/leave"))["count"] == 1


def test_hand_edits_and_their_removal(world, roster, people, api):
    _leaders, officers = people
    office = api("office")
    shift = shift_on(roster, "2026-03-05")
    busy = set(
        ShiftAssignment.objects.filter(starts_at__lt=shift.ends_at, ends_at__gt=shift.starts_at).values_list(
            "person_id", flat=True
        )
    )
    spare = next(p for p in officers if p.pk not in busy)
    added = ok(
        post(office, f"/api/duty/shifts/{shift.pk}/assignments", {"position": "officer", "person": spare.pk}),
        201,
    )
    assert added["source"] == "manual" and added["signed_on_at"] is None and added["shift_id"] == shift.pk
    coverage = ok(office.get(f"/api/duty/rosters/{roster.pk}/coverage"))
    assert [(o["shift_id"], o["position"], o["assigned"]) for o in coverage["overstaffed"]] == [
        (shift.pk, "officer", 3)
    ]
    assert len(coverage["problems"]) == 1 + len(coverage["short_rest"])
    again = post(
        office, f"/api/duty/shifts/{shift.pk}/assignments", {"position": "officer", "person": spare.pk}
    )
    assert_error(again, 400, "validation_failed")
    assert_error(api("leader").delete(f"/api/duty/assignments/{added['id']}"), 403, "permission_denied")
    assert office.delete(f"/api/duty/assignments/{added['id']}").status_code == 204
    assert not ShiftAssignment.objects.filter(pk=added["id"]).exists()


# --- swaps -----------------------------------------------------------------------------------------


def test_a_swap_with_someone_not_in_the_pool_is_400(world, roster, api):
    given = holder(shift_on(roster, "2026-03-10"))
    assignment = ShiftAssignment.objects.get(shift__on_date=datetime.date(2026, 3, 10), person=given)
    response = post(
        api("office"),
        f"/api/duty/assignments/{assignment.pk}/swaps",
        {"to_person": world.user("mediator").pk},
    )
    assert "person" in assert_error(response, 400, "validation_failed")["errors"]
    assert not SwapRequest.objects.exists()


def test_a_swap_asked_by_the_officer_and_decided_by_the_office(world, roster, api):
    mine = ShiftAssignment.objects.filter(shift__roster=roster, position=Position.OFFICER).order_by(
        "starts_at"
    )[0]
    theirs = (
        ShiftAssignment.objects.filter(
            shift__roster=roster, position=Position.OFFICER, starts_at__gte=at("2026-03-12", 0)
        )
        .exclude(person=mine.person)
        .exclude(shift__assignments__person=mine.person)
        .order_by("starts_at")
        .first()
    )
    assert theirs is not None
    body = {"to_person": theirs.person_id, "counterpart": theirs.pk, "reason": "家中有事"}
    url = f"/api/duty/assignments/{mine.pk}/swaps"
    assert_error(post(api("leader"), url, body), 403, "permission_denied")
    assert_error(post(api("reporter"), url, body), 404, "not_found")
    asked = ok(post(api(mine.person), url, body), 201)
    assert (asked["kind"], asked["status"], asked["counterpart"]["id"]) == ("swap", "pending", theirs.pk)
    assert_error(post(api(mine.person), url, body), 409, "conflict")
    decision = f"/api/duty/swaps/{asked['id']}/decision"
    assert_error(post(api(mine.person), decision, {"approve": True}), 403, "permission_denied")
    assert_error(post(api("office"), decision, {}), 422, "validation_failed")
    decided = ok(post(api("office"), decision, {"approve": True}))
    assert decided["status"] == "approved" and decided["decided_by"] == "王小红"
    assert decided["assignment"]["person"]["id"] == theirs.person_id
    assert decided["counterpart"]["person"]["id"] == mine.person_id
    assert_error(post(api("office"), decision, {"approve": False}), 409, "invalid_transition")


# --- publishing ------------------------------------------------------------------------------------


def test_publishing_with_gaps_is_409_then_confirmed_with_a_reason(world, roster, api):
    office = api("office")
    shift = shift_on(roster, "2026-03-07")
    removed = shift.assignments.filter(position=Position.OFFICER).order_by("id")[0]
    assert office.delete(f"/api/duty/assignments/{removed.pk}").status_code == 204
    url = f"/api/duty/rosters/{roster.pk}/publish"
    refused = assert_error(post(office, url), 409, "gaps")
    assert len(refused["errors"]["__all__"]) == 1
    coverage = ok(office.get(f"/api/duty/rosters/{roster.pk}/coverage"))
    assert coverage["problems"] == refused["errors"]["__all__"]
    assert [
        (u["shift_id"], u["position"], u["required"], u["assigned"]) for u in coverage["understaffed"]
    ] == [(shift.pk, "officer", 2, 1)]
    assert (
        "note" in assert_error(post(office, url, {"confirm_gaps": True}), 400, "validation_failed")["errors"]
    )
    assert_error(post(api("leader"), url, {"confirm_gaps": True, "note": "x"}), 403, "permission_denied")
    roster.refresh_from_db()
    assert roster.status == "draft"
    published = ok(post(office, url, {"confirm_gaps": True, "note": "一名值班员临时抽调，由镇长兼任"}))
    assert published["status"] == "published"
    assert published["published_with_gaps"] == refused["errors"]["__all__"]
    assert published["gaps_note"] == "一名值班员临时抽调，由镇长兼任"
    assert ok(office.get("/api/duty/rosters", {"status": "published"}))["count"] == 1


def test_gaps_in_the_day_are_listed(world, people, api):
    leaders, officers = people
    office = world.user("office")
    roster = roster_create(
        actor=office,
        unit=world.township,
        name="白天值班",
        starts_on=datetime.date(2026, 3, 2),
        ends_on=datetime.date(2026, 3, 2),
    )
    shift_template_add(actor=office, roster=roster, name="白班", start_time=t("08:30"), end_time=t("17:30"))
    coverage = ok(api("office").get(f"/api/duty/rosters/{roster.pk}/coverage"))
    assert coverage["ok"] is False and len(coverage["gaps"]) == 1
    url = f"/api/duty/rosters/{roster.pk}/generate"
    assert_error(post(api("office"), url), 400, "validation_failed")  # no pool yet
    assert not Shift.objects.filter(roster=roster).exists()


# --- the duty desk --------------------------------------------------------------------------------


def test_sign_on_only_for_ones_own_shift_and_once(world, roster, clock, api):
    first = shift_on(roster, "2026-03-01")
    me = holder(first)
    url = f"/api/duty/shifts/{first.pk}/sign-on"
    clock.move_to(at("2026-03-01", 7))
    assert_error(post(api(me), url), 400, "validation_failed")  # opens an hour before 08:30
    clock.move_to(at("2026-03-01", 8, 20))
    assert_error(post(api("leader"), url), 403, "permission_denied")  # not on this shift
    assert_error(post(api("oversight"), url), 403, "permission_denied")
    assert_error(post(api("reporter"), url), 404, "not_found")
    assert not SignOn.objects.exists()
    signed = ok(post(api(me), url), 201)
    assert parse(signed["signed_at"]) == at("2026-03-01", 8, 20) and signed["shift_id"] == first.pk
    assert_error(post(api(me), url), 409, "already_signed_on")
    assert SignOn.objects.count() == 1
    detail = ok(api("office").get(f"/api/duty/shifts/{first.pk}"))
    signed_on = {a["person"]["id"]: a["signed_on_at"] for a in detail["assignments"]}
    assert parse(signed_on.pop(me.pk)) == at("2026-03-01", 8, 20)
    assert set(signed_on.values()) == {None}
    listed = ok(api(me).get("/api/duty/shifts", {"mine": "true", "from": "2026-03-01", "to": "2026-03-01"}))
    assert [s["id"] for s in listed["items"]] == [first.pk]
    mine = next(a for a in listed["items"][0]["assignments"] if a["person"]["id"] == me.pk)
    assert parse(mine["signed_on_at"]) == at("2026-03-01", 8, 20)


def test_the_log_is_append_only_and_open_items_are_carried_at_handover(world, roster, clock, api):
    first, second = shift_on(roster, "2026-03-01"), shift_on(roster, "2026-03-02")
    me = holder(first)
    log = f"/api/duty/shifts/{first.pk}/log"
    clock.move_to(at("2026-03-01", 10))
    call = ok(post(api(me), log, {"kind": "call", "text": "河东村来电：3组道路塌方", "is_open": True}), 201)
    assert call["author"] == me.full_name and call["is_open"] is True
    assert parse(call["occurred_at"]) == at("2026-03-01", 10)
    wrong = ok(
        post(api(me), log, {"kind": "event", "text": "已通知交管站", "occurred_at": "2026-03-01T09:45:00"}),
        201,
    )
    assert parse(wrong["occurred_at"]) == at("2026-03-01", 9, 45)  # no offset: Beijing time
    assert (
        "corrects"
        in assert_error(post(api(me), log, {"kind": "correction", "text": "更正"}), 400, "validation_failed")[
            "errors"
        ]
    )
    fix = ok(
        post(api(me), log, {"kind": "correction", "text": "应为：已通知公路站", "corrects": wrong["id"]}), 201
    )
    assert fix["corrects_id"] == wrong["id"]
    assert_error(post(api("leader"), log, {"kind": "note", "text": "x"}), 403, "permission_denied")
    future = {"kind": "note", "text": "x", "occurred_at": "2026-03-01T18:00:00+08:00"}
    assert "occurred_at" in assert_error(post(api(me), log, future), 400, "validation_failed")["errors"]
    # Entries are never changed or removed: there is no route to do so.
    assert api(me).put(log, data="{}", content_type="application/json").status_code == 405
    assert api(me).delete(log).status_code == 405
    assert api("office").patch(log, data="{}", content_type="application/json").status_code == 405
    schema = Client().get("/api/schema").json()["paths"]["/api/duty/shifts/{shift_id}/log"]
    assert set(schema) == {"get", "post"}
    entries = ok(api("oversight").get(log))
    assert [(e["kind"], e["text"]) for e in entries] == [
        ("call", "河东村来电：3组道路塌方"),
        ("event", "已通知交管站"),
        ("correction", "应为：已通知公路站"),
    ]
    # The entry written in error stays as it was.
    assert DutyLogEntry.objects.get(pk=wrong["id"]).text == "已通知交管站"

    clock.move_to(at("2026-03-02", 8, 20))
    handover_url = f"/api/duty/shifts/{first.pk}/handover"
    assert_error(
        post(api(me), handover_url, {"summary": "x", "carry": [fix["id"]]}), 400, "validation_failed"
    )
    handed = ok(post(api(me), handover_url, {"summary": "夜间平稳；塌方处置未完，请跟进。"}), 201)
    assert handed["next_shift_id"] == second.pk and handed["carried"] == [call["id"]]
    assert handed["handed_over_by"] == me.full_name
    assert_error(post(api(me), handover_url, {"summary": "again"}), 409, "already_handed_over")
    assert Handover.objects.count() == 1

    # The next shift sees the carried item and closes it.
    nxt = holder(second)
    detail = ok(api(nxt).get(f"/api/duty/shifts/{second.pk}"))
    assert [e["id"] for e in detail["open_items"]] == [call["id"]]
    assert [h["id"] for h in detail["handovers_received"]] == [handed["id"]]
    clock.move_to(at("2026-03-02", 11))
    closed = post(
        api(nxt),
        f"/api/duty/shifts/{second.pk}/log",
        {"kind": "action", "text": "公路站已抢通", "resolves": call["id"]},
    )
    assert ok(closed, 201)["resolves_id"] == call["id"]
    assert ok(api(nxt).get(f"/api/duty/shifts/{second.pk}"))["open_items"] == []
    first_detail = ok(api("office").get(f"/api/duty/shifts/{first.pk}"))
    assert [e["id"] for e in first_detail["log"]] == [call["id"], wrong["id"], fix["id"]]


def test_log_references_out_of_scope_are_404(world, roster, clock, api):
    first = shift_on(roster, "2026-03-01")
    clock.move_to(at("2026-03-01", 10))
    url = f"/api/duty/shifts/{first.pk}/log"
    assert_error(
        post(api("office"), url, {"kind": "correction", "text": "x", "corrects": 999999}), 404, "not_found"
    )
    assert_error(
        post(api("office"), url, {"kind": "action", "text": "x", "resolves": 999999}), 404, "not_found"
    )
    assert_error(post(api("office"), url, {"kind": "gossip", "text": "x"}), 422, "validation_failed")
    assert not DutyLogEntry.objects.exists()


def test_shift_list_filters(world, roster, api):
    office = api("office")

    def listed(**params: Any) -> list[dict[str, Any]]:
        return list(ok(office.get("/api/duty/shifts", {"page_size": 100, **params}))["items"])

    days = listed(**{"from": "2026-03-05", "to": "2026-03-06"})
    assert [s["on_date"] for s in days] == ["2026-03-05", "2026-03-06"]
    assert parse(days[0]["starts_at"]) == at("2026-03-05", 8, 30)
    assert days[0]["name"] == "全天" and days[0]["roster"]["id"] == roster.pk
    assert [a["position"] for a in days[0]["assignments"]] == ["leader", "officer", "officer"]
    assert len(listed(**{"from": "2026-03-19"})) == 2 and len(listed(to="2026-03-01")) == 1
    assert len(listed(roster=roster.pk)) == 20 and listed(roster=roster.pk + 1) == []
    assert len(listed(unit=world.township.pk)) == 20 and listed(unit=world.village.pk) == []
    assert listed(mine="true") == []
    assert ok(api("reporter").get("/api/duty/shifts"))["count"] == 0
    backwards = office.get("/api/duty/shifts", {"from": "2026-03-06", "to": "2026-03-05"})
    assert "to" in assert_error(backwards, 400, "validation_failed")["errors"]
    assert_error(office.get("/api/duty/shifts", {"from": "0001-01-01"}), 422, "validation_failed")
    assert_error(office.get("/api/duty/shifts", {"unit": world.other_township.pk}), 404, "not_found")


# --- reception days --------------------------------------------------------------------------------


def test_reception_create_publish_link_and_cancel(world, clock, api):
    office = api("office")
    body = {
        "unit": world.township.pk,
        "leader": world.user("leader").pk,
        "on_date": "2026-02-25",
        "start_time": "14:00",
        "end_time": "17:00",
        "place": "镇政府一楼 接访室",
        "topic": "土地征收",
    }
    created = ok(post(office, "/api/duty/receptions", body), 201)
    assert (created["place"], created["start_time"], created["end_time"]) == (
        "镇政府一楼 接访室",
        "14:00",
        "17:00",
    )
    assert created["leader"]["name"] == "李建国" and created["is_published"] is False
    assert (
        "leader"
        in assert_error(post(office, "/api/duty/receptions", body), 400, "validation_failed")["errors"]
    )
    not_a_leader = {**body, "leader": world.user("mediator").pk, "start_time": "09:00", "end_time": "10:00"}
    assert (
        "leader"
        in assert_error(post(office, "/api/duty/receptions", not_a_leader), 400, "validation_failed")[
            "errors"
        ]
    )
    backwards = {**body, "start_time": "18:00"}
    assert (
        "end_time"
        in assert_error(post(office, "/api/duty/receptions", backwards), 400, "validation_failed")["errors"]
    )
    assert_error(
        post(office, "/api/duty/receptions", {**body, "start_time": "2pm"}), 422, "validation_failed"
    )
    assert_error(
        post(api("leader"), "/api/duty/receptions", {**body, "on_date": "2026-02-26"}),
        403,
        "permission_denied",
    )
    assert ReceptionDay.objects.count() == 1

    url = f"/api/duty/receptions/{created['id']}"
    assert ok(post(office, f"{url}/publish", {"publish": True}))["is_published"] is True
    clock.move_to(at("2026-02-25", 15))
    visit, _code = register(world.user("office"), world.township)
    letter, _code = register(world.user("office"), world.township, channel=IntakeChannel.LETTER)
    linked = ok(post(office, f"{url}/petitions", {"petition": visit.pk}))
    assert linked["petitions"] == [visit.pk]
    assert (
        "petition"
        in assert_error(post(office, f"{url}/petitions", {"petition": letter.pk}), 400, "validation_failed")[
            "errors"
        ]
    )
    assert_error(post(office, f"{url}/petitions", {"petition": 999999}), 404, "not_found")
    assert_error(post(api("reporter"), f"{url}/petitions", {"petition": visit.pk}), 404, "not_found")

    listed = ok(api("oversight").get("/api/duty/receptions", {"from": "2026-02-25"}))
    assert [(r["id"], r["petitions"]) for r in listed["items"]] == [(created["id"], [visit.pk])]
    assert ok(office.get("/api/duty/receptions", {"from": "2026-02-26"}))["count"] == 0
    assert ok(api("reporter").get("/api/duty/receptions"))["count"] == 0

    cancelled = ok(post(office, f"{url}/cancel"))
    assert cancelled["is_cancelled"] is True
    assert_error(post(office, f"{url}/cancel"), 409, "invalid_transition")
    assert_error(post(office, f"{url}/publish", {"publish": False}), 409, "invalid_transition")


# --- query counts ---------------------------------------------------------------------------------


def _grow_rosters(world: World, n: int) -> None:
    """``n`` more generated rosters of two days each, in periods of their own, with a pending swap."""
    leaders, officers = (
        list(User.objects.filter(username__startswith="ld")),
        list(User.objects.filter(username__startswith="of")),
    )
    office = world.user("office")
    for _i in range(n):
        first = datetime.date(2026, 4, 1) + datetime.timedelta(days=3 * Roster.objects.count())
        roster = special_period(
            world,
            leaders,
            officers,
            starts_on=first.isoformat(),
            ends_on=(first + datetime.timedelta(days=1)).isoformat(),
            name=f"值班{first}",
        )
        roster_generate(actor=office, roster=roster)
        given = ShiftAssignment.objects.filter(shift__roster=roster, position=Position.OFFICER).order_by(
            "id"
        )[0]
        busy = ShiftAssignment.objects.filter(starts_at__lt=given.ends_at, ends_at__gt=given.starts_at)
        free = next(p for p in officers if not busy.filter(person=p).exists())
        swap_request(actor=office, assignment=given, to_person=free)
        leave_add(
            actor=office,
            person=free,
            starts_on=first + datetime.timedelta(days=20),
            ends_on=first + datetime.timedelta(days=21),
        )
        reception_create(
            actor=office,
            unit=world.township,
            leader=world.user("leader"),
            on_date=first,
            start_time=t("09:00"),
            end_time=t("11:00"),
            place="接访室",
        )


def _count(client: Client, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    body = response.json()
    rows = body.get("count", len(body)) if isinstance(body, dict) else len(body)
    return len(ctx.captured_queries), rows


@pytest.mark.parametrize(
    "url",
    [
        "/api/duty/rosters",
        "/api/duty/shifts",
        "/api/duty/shifts?from=2026-04-01&to=2026-06-30",
        "/api/duty/swaps?status=pending",
        "/api/duty/receptions",
        "/api/duty/leave",
    ],
)
@pytest.mark.parametrize("role", ["office", "leader", "admin"])
def test_list_query_counts_are_constant(world, people, api, url, role):
    _grow_rosters(world, 1)
    client = api(role)
    _count(client, url)  # warm-up
    few, few_rows = _count(client, url)
    _grow_rosters(world, 4)
    many, many_rows = _count(client, url)
    assert many_rows > few_rows or role == "leader" and url == "/api/duty/leave"
    assert many == few


def test_roster_checks_read_a_fixed_number_of_queries(world, people, api):
    leaders, officers = people
    short = special_period(world, leaders, officers, starts_on="2026-03-01", ends_on="2026-03-03")
    long = special_period(world, leaders, officers, starts_on="2026-04-01", ends_on="2026-04-20")
    roster_generate(actor=world.user("office"), roster=short)
    roster_generate(actor=world.user("office"), roster=long)
    client = api("office")
    for check in ("coverage", "fairness", ""):
        _count(client, f"/api/duty/rosters/{short.pk}/{check}".rstrip("/"))
        few, _rows = _count(client, f"/api/duty/rosters/{short.pk}/{check}".rstrip("/"))
        many, _rows = _count(client, f"/api/duty/rosters/{long.pk}/{check}".rstrip("/"))
        assert many == few, check
