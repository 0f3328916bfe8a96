"""Object-level authorization of reports: guessed slot and schedule IDs, lists and exports.

The village reporter of HB-01 guesses the IDs of HB-02's slots (same schedule as its own) and of
石桥镇's slots and schedule, on every page and API route that takes one; the HB office guesses
石桥镇's. Each answer is the one a nonexistent ID gets (zhenwu.testing.object_access), shows
nothing, and changes nothing: no report is saved in another unit's name.
"""

from typing import Any

import pytest

from zhenwu.reports.models import ReportSchedule, ReportSlot, ReportSubmission
from zhenwu.reports.tests.factories import at, values
from zhenwu.reports.tests.permission_table_staff import hb_schedule, sq_schedule
from zhenwu.testing.object_access import api, assert_hidden, body_of, client_for, get, post
from zhenwu.testing.world import World

SLOT_PROBES = [
    get("/reports/slots/{slot}/"),
    post("/reports/slots/{slot}/", {"form_version": "1", "expected_revision": "0", "v-incidents": "0"}),
    post("/reports/slots/{slot}/zero/", {"expected_revision": "0"}),
    api("GET", "/reports/slots/{slot}"),
    api("GET", "/reports/slots/{slot}/submissions"),
    api("GET", "/reports/slots/{slot}/prefill"),
    api("POST", "/reports/slots/{slot}/submission", {"values": values(), "form_version": 1}),
    api("POST", "/reports/slots/{slot}/submission", {"is_zero": True}),
]
SCHEDULE_PROBES = [
    get("/reports/schedules/{schedule}/"),
    get("/reports/schedules/{schedule}/grid/"),
    get("/reports/schedules/{schedule}/summary/"),
    get("/reports/schedules/{schedule}/summary.xlsx"),
    get("/reports/schedules/{schedule}/summary.docx"),
    post("/reports/schedules/{schedule}/summary/send/"),
    post("/reports/schedules/{schedule}/switch/", {"effective_from": "2026-03-01", "times": "10:00"}),
    api("GET", "/reports/schedules/{schedule}"),
    api("GET", "/reports/schedules/{schedule}/summary?day=2026-02-25"),
    api("GET", "/reports/schedules/{schedule}/grid?first=2026-02-25&last=2026-02-26"),
    api("POST", "/reports/schedules/{schedule}/switch", {"effective_from": "2026-03-01", "times": ["10:00"]}),
]


def _slot(schedule: ReportSchedule, unit: Any) -> ReportSlot:
    return ReportSlot.objects.get(schedule=schedule, unit=unit, due_at=at("2026-02-25", 9))


def _snapshot() -> list[Any]:
    return [
        ReportSubmission.objects.count(),
        list(ReportSlot.objects.order_by("pk").values_list("pk", "due_at")),
        list(ReportSchedule.objects.order_by("pk").values_list("pk", "name")),
    ]


@pytest.mark.parametrize(("role", "target"), [("reporter", "hb02"), ("reporter", "sq"), ("office", "sq")])
def test_guessed_slot_ids_out_of_scope_look_missing_and_change_nothing(
    world: World, role: str, target: str
) -> None:
    hb_schedule(world)
    schedule = hb_schedule(world) if target == "hb02" else sq_schedule(world)
    slot = _slot(schedule, world.village2 if target == "hb02" else world.other_village)
    before = _snapshot()
    client = client_for(world.user(role))
    assert_hidden(client, SLOT_PROBES, {"slot": slot.pk}, markers=[slot.unit.name])
    if target == "sq":
        assert_hidden(client, SCHEDULE_PROBES, {"schedule": schedule.pk}, markers=[slot.unit.name])
    assert _snapshot() == before


def test_the_reporter_reaches_its_own_slot_by_the_same_routes(world: World) -> None:
    """The control: the probes above are refused because of scope, not because they are broken."""
    slot = _slot(hb_schedule(world), world.village)
    client = client_for(world.user("reporter"))
    for url in (f"/reports/slots/{slot.pk}/", f"/api/reports/slots/{slot.pk}"):
        assert body_of(client, url)[0] == 200, url


LISTS = [
    "/reports/",
    "/api/reports/slots",
    "/api/reports/slots/due",
    "/api/reports/schedules",
    "/api/reports/slots?unit={hb02}",
    "/api/reports/slots?unit={sq01}",
]


@pytest.mark.parametrize("url", LISTS)
def test_the_reporters_lists_hold_only_its_village(world: World, url: str) -> None:
    hb, sq = hb_schedule(world), sq_schedule(world)
    foreign = {
        _slot(hb, world.village2).pk,
        *ReportSlot.objects.filter(schedule=sq).values_list("pk", flat=True),
    }
    client = client_for(world.user("reporter"))
    response = client.get(url.format(hb02=world.village2.pk, sq01=world.other_village.pk))
    assert response.status_code in (200, 400, 404), url
    status, text = body_of(client, url.format(hb02=world.village2.pk, sq01=world.other_village.pk))
    assert world.village2.name not in text and world.other_village.name not in text, url
    if status == 200 and url.startswith("/api/"):
        data = response.json()
        items = data["items"] if isinstance(data, dict) and "items" in data else data
        ids = {item.get("id") for item in items if isinstance(item, dict)}
        if "slots" in url:
            assert not ids & foreign, url
        else:
            assert sq.pk not in ids, url
