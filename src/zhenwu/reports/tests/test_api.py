"""The reports REST API: submitting and zero reports, refusals and conflicts, the slot lists, the summary
and the grid as JSON, form versions, schedules, and constant query counts on every list.

Requests carry a personal token (the clock moves by days here, past any session's age)."""

import datetime
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from zhenwu.core.services.tokens import token_create
from zhenwu.reports.models import DeadlineSet, ReportSchedule, ReportSlot, ReportSubmission, ReportType
from zhenwu.reports.services import report_submit, report_type_change_form
from zhenwu.reports.tests.factories import DAILY_FIELDS, at, daily_schedule, daily_type, values
from zhenwu.testing.world import World

pytestmark = pytest.mark.django_db

Api = Callable[[str], Client]


@pytest.fixture
def api(world: World) -> Api:
    """A client per role, authenticated by a token of that role's user."""
    clients: dict[str, Client] = {}

    def client(role: str) -> Client:
        if role not in clients:
            _token, key = token_create(actor=world.user(role), name="测试")
            clients[role] = Client(headers={"Authorization": f"Bearer {key}"})
        return clients[role]

    return client


@pytest.fixture
def schedule(world: World) -> ReportSchedule:
    return daily_schedule(world.user("office"), world.township, [world.village, world.village2])


def post(client: Client, url: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(url, data=json.dumps(data or {}), content_type="application/json")


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "message", "errors"}
    assert body["code"] == code and body["message"]
    return body


def slot_at(schedule: ReportSchedule, unit: Any, day: str, hour: int) -> ReportSlot:
    return ReportSlot.objects.get(schedule=schedule, unit=unit, due_at=at(day, hour))


def submit_url(slot: ReportSlot) -> str:
    return f"/api/reports/slots/{slot.pk}/submission"


def parse(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text)


# --- submitting -----------------------------------------------------------------------------------


def test_submit_amend_and_zero_report(world, schedule, clock, api):
    nine = slot_at(schedule, world.village, "2026-02-25", 9)
    clock.move_to(at("2026-02-25", 8))
    created = post(api("reporter"), submit_url(nine), {"values": values(losses="1.5", other=" 井盖缺失 ")})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["kind"] == "original" and body["revision"] == 1 and body["form_version"] == 1
    assert body["is_zero"] is False and body["submitted_by"] == "张明"
    assert body["values"]["losses"] == "1.50" and body["values"]["other"] == "井盖缺失"
    assert parse(body["submitted_at"]) == at("2026-02-25", 8)

    # Before the deadline the report is amended in place: 200, same row, next revision.
    clock.move_to(at("2026-02-25", 8, 30))
    amended = post(api("reporter"), submit_url(nine), {"values": values(hazards=3), "expected_revision": 1})
    assert amended.status_code == 200, amended.content
    assert amended.json()["id"] == body["id"] and amended.json()["revision"] == 2

    five = slot_at(schedule, world.village, "2026-02-25", 17)
    clock.move_to(at("2026-02-25", 9, 30))
    zero = post(api("reporter"), submit_url(five), {"is_zero": True})
    assert zero.status_code == 201, zero.content
    assert zero.json()["is_zero"] is True and zero.json()["values"] == {}

    detail = api("reporter").get(f"/api/reports/slots/{five.pk}").json()
    assert detail["state"] == "on_time" and detail["late_minutes"] == 0 and detail["is_zero"] is True
    assert detail["submission"]["is_zero"] is True and detail["form"]["number"] == 1
    assert [f["key"] for f in detail["form"]["fields"]] == [f["key"] for f in DAILY_FIELDS]


def test_late_report_and_correction_history(world, schedule, clock, api):
    nine = slot_at(schedule, world.village, "2026-02-25", 9)
    clock.move_to(at("2026-02-25", 9, 20, 30))
    late = post(api("reporter"), submit_url(nine), {"values": values()})
    assert late.status_code == 201
    slot = api("reporter").get(f"/api/reports/slots/{nine.pk}").json()
    assert slot["state"] == "late" and slot["late_minutes"] == 21
    # After the deadline a change is a correction and needs its reason.
    no_reason = post(
        api("reporter"), submit_url(nine), {"values": values(incidents=1), "expected_revision": 1}
    )
    assert "note" in assert_error(no_reason, 400, "validation_failed")["errors"]
    correction = post(
        api("reporter"),
        submit_url(nine),
        {"values": values(incidents=1), "expected_revision": 1, "note": "漏报一起交通事故"},
    )
    assert correction.status_code == 201, correction.content
    assert correction.json()["kind"] == "correction" and correction.json()["corrects_id"] == late.json()["id"]
    history = api("office").get(f"/api/reports/slots/{nine.pk}/submissions").json()
    assert [(s["revision"], s["kind"], s["is_current"]) for s in history] == [
        (2, "correction", True),
        (1, "original", False),
    ]
    assert history[1]["values"]["incidents"] == 0


@pytest.mark.parametrize(
    ("given", "field"),
    [
        (values(incidents=-1), "incidents"),
        (values(hazards="1.5"), "hazards"),
        ({**values(), "surprise": 1}, "__all__"),
        ({k: v for k, v in values().items() if k != "hazards"}, "hazards"),
    ],
)
def test_bad_values_are_400_per_field_and_nothing_saved(world, schedule, clock, api, given, field):
    nine = slot_at(schedule, world.village, "2026-02-25", 9)
    clock.move_to(at("2026-02-25", 8))
    body = assert_error(post(api("reporter"), submit_url(nine), {"values": given}), 400, "validation_failed")
    assert field in body["errors"]
    assert not ReportSubmission.objects.exists()
    nine.refresh_from_db()
    assert nine.submitted_at is None and nine.revision == 0


def test_values_of_the_wrong_shape_are_422(world, schedule, clock, api):
    nine = slot_at(schedule, world.village, "2026-02-25", 9)
    clock.move_to(at("2026-02-25", 8))
    assert_error(post(api("reporter"), submit_url(nine), {"values": [1, 2]}), 422, "validation_failed")
    assert_error(
        post(api("reporter"), submit_url(nine), {"values": values(), "expected_revision": -1}),
        422,
        "validation_failed",
    )
    assert not ReportSubmission.objects.exists()


def test_a_stale_form_version_is_409(world, schedule, clock, api):
    report_type_change_form(
        actor=world.user("office"),
        report_type=schedule.report_type,
        fields=[*DAILY_FIELDS, {"key": "fires", "label": "火情", "kind": "count"}],
        expected_version=1,
    )
    nine = slot_at(schedule, world.village, "2026-02-25", 9)
    clock.move_to(at("2026-02-25", 8))
    stale = post(api("reporter"), submit_url(nine), {"values": values(), "form_version": 1})
    assert_error(stale, 409, "form_changed")
    missing = post(api("reporter"), submit_url(nine), {"values": values(), "form_version": 2})
    assert "fires" in assert_error(missing, 400, "validation_failed")["errors"]
    assert not ReportSubmission.objects.exists()
    ok = post(api("reporter"), submit_url(nine), {"values": values(fires=0), "form_version": 2})
    assert ok.status_code == 201 and ok.json()["form_version"] == 2


def test_a_second_submission_on_the_same_form_is_409_and_changes_nothing(world, schedule, clock, api):
    nine = slot_at(schedule, world.village, "2026-02-25", 9)
    clock.move_to(at("2026-02-25", 8))
    # Both loaded the empty form (revision 0); the first save wins.
    assert post(api("reporter"), submit_url(nine), {"values": values(hazards=1)}).status_code == 201
    second = post(api("office"), submit_url(nine), {"values": values(hazards=5), "expected_revision": 0})
    body = assert_error(second, 409, "already_submitted")
    assert "张明" in body["message"]
    assert ReportSubmission.objects.filter(slot=nine).count() == 1
    assert ReportSubmission.objects.get(slot=nine).values["hazards"] == 1
    nine.refresh_from_db()
    assert nine.revision == 1


def test_another_villages_slot_is_404_and_a_role_without_submit_is_403(world, schedule, clock, api):
    theirs = slot_at(schedule, world.village2, "2026-02-25", 9)
    ours = slot_at(schedule, world.village, "2026-02-25", 9)
    clock.move_to(at("2026-02-25", 8))
    assert_error(post(api("reporter"), submit_url(theirs), {"values": values()}), 404, "not_found")
    assert_error(api("reporter").get(f"/api/reports/slots/{theirs.pk}"), 404, "not_found")
    assert_error(api("reporter").get(f"/api/reports/slots/{theirs.pk}/submissions"), 404, "not_found")
    assert_error(post(api("leader"), submit_url(ours), {"values": values()}), 403, "permission_denied")
    assert_error(post(api("oversight"), submit_url(ours), {"values": values()}), 403, "permission_denied")
    assert_error(post(api("reporter"), "/api/reports/slots/999999/submission", {}), 404, "not_found")
    assert not ReportSubmission.objects.exists()
    # The office enters a report on a village's behalf (a phone call to the office).
    assert post(api("office"), submit_url(theirs), {"values": values()}).status_code == 201


# --- slot lists ----------------------------------------------------------------------------------


def test_slot_list_filters_and_states(world, schedule, clock, api):
    clock.move_to(at("2026-02-25", 8))
    report_submit(
        actor=world.user("reporter"), slot=slot_at(schedule, world.village, "2026-02-25", 9), values=values()
    )
    clock.move_to(at("2026-02-25", 12))
    office = api("office")

    def listed(**params: Any) -> list[dict[str, Any]]:
        response = office.get("/api/reports/slots", {"day": "2026-02-25", **params})
        assert response.status_code == 200, response.content
        return list(response.json()["items"])

    day = listed()
    assert [(s["unit"]["code"], parse(s["due_at"])) for s in day] == [
        ("HB-01", at("2026-02-25", 9)),
        ("HB-02", at("2026-02-25", 9)),
        ("HB-01", at("2026-02-25", 17)),
        ("HB-02", at("2026-02-25", 17)),
    ]
    assert [s["state"] for s in day] == ["on_time", "missing", "open", "open"]
    assert [s["unit"]["code"] for s in listed(state="on_time")] == ["HB-01"]
    assert [s["unit"]["code"] for s in listed(state="missing")] == ["HB-02"]
    assert len(listed(state="open")) == 2 and listed(state="late") == []
    assert {s["unit"]["code"] for s in listed(unit=world.village2.pk)} == {"HB-02"}
    assert len(listed(schedule=schedule.pk)) == 4 and listed(schedule=schedule.pk + 1) == []
    window = listed(due_after="2026-02-25T12:00:00", due_before="2026-02-25T18:00:00+08:00")
    assert [parse(s["due_at"]) for s in window] == [at("2026-02-25", 17)] * 2

    # The late one: submitted at noon for the 09:00 deadline.
    report_submit(
        actor=world.user("office"), slot=slot_at(schedule, world.village2, "2026-02-25", 9), is_zero=True
    )
    late = listed(state="late")
    assert [(s["unit"]["code"], s["late_minutes"], s["is_zero"]) for s in late] == [("HB-02", 180, True)]

    # The reporter sees their village only; another township's unit is a 404; bad input is refused.
    mine = api("reporter").get("/api/reports/slots", {"day": "2026-02-25"}).json()
    assert mine["count"] == 2 and {s["unit"]["code"] for s in mine["items"]} == {"HB-01"}
    assert_error(office.get("/api/reports/slots", {"unit": world.other_village.pk}), 404, "not_found")
    assert_error(office.get("/api/reports/slots", {"state": "lost"}), 422, "validation_failed")
    assert_error(
        office.get(
            "/api/reports/slots", {"due_after": "2026-02-26T00:00:00", "due_before": "2026-02-25T00:00:00"}
        ),
        400,
        "validation_failed",
    )


@pytest.mark.parametrize(
    "query",
    [
        {"schedule": 10**20},
        {"unit": 0},
        {"day": "9999-12-31"},
        {"due_after": "0001-01-01T00:00:00"},
        {"state": "lost"},
    ],
)
def test_slot_list_input_out_of_range_is_422_not_500(world, api, query):
    assert_error(api("office").get("/api/reports/slots", query), 422, "validation_failed")


def test_due_list_is_what_the_reporter_must_report_now(world, schedule, clock, api):
    clock.move_to(at("2026-02-25", 10))
    due = api("reporter").get("/api/reports/slots/due")
    assert due.status_code == 200, due.content
    # 09:00 is overdue and still to report; 17:00 is open since 09:00. Nothing of HB-02.
    assert [(s["unit"]["code"], parse(s["due_at"]), s["state"]) for s in due.json()] == [
        ("HB-01", at("2026-02-25", 9), "missing"),
        ("HB-01", at("2026-02-25", 17), "open"),
    ]


# --- summary and grid ----------------------------------------------------------------------------


def test_summary_json_totals_and_unit_lists(world, schedule, clock, api):
    reporter, office = world.user("reporter"), world.user("office")
    clock.move_to(at("2026-02-25", 8))
    report_submit(
        actor=reporter,
        slot=slot_at(schedule, world.village, "2026-02-25", 9),
        values=values(hazards=2, disputes_received=3, losses="1.25", other="河堤有裂缝"),
    )
    clock.move_to(at("2026-02-25", 9, 5))
    report_submit(actor=office, slot=slot_at(schedule, world.village2, "2026-02-25", 9), is_zero=True)
    response = api("office").get(
        f"/api/reports/schedules/{schedule.pk}/summary", {"day": "2026-02-25", "due": "09:00"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["expected"] == 2 and parse(body["due_at"]) == at("2026-02-25", 9)
    totals = {f["key"]: f["total"] for f in body["fields"]}
    assert totals["hazards"] == 2 and totals["disputes_received"] == 3
    assert totals["losses"] == "1.25" and totals["duty_on_shift"] == 1 and totals["other"] is None
    assert [line["unit"]["name"] for line in body["reported"]] == ["河东村", "河西村"]
    assert [line["unit"]["name"] for line in body["zero"]] == ["河西村"]
    assert [(line["unit"]["id"], line["late_minutes"]) for line in body["late"]] == [(world.village2.pk, 5)]
    assert body["missing"] == [] and body["open"] == []
    assert [(t["unit"]["name"], t["label"], t["text"]) for t in body["texts"]] == [
        ("河东村", "其他情况", "河堤有裂缝")
    ]

    # The whole day at 18:00: both 17:00 reports are missing. The reporter sees their village only.
    clock.move_to(at("2026-02-25", 18))
    day = api("office").get(f"/api/reports/schedules/{schedule.pk}/summary", {"day": "2026-02-25"}).json()
    assert day["expected"] == 4 and day["due_at"] is None
    assert [line["unit"]["code"] for line in day["missing"]] == ["HB-01", "HB-02"]
    own = api("reporter").get(f"/api/reports/schedules/{schedule.pk}/summary", {"day": "2026-02-25"}).json()
    assert own["expected"] == 2 and {f["key"]: f["total"] for f in own["fields"]}["hazards"] == 2
    bad = api("office").get(
        f"/api/reports/schedules/{schedule.pk}/summary", {"day": "2026-02-25", "due": "9am"}
    )
    assert "due" in assert_error(bad, 422, "validation_failed")["errors"]


def test_grid_json(world, schedule, clock, api):
    clock.move_to(at("2026-02-25", 8))
    report_submit(
        actor=world.user("reporter"), slot=slot_at(schedule, world.village, "2026-02-25", 9), values=values()
    )
    clock.move_to(at("2026-02-26", 8))
    url = f"/api/reports/schedules/{schedule.pk}/grid"
    response = api("office").get(url, {"first": "2026-02-25", "last": "2026-02-26"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert [parse(c) for c in body["columns"]] == [
        at("2026-02-25", 9),
        at("2026-02-25", 17),
        at("2026-02-26", 9),
        at("2026-02-26", 17),
    ]
    east, west = body["rows"]
    assert east["unit"] == {"id": world.village.pk, "name": "河东村", "kind": "village"}
    assert [c["state"] for c in east["cells"]] == ["on_time", "missing", "open", "open"]
    assert east["cells"][0]["slot_id"] == slot_at(schedule, world.village, "2026-02-25", 9).pk
    assert (east["missing"], east["late"], west["missing"]) == (1, 0, 2)
    assert body["totals"] == {"on_time": 1, "late": 0, "missing": 3, "open": 4}
    # Only units of a kind; the reporter sees their own row; a range over 31 days is refused.
    assert (
        api("office").get(url, {"first": "2026-02-25", "last": "2026-02-26", "kind": "office"}).json()["rows"]
        == []
    )
    own = api("reporter").get(url, {"first": "2026-02-25", "last": "2026-02-26"}).json()
    assert [row["unit"]["name"] for row in own["rows"]] == ["河东村"]
    long = api("office").get(url, {"first": "2026-02-01", "last": "2026-03-05"})
    assert "last" in assert_error(long, 400, "validation_failed")["errors"]
    backwards = api("office").get(url, {"first": "2026-02-26", "last": "2026-02-25"})
    assert_error(backwards, 400, "validation_failed")


def test_grid_with_a_cell_left_empty_after_a_switch(world, schedule, clock, api):
    """A unit switched to three deadlines a day has cells where the others have none."""
    clock.move_to(at("2026-03-01", 12))
    switched = post(
        api("office"),
        f"/api/reports/schedules/{schedule.pk}/switch",
        {"effective_from": "2026-03-02", "times": ["09:00", "13:00", "17:00"], "unit": world.village.pk},
    )
    assert switched.status_code == 201, switched.content
    assert switched.json()["unit"]["code"] == "HB-01" and switched.json()["times"] == [
        "09:00",
        "13:00",
        "17:00",
    ]
    grid = (
        api("office")
        .get(f"/api/reports/schedules/{schedule.pk}/grid", {"first": "2026-03-02", "last": "2026-03-02"})
        .json()
    )
    assert len(grid["columns"]) == 3
    east, west = grid["rows"]
    assert all(cell is not None for cell in east["cells"]) and west["cells"][1] is None


# --- report types ---------------------------------------------------------------------------------


def test_type_create_version_bump_and_stale_version(world, api):
    office = api("office")
    created = post(
        office,
        "/api/reports/types",
        {"owner_unit": world.township.pk, "code": "daily", "name": "每日情况报告", "fields": DAILY_FIELDS},
    )
    assert created.status_code == 201, created.content
    type_id = created.json()["id"]
    assert created.json()["current_version"] == 1 and len(created.json()["fields"]) == len(DAILY_FIELDS)
    new_fields = [*DAILY_FIELDS, {"key": "fires", "label": "火情", "kind": "count", "help": "含山火"}]
    bumped = post(
        office, f"/api/reports/types/{type_id}/versions", {"fields": new_fields, "expected_version": 1}
    )
    assert bumped.status_code == 201, bumped.content
    assert bumped.json()["number"] == 2 and bumped.json()["created_by"] == "王小红"
    stale = post(
        office, f"/api/reports/types/{type_id}/versions", {"fields": DAILY_FIELDS, "expected_version": 1}
    )
    assert_error(stale, 409, "form_changed")
    detail = api("reporter").get(f"/api/reports/types/{type_id}").json()
    assert detail["current_version"] == 2 and [v["number"] for v in detail["versions"]] == [2, 1]
    assert detail["fields"][-1] == {
        "key": "fires",
        "label": "火情",
        "kind": "count",
        "required": True,
        "help": "含山火",
    }
    listed = api("leader").get("/api/reports/types").json()
    assert listed["count"] == 1 and listed["items"][0]["code"] == "daily"


def test_type_refusals(world, api):
    body = {"owner_unit": world.township.pk, "code": "daily", "name": "日报", "fields": DAILY_FIELDS}
    assert_error(post(api("leader"), "/api/reports/types", body), 403, "permission_denied")
    assert_error(post(api("reporter"), "/api/reports/types", body), 404, "not_found")
    bad_key = {**body, "fields": [{"key": "Bad Key", "label": "x", "kind": "count"}]}
    assert (
        "fields.1"
        in assert_error(post(api("office"), "/api/reports/types", bad_key), 400, "validation_failed")[
            "errors"
        ]
    )
    bad_kind = {**body, "fields": [{"key": "x", "label": "x", "kind": "colour"}]}
    assert_error(post(api("office"), "/api/reports/types", bad_kind), 422, "validation_failed")
    assert_error(post(api("office"), "/api/reports/types", {**body, "fields": []}), 400, "validation_failed")
    assert not ReportType.objects.exists()
    assert post(api("office"), "/api/reports/types", body).status_code == 201
    assert (
        "code"
        in assert_error(post(api("office"), "/api/reports/types", body), 400, "validation_failed")["errors"]
    )
    assert_error(api("office").get("/api/reports/types/999999"), 404, "not_found")


# --- schedules ------------------------------------------------------------------------------------


def schedule_body(world: World, kind: ReportType, **overrides: Any) -> dict[str, Any]:
    return {
        "owner_unit": world.township.pk,
        "report_type": kind.pk,
        "name": "两会期间每日报送",
        "starts_on": "2026-02-25",
        "ends_on": "2026-03-16",
        "times": ["17:00", "9:00"],
        "units": [world.village.pk, world.village2.pk],
        "webhook_url": "https://qyapi.example.cn/cgi-bin/webhook/send?key=secret",
        **overrides,
    }


def test_schedule_create_and_detail(world, api):
    report_type = daily_type(world.user("office"), world.township)
    created = post(api("office"), "/api/reports/schedules", schedule_body(world, report_type))
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["unit_ids"] == [world.village.pk, world.village2.pk]
    assert [(d["unit"], d["effective_from"], d["times"]) for d in body["deadline_sets"]] == [
        (None, "2026-02-25", ["09:00", "17:00"])
    ]
    assert body["has_webhook"] is True and "secret" not in created.content.decode()
    assert ReportSlot.objects.filter(schedule_id=body["id"]).count() == 20 * 2 * 2
    # The reporter sees the schedule their village reports under, and only their village in it.
    own = api("reporter").get(f"/api/reports/schedules/{body['id']}").json()
    assert own["unit_ids"] == [world.village.pk]
    listed = api("reporter").get("/api/reports/schedules", {"active_on": "2026-03-01"}).json()
    assert [s["id"] for s in listed["items"]] == [body["id"]]
    assert api("office").get("/api/reports/schedules", {"active_on": "2026-03-17"}).json()["count"] == 0
    assert (
        api("office").get("/api/reports/schedules", {"report_type": report_type.pk + 1}).json()["count"] == 0
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"starts_on": "2026-03-10", "ends_on": "2026-03-01"}, "ends_on"),
        ({"starts_on": "2026-02-01", "ends_on": "2026-02-10"}, "starts_on"),
        ({"times": ["25:00"]}, "times"),
        ({"day_rule": "weekly"}, "weekday"),
        ({"units": []}, "units"),
        ({"webhook_url": "not a url"}, "webhook_url"),
    ],
)
def test_bad_schedules_are_400_and_nothing_saved(world, api, overrides, field):
    report_type = daily_type(world.user("office"), world.township)
    response = post(api("office"), "/api/reports/schedules", schedule_body(world, report_type, **overrides))
    assert field in assert_error(response, 400, "validation_failed")["errors"]
    assert not ReportSchedule.objects.exists() and not ReportSlot.objects.exists()


def test_overlapping_schedule_is_400_and_nothing_saved(world, schedule, api):
    slots = ReportSlot.objects.count()
    body = schedule_body(
        world, schedule.report_type, starts_on="2026-03-16", ends_on="2026-03-20", units=[world.village.pk]
    )
    response = post(api("office"), "/api/reports/schedules", body)
    assert "河东村" in assert_error(response, 400, "validation_failed")["message"]
    assert ReportSchedule.objects.count() == 1 and ReportSlot.objects.count() == slots
    assert DeadlineSet.objects.count() == 1


def test_schedule_refusals(world, api):
    report_type = daily_type(world.user("office"), world.township)
    outside = schedule_body(world, report_type, units=[world.village.pk, world.other_village.pk])
    assert_error(post(api("office"), "/api/reports/schedules", outside), 404, "not_found")
    unknown_type = schedule_body(world, report_type, report_type=report_type.pk + 1)
    assert_error(post(api("office"), "/api/reports/schedules", unknown_type), 404, "not_found")
    assert_error(
        post(api("leader"), "/api/reports/schedules", schedule_body(world, report_type)),
        403,
        "permission_denied",
    )
    assert_error(
        post(api("office"), "/api/reports/schedules", schedule_body(world, report_type, weekday=7)),
        422,
        "validation_failed",
    )
    assert not ReportSchedule.objects.exists()


def test_switch_refusals(world, schedule, clock, api):
    url = f"/api/reports/schedules/{schedule.pk}/switch"
    clock.move_to(at("2026-03-01", 12))
    past = post(api("office"), url, {"effective_from": "2026-02-28", "times": ["10:00"]})
    assert "effective_from" in assert_error(past, 400, "validation_failed")["errors"]
    outside = post(
        api("office"),
        url,
        {"effective_from": "2026-03-02", "times": ["10:00"], "unit": world.other_village.pk},
    )
    assert_error(outside, 404, "not_found")
    not_in = post(
        api("office"), url, {"effective_from": "2026-03-02", "times": ["10:00"], "unit": world.township.pk}
    )
    assert "unit" in assert_error(not_in, 400, "validation_failed")["errors"]
    assert_error(
        post(api("reporter"), url, {"effective_from": "2026-03-02", "times": ["10:00"]}),
        403,
        "permission_denied",
    )
    assert DeadlineSet.objects.filter(schedule=schedule).count() == 1


# --- query counts ---------------------------------------------------------------------------------


def _more_types(world: World, n: int) -> None:
    for i in range(n):
        daily_type(world.user("office"), world.township, code=f"t{ReportType.objects.count()}_{i}")


def _more_schedules(world: World, n: int) -> None:
    for _i in range(n):
        report_type = daily_type(world.user("office"), world.township, code=f"s{ReportType.objects.count()}")
        daily_schedule(
            world.user("office"),
            world.township,
            [world.village, world.village2],
            report_type=report_type,
            times=("09:00",),
            ends_on="2026-02-26",
        )


def _count(client: Client, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    body = response.json()
    rows = body["count"] if isinstance(body, dict) else len(body)
    return len(ctx.captured_queries), rows


@pytest.mark.parametrize(
    ("url", "grow"),
    [
        ("/api/reports/types", _more_types),
        ("/api/reports/schedules", _more_schedules),
        ("/api/reports/slots", _more_schedules),
        ("/api/reports/slots?day=2026-02-25&state=missing", _more_schedules),
        ("/api/reports/slots/due", _more_schedules),
    ],
)
@pytest.mark.parametrize("role", ["office", "reporter", "admin"])
def test_list_query_counts_are_constant(world, clock, api, url, grow, role):
    _more_schedules(world, 1)
    clock.move_to(at("2026-02-25", 10))
    client = api(role)
    _count(client, url)  # warm-up
    few, few_rows = _count(client, url)
    grow(world, 6)
    many, many_rows = _count(client, url)
    assert many_rows > few_rows
    assert many == few
