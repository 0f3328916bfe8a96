"""The safety staff pages through the test client: the issue's path from a patrol to a closed hazard
(photos uploaded as multipart, as a phone does), the four-eyes rule, refused photos and bad input,
photos served only in scope, incidents into the duty log, and bounded query counts of the lists.

Time starts at Monday 2026-06-15 09:00 Beijing time (conftest).
"""

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhenwu.core.choices import Role
from zhenwu.core.services.people import person_create
from zhenwu.duty.services import roster_generate, roster_publish
from zhenwu.duty.tests.factories import pool, special_period
from zhenwu.safety import services
from zhenwu.safety.choices import Discovery, HazardStatus, IncidentStatus, PhotoStage
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

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
FOUR_EYES = "You reported this rectification; someone else must verify it."


def login(client: Client, world: World, role: str) -> Client:
    """Sign in, pages in English so that messages can be asserted."""
    client.force_login(world.user(role))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def jpeg_upload(name: str = "IMG_0001.jpg", **size: int) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(**size), content_type="image/jpeg")


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    """Files of this test in their own directory, so that "nothing left behind" can be checked."""
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def hazard_form(world: World, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "unit": str(world.village.pk),
        "responsible_unit": "",
        "category": "fire",
        "severity": "general",
        "title": "柴草堆放紧邻灶房",
        "place": "河东村3组",
        "description": "",
        "latitude": "",
        "longitude": "",
        "found_on": "2026-06-15",
        "discovery": Discovery.INSPECTION,
        "finder": "镇安全办检查组",
        "rectify_due": "",
        "measures": "",
    }
    data.update(overrides)
    return data


# --- the path ----------------------------------------------------------------------------


def test_a_patrol_raises_a_fire_hazard_with_a_photo_that_is_rectified_verified_and_closed(
    world, client, media
):
    login(client, world, "reporter")
    page = client.get(reverse("safety:patrol_new"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'capture="environment"' in html and 'accept="image/*"' in html and "multiple" in html

    response = client.post(
        reverse("safety:patrol_new"),
        {
            "unit": str(world.village.pk),
            "route": "",
            "started_at": "2026-06-14T19:00",
            "ended_at": "2026-06-14T22:00",
            "patrollers": "张明, 李四",
            "route_taken": "村委会—3组—河堤",
            "findings": "3组一户柴草堆放紧邻灶房",
            "h0-title": "柴草堆放紧邻灶房",
            "h0-category": "fire",
            "h0-severity": "general",
            "h0-place": "河东村3组",
            "h0-photos": jpeg_upload(),
            "h1-severity": "general",
            "h2-severity": "general",
        },
    )
    record = PatrolRecord.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("safety:patrol", args=[record.pk])
    hazard = Hazard.objects.get()
    assert hazard.patrol_record == record and hazard.discovery == Discovery.PATROL
    assert hazard.found_on == datetime.date(2026, 6, 14) and hazard.unit == world.village
    assert hazard.rectify_due == datetime.date(2026, 6, 29)  # a general hazard: 15 days
    assert [p.stage for p in hazard.photos.all()] == [PhotoStage.BEFORE]
    detail = client.get(response["Location"])
    assert hazard.number in detail.content.decode()
    assert hazard.number in " ".join(messages_of(detail))

    # The reporter of HB-01 (the responsible unit) rectifies, with a photo after.
    url = reverse("safety:hazard", args=[hazard.pk])
    page = client.get(url)
    assert "rectify" in page.context["forms"] and "verify" not in page.context["forms"]
    response = client.post(
        reverse("safety:hazard_rectify", args=[hazard.pk]),
        {"note": "柴草已清运，灶房加装灭火器", "photos": jpeg_upload("after.jpg")},
    )
    assert response.status_code == 302 and response["Location"] == url
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.RECTIFIED and hazard.rectified_by == world.user("reporter")
    assert hazard.photos.filter(stage=PhotoStage.AFTER).count() == 1

    # The township office verifies on the spot (not the person who rectified), then closes it.
    office = login(Client(), world, "office")
    page = office.get(url)
    assert reverse("safety:hazard_verify", args=[hazard.pk]) in page.content.decode()
    response = office.post(
        reverse("safety:hazard_verify", args=[hazard.pk]), {"decision": "accept", "note": "已复查"}
    )
    assert response.status_code == 302
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.VERIFIED and hazard.verified_by == world.user("office")
    response = office.post(reverse("safety:hazard_close", args=[hazard.pk]), {"note": "销号"})
    assert response.status_code == 302
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.CLOSED and hazard.closed_by == world.user("office")
    page = office.get(url)
    assert page.context["forms"] == {}
    history = [row.what for row in page.context["history"]]
    assert history[0].startswith("Recorded") and len(history) >= 5
    assert len(page.context["before"]) == 1 and len(page.context["after"]) == 1
    assert len(files_under(media)) == 4  # two photos, each with its thumbnail


def test_the_rectifier_is_not_offered_verification_and_is_refused_it(world, client, media):
    hazard = make_hazard(world)
    office = login(client, world, "office")
    response = office.post(reverse("safety:hazard_rectify", args=[hazard.pk]), {"note": "已清理"})
    assert response.status_code == 302
    url = reverse("safety:hazard", args=[hazard.pk])
    page = office.get(url)
    assert "verify" not in page.context["forms"]
    assert reverse("safety:hazard_verify", args=[hazard.pk]) not in page.content.decode()
    assert FOUR_EYES in page.content.decode()

    # Sent anyway (an old page, a second tab): the service's refusal, said clearly; nothing changes.
    response = office.post(reverse("safety:hazard_verify", args=[hazard.pk]), {"decision": "accept"})
    assert response.status_code == 403
    assert response.context["action_error"] == FOUR_EYES
    assert FOUR_EYES in response.content.decode()
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.RECTIFIED and hazard.verified_by is None

    # Someone else may: the leader sends it back (with what is still wrong), then accepts it.
    leader = login(Client(), world, "leader")
    response = leader.post(reverse("safety:hazard_verify", args=[hazard.pk]), {"decision": "send_back"})
    assert response.status_code == 400
    assert response.context["forms"]["verify"].errors["note"] == ["Say what is still wrong."]
    response = leader.post(
        reverse("safety:hazard_verify", args=[hazard.pk]), {"decision": "send_back", "note": "灶房旁仍有柴草"}
    )
    assert response.status_code == 302
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.OPEN and hazard.returned_count == 1
    assert any("Sent back" in row.what for row in leader.get(url).context["history"])


# --- refused input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("hazard.jpg", PDF, "image/jpeg"),
        ("hazard.pdf", PDF, "application/pdf"),
        ("photo.png", HTML, "text/html"),
    ],
)
def test_a_file_that_is_not_a_photo_is_refused_and_nothing_is_saved(
    world, client, media, name, data, content_type
):
    login(client, world, "reporter")
    upload = SimpleUploadedFile(name, data, content_type=content_type)
    response = client.post(
        reverse("safety:hazard_new"), {**hazard_form(world), "photos": [jpeg_upload(), upload]}
    )
    assert response.status_code == 400
    errors = response.context["form"].errors["photos"]
    assert errors == [f"{name}: This file is not a photo (JPEG, PNG or WebP)."]
    assert "This file is not a photo" in response.content.decode()
    assert not Hazard.objects.exists() and not HazardPhoto.objects.exists()
    assert files_under(media) == []


def test_a_patrol_whose_hazard_photo_is_refused_is_not_saved_at_all(world, client, media):
    login(client, world, "reporter")
    response = client.post(
        reverse("safety:patrol_new"),
        {
            "unit": str(world.village.pk),
            "started_at": "2026-06-14T19:00",
            "ended_at": "2026-06-14T22:00",
            "patrollers": "张明",
            "findings": "柴草",
            "h0-title": "柴草堆放",
            "h0-category": "fire",
            "h0-severity": "general",
            "h0-place": "3组",
            "h0-photos": SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 400
    assert "This file is not a photo" in str(response.context["findings"][0].errors["photos"])
    assert not PatrolRecord.objects.exists() and not Hazard.objects.exists()
    assert files_under(media) == []


def test_a_photo_over_the_size_limit_is_refused(world, client, media, settings):
    settings.ZHENWU_MAX_IMAGE_BYTES = 500
    login(client, world, "reporter")
    response = client.post(
        reverse("safety:hazard_new"), {**hazard_form(world), "photos": jpeg_upload(width=640)}
    )
    assert response.status_code == 400
    assert "larger than" in response.context["form"].errors["photos"][0]
    assert not Hazard.objects.exists() and files_under(media) == []


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"latitude": "95", "longitude": "112.98"}, "latitude", "Latitude is between -90 and 90 degrees."),
        (
            {"latitude": "28.19", "longitude": "-181"},
            "longitude",
            "Longitude is between -180 and 180 degrees.",
        ),
        ({"latitude": "28.19"}, "latitude", "Enter both latitude and longitude, or neither."),
        (
            {"latitude": "北纬28", "longitude": "112"},
            "latitude",
            "Coordinates are decimal degrees, e.g. 28.194 and 112.982.",
        ),
        (
            {"found_on": "2026-06-10", "rectify_due": "2026-06-09"},
            "rectify_due",
            "The rectification deadline cannot be before the day it was found.",
        ),
        ({"found_on": "2026-06-16"}, "found_on", "A hazard cannot be found in the future."),
    ],
)
def test_bad_hazard_input_is_refused_on_its_field(world, client, media, overrides, field, message):
    login(client, world, "reporter")
    response = client.post(
        reverse("safety:hazard_new"), {**hazard_form(world, **overrides), "photos": jpeg_upload()}
    )
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert not Hazard.objects.exists() and files_under(media) == []


def test_coordinates_in_range_are_kept_and_shown_as_text(world, client, media):
    login(client, world, "reporter")
    response = client.post(
        reverse("safety:hazard_new"),
        hazard_form(world, latitude="28.194", longitude="112.982", severity="major"),
    )
    assert response.status_code == 302
    hazard = Hazard.objects.get()
    assert str(hazard.latitude) == "28.194000" and hazard.rectify_due == datetime.date(2026, 8, 14)
    assert "28.194000, 112.982000" in client.get(response["Location"]).content.decode()


def test_the_report_form_shows_the_deadline_rules(world, client):
    login(client, world, "reporter")
    html = client.get(reverse("safety:hazard_new")).content.decode()
    assert "General hazard: 15 days" in html and "Major hazard: 60 days" in html
    assert 'enctype="multipart/form-data"' in html and "safety/locate.js" in html
    assert "<script>" not in html  # CSP: no inline script


def test_a_new_deadline_before_the_finding_is_refused(world, client):
    hazard = make_hazard(world)
    login(client, world, "office")
    url = reverse("safety:hazard_due", args=[hazard.pk])
    response = client.post(url, {"rectify_due": "2026-06-01", "reason": "需要施工"})
    assert response.status_code == 400
    assert response.context["forms"]["due"].errors["rectify_due"] == [
        "The rectification deadline cannot be before the day it was found."
    ]
    response = client.post(url, {"rectify_due": "2026-07-31", "reason": "需要施工"})
    assert response.status_code == 302
    hazard.refresh_from_db()
    assert hazard.rectify_due == datetime.date(2026, 7, 31)
    history = client.get(reverse("safety:hazard", args=[hazard.pk])).context["history"]
    assert any("2026-07-31" in row.what and row.note == "需要施工" for row in history)


# --- photos are served only in scope ----------------------------------------------------------


def test_photos_are_served_inline_with_nosniff_only_to_those_who_see_the_hazard(world, client, media):
    hazard = make_hazard(world, photos=[photo(width=800, height=600)])
    pic = hazard.photos.get()
    urls = [
        reverse("safety:photo", args=[hazard.pk, pic.pk]),
        reverse("safety:photo_thumb", args=[hazard.pk, pic.pk]),
    ]
    login(client, world, "reporter")
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"] == f'inline; filename="{hazard.number}-{pic.pk}.jpg"'
        assert response["Cache-Control"] == "private"
        assert b"".join(response.streaming_content).startswith(b"\xff\xd8")
    page = client.get(reverse("safety:hazard", args=[hazard.pk])).content.decode()
    assert urls[1] in page and urls[0] in page
    assert "safety/photos/" not in page and pic.image.name not in page  # never a storage path

    # Not in scope: another village's reporter, another township; and a photo of another hazard.
    other = make_hazard(world, unit=world.village2, photos=[photo()])
    other_pic = other.photos.get()
    assert client.get(reverse("safety:photo", args=[other.pk, other_pic.pk])).status_code == 404
    assert client.get(reverse("safety:photo", args=[hazard.pk, other_pic.pk])).status_code == 404
    sq = person_create(
        actor=world.user("admin"),
        username="sq-office",
        full_name="石桥镇办公室",
        unit=world.other_township,
        role=Role.OFFICE,
        password=PASSWORD,
    )
    outsider = Client()
    outsider.force_login(sq)
    for url in urls:
        assert outsider.get(url).status_code == 404
    assert outsider.get(reverse("safety:hazard", args=[hazard.pk])).status_code == 404
    assert Client().get(urls[0])["Location"].startswith(reverse("login"))


# --- incidents and the duty log -------------------------------------------------------------------


def incident_form(world: World, **overrides: Any) -> dict[str, Any]:
    data = {
        "unit": str(world.village.pk),
        "kind": "fire",
        "occurred_at": "2026-06-15T08:40",
        "place": "河东村3组",
        "latitude": "",
        "longitude": "",
        "summary": "民房厨房起火",
        "description": "",
        "deaths": "0",
        "injuries": "1",
        "missing": "0",
        "direct_loss": "3000",
        "response_units": "消防救援站",
    }
    data.update(overrides)
    return data


def test_an_incident_reported_while_a_shift_is_on_duty_goes_into_its_log(world, client, clock):
    clock.move_to(at("2026-06-01", 9))
    leaders, officers = pool(world)
    roster = special_period(world, leaders, officers, starts_on="2026-06-10", ends_on="2026-06-20")
    roster_generate(actor=world.user("office"), roster=roster)
    roster_publish(actor=world.user("office"), roster=roster)
    clock.move_to(at("2026-06-15", 9))

    login(client, world, "reporter")
    response = client.post(reverse("safety:incident_new"), incident_form(world))
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "safety:incident", args=[incident.pk]
    )
    entry = incident.duty_log_entry
    assert entry is not None and entry.shift.on_date == datetime.date(2026, 6, 15)  # the shift from 08:30
    assert entry.is_open and incident.number in entry.text
    page = client.get(response["Location"])
    assert "written in the duty log" in " ".join(messages_of(page))
    assert "Written in the duty log of the shift on duty" in page.content.decode()


def test_an_incident_without_a_shift_on_duty_says_so(world, client):
    login(client, world, "reporter")
    response = client.post(reverse("safety:incident_new"), incident_form(world))
    assert response.status_code == 302
    assert Incident.objects.get().duty_log_entry is None
    page = client.get(response["Location"])
    assert "no duty shift is on duty" in " ".join(messages_of(page))
    assert "No duty shift was on duty when it was reported" in page.content.decode()


def test_bad_incident_input_is_refused(world, client):
    login(client, world, "reporter")
    response = client.post(reverse("safety:incident_new"), incident_form(world, latitude="91", longitude="1"))
    assert response.status_code == 400
    assert response.context["form"].errors["latitude"] == ["Latitude is between -90 and 90 degrees."]
    response = client.post(
        reverse("safety:incident_new"), incident_form(world, occurred_at="2026-06-16T08:00")
    )
    assert response.status_code == 400
    assert response.context["form"].errors["occurred_at"] == ["An incident is reported after it happened."]
    response = client.post(reverse("safety:incident_new"), incident_form(world, injuries="-1"))
    assert response.status_code == 400 and "injuries" in response.context["form"].errors
    assert not Incident.objects.exists()


def test_incident_figures_measures_and_closing(world, client):
    incident = make_incident(world)
    login(client, world, "leader")
    url = reverse("safety:incident", args=[incident.pk])
    assert set(client.get(url).context["forms"]) == {"update", "measure", "close"}
    response = client.post(reverse("safety:incident_close", args=[incident.pk]), {"note": ""})
    assert response.status_code == 400
    assert "Record the follow-up measures before closing." in response.content.decode()
    data = {
        "summary": incident.summary,
        "place": incident.place,
        "deaths": "0",
        "injuries": "2",
        "missing": "0",
        "direct_loss": "12000.50",
        "response_units": "消防救援站, 卫生院",
        "description": "",
    }
    assert client.post(reverse("safety:incident_update", args=[incident.pk]), data).status_code == 302
    response = client.post(reverse("safety:incident_measure", args=[incident.pk]), {"text": "伤者送卫生院"})
    assert response.status_code == 302 and response["Location"].endswith("#measures")
    assert (
        client.post(reverse("safety:incident_close", args=[incident.pk]), {"note": "善后完毕"}).status_code
        == 302
    )
    incident.refresh_from_db()
    assert (
        incident.status == IncidentStatus.CLOSED
        and incident.injuries == 2
        and str(incident.direct_loss) == "12000.50"
    )
    page = client.get(url)
    assert page.context["forms"] == {}
    response = client.post(reverse("safety:incident_measure", args=[incident.pk]), {"text": "again"})
    assert response.status_code == 409 and response.context["action_error"] == "The incident is closed."


# --- lists, filters, exports, the dashboard -------------------------------------------------------


def test_the_register_filters_and_the_overdue_list(world, client, clock):
    clock.move_to(at("2026-05-20", 9))
    late = make_hazard(world, title="河堤护栏缺失", category="road_traffic")
    clock.move_to(at("2026-06-15", 9))
    fresh = make_hazard(world, title="燃气管道老化", category="gas", severity="serious")
    done = rectified_hazard(world, title="厂房消防通道堵塞")
    login(client, world, "office")
    rows = client.get(reverse("safety:hazards")).context["page_obj"].object_list
    assert [h.pk for h in rows] == [done.pk, fresh.pk, late.pk]
    overdue = client.get(reverse("safety:hazards"), {"status": "overdue"})
    assert [h.pk for h in overdue.context["page_obj"].object_list] == [late.pk]
    assert "safety-overdue" in overdue.content.decode()
    assert [h.pk for h in client.get(reverse("safety:hazards"), {"category": "gas"}).context["page_obj"]] == [
        fresh.pk
    ]
    assert [h.pk for h in client.get(reverse("safety:hazards"), {"q": "河堤"}).context["page_obj"]] == [
        late.pk
    ]
    assert [h.pk for h in client.get(reverse("safety:overdue")).context["page_obj"]] == [late.pk]
    by_unit = client.get(reverse("safety:hazards"), {"unit": str(world.village2.pk)})
    assert list(by_unit.context["page_obj"]) == []


def test_the_ledgers_export_as_xlsx(world, client):
    make_hazard(world, photos=[photo()])
    make_incident(world)
    login(client, world, "oversight")
    for name in ("safety:hazards_export", "safety:incidents_export"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        assert response["Content-Disposition"].startswith("attachment")
        assert response.content.startswith(b"PK")
    assert (
        'href="/safety/export/?status=overdue"'
        in client.get(reverse("safety:hazards"), {"status": "overdue"}).content.decode()
    )


def test_the_dashboard_panel_lists_unresolved_hazards_overdue_first(world, client, clock):
    clock.move_to(at("2026-05-20", 9))
    late = make_hazard(world, title="河堤护栏缺失")
    clock.move_to(at("2026-06-15", 9))
    fresh = make_hazard(world, title="燃气管道老化")
    rectified_hazard(world, title="已整改待复查")
    login(client, world, "leader")
    page = client.get(reverse("core:home"))
    panels = {panel.key: data for panel, data in page.context["panels"]}
    data = panels["hazards_open"]
    assert [h.pk for h in data["rows"]][:2] == [late.pk, fresh.pk]
    assert data["counts"] == {"unresolved": 3, "overdue": 1, "rectified": 1}
    assert "河堤护栏缺失" in page.content.decode()


def test_patrol_routes_are_planned_and_stopped(world, client):
    login(client, world, "office")
    response = client.post(
        reverse("safety:route_new"),
        {
            "unit": str(world.village.pk),
            "name": "春节防火巡逻",
            "route": "村委会—3组—河堤",
            "start_time": "19:00",
            "end_time": "23:00",
            "starts_on": "2026-06-15",
            "ends_on": "2026-06-01",
            "notes": "",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["ends_on"] == ["The period ends before it starts."]
    route = make_route(world)
    page = client.get(reverse("safety:patrols"))
    assert [r.pk for r, _can in page.context["routes"]] == [route.pk]
    response = client.post(reverse("safety:route_deactivate", args=[route.pk]))
    assert response.status_code == 302
    route.refresh_from_db()
    assert not route.is_active
    reporter = login(Client(), world, "reporter")
    assert reporter.get(reverse("safety:route_new")).status_code == 403


def test_a_hazard_is_raised_from_a_recorded_patrol(world, client, media):
    record, _hazards = services.patrol_record_create(
        actor=world.user("reporter"),
        unit=world.village,
        started_at=at("2026-06-14", 19),
        ended_at=at("2026-06-14", 21),
        patrollers="张明",
        findings="河堤护栏缺失一段",
    )
    login(client, world, "reporter")
    url = reverse("safety:patrol_hazard", args=[record.pk])
    response = client.post(url, {"title": "", "category": "road_traffic", "severity": "general", "place": ""})
    assert response.status_code == 400 and not Hazard.objects.exists()
    response = client.post(
        url,
        {
            "title": "河堤护栏缺失",
            "category": "road_traffic",
            "severity": "serious",
            "place": "河堤",
            "photos": jpeg_upload(),
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("#hazards")
    hazard = Hazard.objects.get()
    assert hazard.patrol_record == record and hazard.found_on == datetime.date(2026, 6, 14)
    assert hazard.photos.count() == 1
    assert [h.pk for h in client.get(reverse("safety:patrol", args=[record.pk])).context["hazards"]] == [
        hazard.pk
    ]


def test_pages_render_in_chinese(world, client, media):
    hazard = rectified_hazard(world, photos=[photo()])
    incident = make_incident(world)
    client.force_login(world.user("office"))
    for url in (
        reverse("safety:hazards"),
        reverse("safety:overdue"),
        reverse("safety:hazard_new"),
        reverse("safety:hazard", args=[hazard.pk]),
        reverse("safety:patrols"),
        reverse("safety:patrol_new"),
        reverse("safety:route_new"),
        reverse("safety:incidents"),
        reverse("safety:incident_new"),
        reverse("safety:incident", args=[incident.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="zh-hans">' in response.content.decode()


# --- query counts ----------------------------------------------------------------------------------


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_list_pages_cost_the_same_whatever_the_number_of_rows(world, client, django_assert_max_num_queries):
    def add(n: int) -> None:
        for i in range(n):
            make_hazard(world, title=f"隐患{i}", photos=[photo()] if i % 2 else [])
            make_incident(world, summary=f"事故{i}")
            services.patrol_record_create(
                actor=world.user("reporter"),
                unit=world.village,
                started_at=at("2026-06-14", 19),
                ended_at=at("2026-06-14", 21),
                patrollers="张明",
                findings=f"发现{i}",
                hazards=[
                    services.HazardIn(title=f"巡逻隐患{i}", category="fire", severity="general", place="3组")
                ],
            )

    urls = [
        reverse("safety:hazards"),
        reverse("safety:hazards") + "?status=unresolved&category=fire",
        reverse("safety:overdue"),
        reverse("safety:incidents"),
        reverse("safety:patrols"),
        reverse("core:home"),
    ]
    login(client, world, "office")
    add(2)
    few = {url: _queries(client, url) for url in urls}
    add(8)
    many = {url: _queries(client, url) for url in urls}
    assert many == few
    for url in urls[:5]:
        with django_assert_max_num_queries(12):
            client.get(url)
