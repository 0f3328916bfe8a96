"""The safety REST API: hazards sent as multipart with their photos, rectified and verified by someone
else, patrols raising hazards in one step, incidents with their measures, the exports; the refusals
(not an image, coordinates out of range, a deadline before the finding, four eyes), scoping, and
constant query counts of the lists. Requests carry a personal token, as a phone app would."""

import datetime
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook
from PIL import Image

from zhenwu.core.choices import Role
from zhenwu.core.services.people import person_create
from zhenwu.core.services.tokens import token_create
from zhenwu.core.views.common import XLSX_CONTENT_TYPE
from zhenwu.safety import services
from zhenwu.safety.models import Hazard, HazardPhoto, Incident, PatrolRecord
from zhenwu.safety.tests.factories import (
    at,
    jpeg_bytes,
    make_hazard,
    make_incident,
    make_route,
    photo,
    rectified_hazard,
)
from zhenwu.testing.world import PASSWORD, World

pytestmark = pytest.mark.django_db

Api = Callable[[str], Client]
BASE = "/api/safety"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(tmp_path: Path) -> Iterator[Path]:
    with override_settings(MEDIA_ROOT=tmp_path):
        yield tmp_path


@pytest.fixture
def sq_office(world: World) -> Any:
    """The office of 石桥镇 (SQ), which must never see 河坝镇's hazards, patrols or incidents."""
    return person_create(
        actor=world.user("admin"),
        username="sq-office",
        full_name="孙石桥",
        unit=world.other_township,
        role=Role.OFFICE,
        password=PASSWORD,
    )


@pytest.fixture
def api(world: World, sq_office: Any) -> Api:
    clients: dict[str, Client] = {}

    def client(role: str) -> Client:
        if role not in clients:
            user = sq_office if role == "sq" else world.user(role)
            _token, key = token_create(actor=user, name="测试")
            clients[role] = Client(headers={"Authorization": f"Bearer {key}"})
        return clients[role]

    return client


def post(client: Client, url: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(url, data=json.dumps(data or {}), content_type="application/json")


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "message", "errors"}
    assert body["code"] == code and body["message"]
    return body


def jpeg(name: str = "IMG_0001.jpg", width: int = 64, height: int = 48) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(width, height), content_type="image/jpeg")


def form(world: World, **overrides: Any) -> dict[str, Any]:
    """The multipart fields a phone sends for a fire hazard in HB-01, with one photo."""
    return {
        "unit": world.village.pk,
        "title": "柴草堆放紧邻灶房",
        "category": "fire",
        "severity": "general",
        "place": "河东村3组",
        "description": "",
        "latitude": "28.194",
        "longitude": "112.982",
        "found_on": "",
        "rectify_due": "",
        "photos": [jpeg()],
        **overrides,
    }


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()]


# --- hazards --------------------------------------------------------------------------------------


def test_hazard_lifecycle_with_photos_and_four_eyes(world, api, media):
    created = api("reporter").post(
        f"{BASE}/hazards", data=form(world, photos=[jpeg(), jpeg("b.jpg", 40, 80)])
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["number"] == "2026-HB-01-YH0001" and body["status"] == "open"
    assert body["unit"]["code"] == "HB-01" and body["responsible_unit"]["code"] == "HB-01"
    assert body["rectify_due"] == "2026-06-30"  # a general hazard: 15 days
    assert body["found_on"] == "2026-06-15" and body["discovery"] == "inspection"
    assert body["latitude"] == "28.194000" and body["longitude"] == "112.982000"
    assert body["found_by"] == "张明" and body["photo_count"] == 2
    assert [(p["stage"], p["width"], p["height"]) for p in body["photos"]] == [
        ("before", 64, 48),
        ("before", 40, 80),
    ]
    hazard_id = body["id"]

    first = body["photos"][0]
    image = api("oversight").get(first["url"])
    assert image.status_code == 200
    assert image["Content-Type"] == "image/jpeg" and image["X-Content-Type-Options"] == "nosniff"
    assert image["Content-Disposition"].startswith("inline")
    assert Image.open(io.BytesIO(b"".join(image.streaming_content))).size == (64, 48)
    thumb = api("leader").get(first["thumbnail_url"])
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    assert thumb["X-Content-Type-Options"] == "nosniff"

    # The office rectifies itself, with a photo after: it may not verify its own rectification.
    rectified = api("office").post(
        f"{BASE}/hazards/{hazard_id}/rectify", data={"note": "柴草已清运", "photos": [jpeg()]}
    )
    assert rectified.status_code == 200, rectified.content
    assert rectified.json()["status"] == "rectified" and rectified.json()["rectified_by"] == "王小红"
    assert [p["stage"] for p in rectified.json()["photos"]] == ["before", "before", "after"]
    assert_error(
        post(api("office"), f"{BASE}/hazards/{hazard_id}/verify", {"accepted": True}), 403, "four_eyes"
    )
    assert_error(
        post(api("reporter"), f"{BASE}/hazards/{hazard_id}/verify", {"accepted": True}),
        403,
        "permission_denied",
    )
    assert Hazard.objects.get(pk=hazard_id).status == "rectified"

    # Sent back without a reason is refused; with one, it is open again.
    assert_error(
        post(api("leader"), f"{BASE}/hazards/{hazard_id}/verify", {"accepted": False}), 400, "invalid"
    )
    returned = post(
        api("leader"), f"{BASE}/hazards/{hazard_id}/verify", {"accepted": False, "note": "灶房仍无灭火器"}
    )
    assert returned.json()["status"] == "open" and returned.json()["returned_count"] == 1

    api("reporter").post(f"{BASE}/hazards/{hazard_id}/rectify", data={"note": "已加装灭火器"})
    verified = post(
        api("office"), f"{BASE}/hazards/{hazard_id}/verify", {"accepted": True, "note": "现场核实"}
    )
    assert verified.status_code == 200, verified.content
    assert verified.json()["status"] == "verified" and verified.json()["verified_by"] == "王小红"

    assert_error(post(api("leader"), f"{BASE}/hazards/{hazard_id}/close"), 403, "permission_denied")
    closed = post(api("office"), f"{BASE}/hazards/{hazard_id}/close", {"note": "销号"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert closed.json()["closed_by"] == "王小红"
    late = api("office").post(
        f"{BASE}/hazards/{hazard_id}/photos", data={"stage": "after", "photos": [jpeg()]}
    )
    assert_error(late, 409, "invalid_transition")


def test_photos_are_added_by_stage(world, api):
    hazard = make_hazard(world)
    added = api("mediator").post(
        f"{BASE}/hazards/{hazard.pk}/photos", data={"stage": "before", "photos": [jpeg(), jpeg()]}
    )
    assert added.status_code == 201, added.content
    assert [p["stage"] for p in added.json()] == ["before", "before"]
    # Photos after rectification are the rectifiers': a mediator is not one.
    after = api("mediator").post(
        f"{BASE}/hazards/{hazard.pk}/photos", data={"stage": "after", "photos": [jpeg()]}
    )
    assert_error(after, 403, "permission_denied")
    assert_error(
        api("office").post(f"{BASE}/hazards/{hazard.pk}/photos", data={"stage": "after"}), 400, "invalid"
    )
    too_many = api("office").post(
        f"{BASE}/hazards/{hazard.pk}/photos", data={"stage": "before", "photos": [jpeg() for _i in range(10)]}
    )
    assert_error(too_many, 400, "too_many_photos")
    assert HazardPhoto.objects.filter(hazard=hazard).count() == 2


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("fire.jpg", PDF, content_type="image/jpeg"),
        SimpleUploadedFile("report.pdf", PDF, content_type="application/pdf"),
        SimpleUploadedFile("page.png", b"<html><script>alert(1)</script></html>", content_type="image/png"),
        SimpleUploadedFile("empty.jpg", b"", content_type="image/jpeg"),
    ],
)
def test_a_photo_that_is_not_an_image_is_400_and_nothing_is_saved(world, api, media, upload):
    response = api("reporter").post(f"{BASE}/hazards", data=form(world, photos=[jpeg(), upload]))
    body = assert_error(response, 400, "not_an_image")
    assert "photos" in body["errors"] and upload.name in body["message"]
    assert not Hazard.objects.exists() and not HazardPhoto.objects.exists()
    assert stored_files(media) == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"latitude": "91"}, "latitude"),
        ({"latitude": "-90.5"}, "latitude"),
        ({"longitude": "180.000001"}, "longitude"),
        ({"longitude": "-720"}, "longitude"),
        ({"latitude": "1e400"}, "latitude"),
        ({"longitude": ""}, "latitude"),  # one without the other
    ],
)
def test_coordinates_out_of_range_are_400_and_nothing_is_saved(world, api, media, overrides, field):
    response = api("reporter").post(f"{BASE}/hazards", data=form(world, **overrides))
    assert field in assert_error(response, 400, "coordinates")["errors"]
    assert not Hazard.objects.exists() and stored_files(media) == []


def test_coordinates_that_are_not_numbers_are_422(world, api):
    assert_error(
        api("reporter").post(f"{BASE}/hazards", data=form(world, latitude="北纬28度")),
        422,
        "validation_failed",
    )
    assert not Hazard.objects.exists()


def test_a_hazard_without_coordinates_or_photos(world, api):
    response = api("reporter").post(
        f"{BASE}/hazards",
        data={**form(world, latitude="", longitude="", photos=[]), "severity": "major", "unit": ""},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["latitude"] is None and body["photos"] == [] and body["unit"]["code"] == "HB-01"
    assert body["rectify_due"] == "2026-08-14"  # a major hazard: 60 days


def test_deadlines_before_the_finding_are_400(world, api):
    early = form(world, found_on="2026-06-10", rectify_due="2026-06-09")
    body = assert_error(api("reporter").post(f"{BASE}/hazards", data=early), 400, "due_before_found")
    assert "rectify_due" in body["errors"]
    assert not Hazard.objects.exists()
    future = assert_error(
        api("reporter").post(f"{BASE}/hazards", data=form(world, found_on="2026-06-16")), 400, "invalid"
    )
    assert "found_on" in future["errors"]

    hazard = make_hazard(world, found_on=datetime.date(2026, 6, 10))
    moved = post(
        api("office"), f"{BASE}/hazards/{hazard.pk}/due", {"rectify_due": "2026-06-09", "reason": "施工"}
    )
    assert_error(moved, 400, "due_before_found")
    assert_error(
        post(api("office"), f"{BASE}/hazards/{hazard.pk}/due", {"rectify_due": "2026-07-31", "reason": " "}),
        400,
        "invalid",
    )
    ok = post(
        api("office"),
        f"{BASE}/hazards/{hazard.pk}/due",
        {"rectify_due": "2026-07-31", "reason": "需施工改造"},
    )
    assert ok.status_code == 200 and ok.json()["rectify_due"] == "2026-07-31"
    assert_error(
        post(
            api("reporter"), f"{BASE}/hazards/{hazard.pk}/due", {"rectify_due": "2026-07-31", "reason": "x"}
        ),
        403,
        "permission_denied",
    )


def test_bad_fields_are_refused(world, api):
    assert_error(
        api("reporter").post(f"{BASE}/hazards", data=form(world, category="meteor")), 422, "validation_failed"
    )
    assert_error(
        api("reporter").post(f"{BASE}/hazards", data=form(world, title="隐" * 201)), 422, "validation_failed"
    )
    # A responsible unit the reporter does not see.
    assert_error(
        api("reporter").post(f"{BASE}/hazards", data=form(world, responsible_unit=world.village2.pk)),
        404,
        "not_found",
    )
    assert_error(api("oversight").post(f"{BASE}/hazards", data=form(world)), 403, "permission_denied")
    assert not Hazard.objects.exists()


# --- patrols --------------------------------------------------------------------------------------


def test_a_patrol_raises_hazards_in_one_step_and_from_its_record(world, api):
    route = make_route(world)
    recorded = post(
        api("reporter"),
        f"{BASE}/patrols",
        {
            "route": route.pk,
            "started_at": "2026-06-14T19:00",
            "ended_at": "2026-06-14T22:30",
            "patrollers": "张明、志愿者二人",
            "route_taken": "村委会—3组—河堤",
            "findings": "3组柴草堆放紧邻灶房；河堤护栏缺失",
            "hazards": [
                {"title": "柴草堆放紧邻灶房", "category": "fire", "severity": "general", "place": "3组"},
            ],
        },
    )
    assert recorded.status_code == 201, recorded.content
    body = recorded.json()
    assert body["unit"]["code"] == "HB-01" and body["route"] == {"id": route.pk, "name": route.name}
    assert body["recorded_by"] == "张明" and body["hazard_count"] == 1
    assert body["hazards"][0]["discovery"] == "patrol" and body["hazards"][0]["found_on"] == "2026-06-14"
    record_id = body["id"]

    raised = api("reporter").post(
        f"{BASE}/patrols/{record_id}/hazards",
        data={
            "title": "河堤护栏缺失",
            "category": "road_traffic",
            "severity": "serious",
            "place": "河堤",
            "photos": [jpeg()],
        },
    )
    assert raised.status_code == 201, raised.content
    assert raised.json()["patrol_record_id"] == record_id and raised.json()["discovery"] == "patrol"
    assert raised.json()["rectify_due"] == "2026-07-14" and raised.json()["photo_count"] == 1
    detail = api("office").get(f"{BASE}/patrols/{record_id}").json()
    assert {h["title"] for h in detail["hazards"]} == {"柴草堆放紧邻灶房", "河堤护栏缺失"}
    assert detail["hazard_count"] == 2
    assert api("office").get(f"{BASE}/patrols").json()["items"][0]["hazard_count"] == 2
    assert_error(
        api("oversight").post(
            f"{BASE}/patrols/{record_id}/hazards",
            data={"title": "x", "category": "fire", "severity": "general", "place": "x"},
        ),
        403,
        "permission_denied",
    )


def test_a_bad_hazard_in_a_patrol_saves_neither(world, api):
    bad = post(
        api("reporter"),
        f"{BASE}/patrols",
        {
            "started_at": "2026-06-14T19:00",
            "ended_at": "2026-06-14T22:00",
            "patrollers": "张明",
            "findings": "柴草堆放",
            "hazards": [
                {"title": "柴草", "category": "fire", "severity": "general", "place": "3组"},
                {
                    "title": "护栏",
                    "category": "road_traffic",
                    "severity": "general",
                    "place": "河堤",
                    "latitude": 95,
                    "longitude": 112,
                },
            ],
        },
    )
    assert "hazards.1.latitude" in assert_error(bad, 400, "coordinates")["errors"]
    ended_first = post(
        api("reporter"),
        f"{BASE}/patrols",
        {"started_at": "2026-06-14T22:00", "ended_at": "2026-06-14T19:00", "patrollers": "张明"},
    )
    assert "ended_at" in assert_error(ended_first, 400, "validation_failed")["errors"]
    assert not PatrolRecord.objects.exists() and not Hazard.objects.exists()


def test_patrol_routes(world, api):
    body = {
        "unit": world.village.pk,
        "name": "汛期河堤巡查",
        "route": "村委会—河堤—水闸",
        "start_time": "20:00",
        "end_time": "02:00",
        "starts_on": "2026-06-15",
        "ends_on": "2026-09-30",
    }
    assert_error(post(api("reporter"), f"{BASE}/patrol-routes", body), 403, "permission_denied")
    created = post(api("office"), f"{BASE}/patrol-routes", body)
    assert created.status_code == 201, created.content
    assert created.json()["start_time"] == "20:00" and created.json()["end_time"] == "02:00"
    assert_error(
        post(api("office"), f"{BASE}/patrol-routes", {**body, "ends_on": "2026-06-01"}), 400, "invalid"
    )
    assert_error(
        post(api("office"), f"{BASE}/patrol-routes", {**body, "start_time": "25:00"}),
        422,
        "validation_failed",
    )
    assert [r["name"] for r in api("reporter").get(f"{BASE}/patrol-routes").json()["items"]] == [
        "汛期河堤巡查"
    ]
    route_id = created.json()["id"]
    assert_error(post(api("leader"), f"{BASE}/patrol-routes/{route_id}/deactivate"), 403, "permission_denied")
    off = post(api("office"), f"{BASE}/patrol-routes/{route_id}/deactivate")
    assert off.status_code == 200 and off.json()["is_active"] is False
    assert api("reporter").get(f"{BASE}/patrol-routes").json()["count"] == 0
    assert api("reporter").get(f"{BASE}/patrol-routes?include_inactive=true").json()["count"] == 1
    # An inactive route is not patrolled any more.
    stale = post(
        api("reporter"),
        f"{BASE}/patrols",
        {
            "route": route_id,
            "started_at": "2026-06-14T19:00",
            "ended_at": "2026-06-14T22:00",
            "patrollers": "张明",
        },
    )
    assert "route" in assert_error(stale, 400, "validation_failed")["errors"]


# --- incidents ------------------------------------------------------------------------------------


def test_incident_lifecycle(world, api):
    reported = post(
        api("reporter"),
        f"{BASE}/incidents",
        {
            "kind": "fire",
            "occurred_at": "2026-06-15T07:40",
            "place": "河东村3组",
            "summary": "民房厨房起火，已扑灭",
            "injuries": 1,
            "direct_loss": "3500.5",
            "response_units": "消防救援站",
            "latitude": 28.194,
            "longitude": 112.982,
        },
    )
    assert reported.status_code == 201, reported.content
    body = reported.json()
    assert body["number"] == "2026-HB-01-SG0001" and body["status"] == "open"
    assert body["unit"]["code"] == "HB-01" and body["direct_loss"] == "3500.50"
    # No shift is on duty in this world: the report says it reached no duty log.
    assert body["duty_log_entry_id"] is None and body["duty_shift_id"] is None
    incident_id = body["id"]

    assert_error(
        post(api("reporter"), f"{BASE}/incidents/{incident_id}/measures", {"text": "排查"}),
        403,
        "permission_denied",
    )
    assert_error(post(api("leader"), f"{BASE}/incidents/{incident_id}/close"), 400, "measures_missing")
    changed = api("leader").patch(
        f"{BASE}/incidents/{incident_id}",
        data=json.dumps({"injuries": 2, "direct_loss": "5000"}),
        content_type="application/json",
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["injuries"] == 2 and changed.json()["direct_loss"] == "5000.00"
    assert changed.json()["deaths"] == 0  # a field left out is not changed
    measure = post(api("leader"), f"{BASE}/incidents/{incident_id}/measures", {"text": "全村排查老旧线路"})
    assert measure.status_code == 201 and measure.json()["author"] == "李建国"
    closed = post(api("office"), f"{BASE}/incidents/{incident_id}/close", {"note": "善后完毕"})
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == "closed" and [m["text"] for m in closed.json()["measures"]] == [
        "全村排查老旧线路"
    ]
    assert_error(post(api("office"), f"{BASE}/incidents/{incident_id}/close"), 409, "already_closed")


@pytest.mark.parametrize(
    ("overrides", "status", "code", "field"),
    [
        ({"occurred_at": "2026-06-15T12:00"}, 400, "validation_failed", "occurred_at"),
        ({"latitude": 95, "longitude": 100}, 400, "coordinates", "latitude"),
        ({"deaths": -1}, 422, "validation_failed", "deaths"),
        ({"kind": "alien"}, 422, "validation_failed", "kind"),
    ],
)
def test_incident_refusals(world, api, overrides, status, code, field):
    base = {"kind": "fire", "occurred_at": "2026-06-15T07:40", "place": "3组", "summary": "起火"}
    response = post(api("reporter"), f"{BASE}/incidents", {**base, **overrides})
    assert field in assert_error(response, status, code)["errors"]
    assert not Incident.objects.exists()


# --- exports --------------------------------------------------------------------------------------


def _sheet_text(content: bytes) -> str:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return " ".join(str(c) for s in workbook.worksheets for row in s.iter_rows(values_only=True) for c in row)


def test_exports_are_scoped_and_for_the_roles_that_export(world, api):
    make_hazard(world, title="柴草堆放")
    make_hazard(world, actor=world.user("admin"), unit=world.other_village, title="石桥镇的隐患")
    make_incident(world, summary="厨房起火")
    for path in ("hazards/export.xlsx", "incidents/export.xlsx"):
        response = api("oversight").get(f"{BASE}/{path}")
        assert response.status_code == 200, response.content
        assert (
            response["Content-Type"] == XLSX_CONTENT_TYPE and response["X-Content-Type-Options"] == "nosniff"
        )
        assert_error(api("reporter").get(f"{BASE}/{path}"), 403, "permission_denied")
        assert_error(api("mediator").get(f"{BASE}/{path}"), 403, "permission_denied")
    hazards = _sheet_text(api("office").get(f"{BASE}/hazards/export.xlsx?category=fire").content)
    assert "柴草堆放" in hazards and "石桥镇的隐患" not in hazards
    assert "厨房起火" in _sheet_text(api("leader").get(f"{BASE}/incidents/export.xlsx?kind=fire").content)


# --- scoping --------------------------------------------------------------------------------------


def test_scoping_other_township_and_other_village_are_404(world, api):
    mine = make_hazard(world, photos=[photo()])
    other = make_hazard(world, unit=world.village2, photos=[photo()])
    sq = make_hazard(world, actor=world.user("admin"), unit=world.other_village)
    incident = make_incident(world)
    route = make_route(world)
    record, _hazards = services.patrol_record_create(
        actor=world.user("reporter"),
        unit=world.village,
        started_at=at("2026-06-14", 19),
        ended_at=at("2026-06-14", 21),
        patrollers="张明",
    )
    for hazard in (mine, other):
        picture = hazard.photos.get()
        assert_error(api("sq").get(f"{BASE}/hazards/{hazard.pk}"), 404, "not_found")
        assert_error(api("sq").get(f"{BASE}/hazards/{hazard.pk}/photos/{picture.pk}"), 404, "not_found")
        assert_error(post(api("sq"), f"{BASE}/hazards/{hazard.pk}/close"), 404, "not_found")
    assert_error(api("sq").get(f"{BASE}/incidents/{incident.pk}"), 404, "not_found")
    assert_error(api("sq").get(f"{BASE}/patrols/{record.pk}"), 404, "not_found")
    assert_error(post(api("sq"), f"{BASE}/patrol-routes/{route.pk}/deactivate"), 404, "not_found")

    picture = other.photos.get()
    assert_error(api("reporter").get(f"{BASE}/hazards/{other.pk}"), 404, "not_found")
    assert_error(
        api("reporter").get(f"{BASE}/hazards/{other.pk}/photos/{picture.pk}/thumb"), 404, "not_found"
    )
    assert_error(api("reporter").get(f"{BASE}/hazards/{mine.pk}/photos/{picture.pk}"), 404, "not_found")
    assert_error(api("office").get(f"{BASE}/hazards/{sq.pk}"), 404, "not_found")
    assert api("reporter").get(f"{BASE}/hazards/{mine.pk}").status_code == 200

    def listed(role: str, what: str = "hazards", query: str = "") -> set[int]:
        return {row["id"] for row in api(role).get(f"{BASE}/{what}{query}").json()["items"]}

    assert listed("reporter") == {mine.pk}
    assert listed("office") == {mine.pk, other.pk}
    assert listed("sq") == {sq.pk}
    assert listed("admin") == {mine.pk, other.pk, sq.pk}
    assert listed("office", query=f"?unit={world.village2.pk}") == {other.pk}
    assert listed("office", query="?status=unresolved&severity=general&q=柴草") == {mine.pk, other.pk}
    assert listed("sq", "incidents") == set() and listed("reporter", "incidents") == {incident.pk}
    assert listed("sq", "patrols") == set() and listed("reporter", "patrols") == {record.pk}
    assert listed("sq", "patrol-routes") == set() and listed("reporter", "patrol-routes") == {route.pk}


def test_a_hazard_is_seen_by_the_responsible_unit(world, api):
    """Found in HB-02 by the office, to be rectified by HB-01: the HB-01 reporter sees and rectifies it."""
    hazard = make_hazard(world, unit=world.village2, responsible_unit=world.village)
    assert api("reporter").get(f"{BASE}/hazards/{hazard.pk}").status_code == 200
    rectified = api("reporter").post(f"{BASE}/hazards/{hazard.pk}/rectify", data={"note": "已整改"})
    assert rectified.status_code == 200, rectified.content
    assert {r["id"] for r in api("reporter").get(f"{BASE}/hazards").json()["items"]} == {hazard.pk}


def test_overdue_filter(world, api, clock):
    late = make_hazard(world, found_on=datetime.date(2026, 5, 1))
    make_hazard(world)
    rectified_hazard(world, found_on=datetime.date(2026, 5, 1))
    rows = api("office").get(f"{BASE}/hazards?status=overdue").json()["items"]
    assert [(r["id"], r["overdue"]) for r in rows] == [(late.pk, True)]
    assert api("office").get(f"{BASE}/hazards?status=unresolved").json()["count"] == 3


# --- query counts ---------------------------------------------------------------------------------


def _count(client: Client, path: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), response.json()["count"]


def _grow(world: World, n: int) -> None:
    for i in range(n):
        make_hazard(world, title=f"隐患{i}", photos=[photo()])
        make_incident(world, summary=f"事故{i}")
        make_route(world, name=f"路线{i}")
        services.patrol_record_create(
            actor=world.user("reporter"),
            unit=world.village,
            started_at=at("2026-06-14", 19),
            ended_at=at("2026-06-14", 21),
            patrollers="张明",
            findings="柴草",
            hazards=[
                services.HazardIn(title=f"巡逻隐患{i}", category="fire", severity="general", place="3组")
            ],
        )


@pytest.mark.parametrize(
    "path",
    [
        f"{BASE}/hazards",
        f"{BASE}/hazards?status=unresolved&category=fire",
        f"{BASE}/patrol-routes",
        f"{BASE}/patrols",
        f"{BASE}/incidents",
        f"{BASE}/incidents?kind=fire&occurred_from=2026-06-01",
    ],
)
@pytest.mark.parametrize("role", ["office", "reporter", "admin"])
def test_list_query_counts_are_constant(world, api, media, path, role):
    _grow(world, 3)
    client = api(role)
    _count(client, path)  # warm-up
    few, few_rows = _count(client, path)
    _grow(world, 12)
    many, many_rows = _count(client, path)
    assert many_rows > few_rows
    assert many == few


def test_a_patrol_detail_is_a_fixed_number_of_queries(world, api, django_assert_max_num_queries):
    record, _hazards = services.patrol_record_create(
        actor=world.user("reporter"),
        unit=world.village,
        started_at=at("2026-06-14", 19),
        ended_at=at("2026-06-14", 21),
        patrollers="张明",
        findings="柴草",
        hazards=[
            services.HazardIn(title=f"隐患{i}", category="fire", severity="general", place="3组")
            for i in range(8)
        ],
    )
    client = api("office")
    client.get(f"{BASE}/patrols/{record.pk}")
    with django_assert_max_num_queries(8):
        assert len(client.get(f"{BASE}/patrols/{record.pk}").json()["hazards"]) == 8
