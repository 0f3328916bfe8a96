"""Hazards, patrols and incidents through the services: deadlines, four eyes, photos, duty log, reminders."""

import datetime
import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image

from zhenwu.core.exceptions import InvalidTransition, PermissionRefused, ValidationFailed
from zhenwu.core.images import image_prepare
from zhenwu.core.models import OutboxMessage
from zhenwu.duty.choices import LogKind
from zhenwu.duty.services import roster_generate, roster_publish
from zhenwu.duty.tests.factories import pool, special_period
from zhenwu.safety.choices import Discovery, HazardStatus, IncidentKind, PhotoStage, Severity
from zhenwu.safety.models import Hazard, HazardPhoto, PatrolRecord
from zhenwu.safety.selectors import HazardFilter, hazard_ledger, hazards_overdue, safety_figures
from zhenwu.safety.services import (
    HazardIn,
    IncidentIn,
    PhotoIn,
    hazard_close,
    hazard_rectify,
    hazard_reminders_send,
    hazard_report,
    hazard_set_due,
    hazard_verify,
    incident_close,
    incident_measure_add,
    incident_report,
    patrol_record_create,
    patrol_route_create,
    photo_prepare,
)
from zhenwu.testing.world import World

BEIJING = ZoneInfo("Asia/Shanghai")
D = datetime.date


def at(day: str, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.fromisoformat(day).replace(hour=hour, tzinfo=BEIJING)


@pytest.fixture(autouse=True)
def now() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(at("2026-03-02", 9), tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def media(tmp_path: Path) -> Iterator[Path]:
    with override_settings(MEDIA_ROOT=tmp_path):
        yield tmp_path


def files_in(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def jpeg(width: int = 64, height: int = 48) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def photo() -> PhotoIn:
    return PhotoIn(image_prepare(jpeg()))


def fire(**kw: object) -> HazardIn:
    args: dict[str, object] = {
        "title": "柴草堆靠近民房",
        "category": "fire",
        "severity": Severity.GENERAL,
        "place": "河东村三组晒谷场",
    }
    args.update(kw)
    return HazardIn(**args)  # type: ignore[arg-type]


def report(world: World, data: HazardIn | None = None, **kw: object) -> Hazard:
    args: dict[str, object] = {"actor": world.user("reporter"), "unit": world.village, "data": data or fire()}
    args.update(kw)
    return hazard_report(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("severity", "due"),
    [(Severity.GENERAL, D(2026, 3, 17)), (Severity.SERIOUS, D(2026, 4, 1)), (Severity.MAJOR, D(2026, 5, 1))],
)
def test_the_deadline_comes_from_the_severity_rule(world: World, severity: str, due: datetime.date) -> None:
    hazard = report(world, fire(severity=severity))
    assert hazard.rectify_due == due  # 15 / 30 / 60 calendar days; hazards do not roll past holidays
    assert hazard.number == "2026-HB-01-YH0001" and hazard.status == HazardStatus.OPEN
    assert hazard.responsible_unit == world.village and hazard.found_by == world.user("reporter")


def test_photos_are_stored_with_thumbnails(world: World, media: Path) -> None:
    hazard = report(world, fire(photos=[photo(), photo()], latitude="28.194321", longitude=112.98))
    assert hazard.photos.filter(stage=PhotoStage.BEFORE).count() == 2
    first = hazard.photos.first()
    assert (
        first is not None and first.content_type == "image/jpeg" and (first.width, first.height) == (64, 48)
    )
    assert len(files_in(media)) == 4  # two photos and two thumbnails, under random names
    assert (hazard.latitude, hazard.longitude) == (Decimal("28.194321"), Decimal("112.980000"))


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        (fire(rectify_due=D(2026, 2, 27), found_on=D(2026, 2, 28)), "rectify_due", "due_before_found"),
        (fire(latitude="91", longitude="112"), "latitude", "coordinates"),
        (fire(latitude="28", longitude="-181"), "longitude", "coordinates"),
        (fire(latitude="28"), "latitude", "coordinates"),
        (fire(latitude="north", longitude="east"), "latitude", "coordinates"),
        (fire(found_on=D(2026, 3, 3)), "found_on", "invalid"),
        (fire(category="ufo"), "category", "invalid"),
        (fire(title=""), "title", "validation_failed"),
    ],
)
def test_bad_hazards_are_refused_and_nothing_is_saved(
    world: World, media: Path, data: HazardIn, field: str, code: str
) -> None:
    data = HazardIn(**{**data.__dict__, "photos": [photo()]})
    with pytest.raises(ValidationFailed) as exc:
        report(world, data)
    assert field in exc.value.errors and exc.value.code == code
    assert not Hazard.objects.exists() and not HazardPhoto.objects.exists()
    assert files_in(media) == []  # the photo written before the refusal is removed again


@pytest.mark.parametrize(
    "content",
    [b"%PDF-1.7\n1 0 obj\n", b"<html><script>alert(1)</script></html>", b"MZ\x90\x00\x03" + b"\x00" * 60],
)
def test_a_file_that_is_not_an_image_is_refused(content: bytes) -> None:
    with pytest.raises(ValidationFailed) as exc:
        photo_prepare(SimpleUploadedFile("photo.jpg", content, content_type="image/jpeg"))
    assert exc.value.code == "not_an_image"


def test_a_responsible_unit_out_of_reach_is_refused(world: World) -> None:
    with pytest.raises(ValidationFailed) as exc:
        report(world, fire(responsible_unit=world.other_village))
    assert "responsible_unit" in exc.value.errors
    with pytest.raises(PermissionRefused):
        report(world, actor=world.user("oversight"), unit=world.village)


def test_rectify_then_verify_by_someone_else_then_close(world: World, now: time_machine.Traveller) -> None:
    hazard = report(world)
    now.move_to(at("2026-03-05"))
    with pytest.raises(ValidationFailed):
        hazard_rectify(actor=world.user("reporter"), hazard=hazard, note=" ")
    rectified = hazard_rectify(
        actor=world.user("reporter"), hazard=hazard, note="柴草已清运", photos=[photo()]
    )
    assert rectified.status == HazardStatus.RECTIFIED and rectified.rectified_by == world.user("reporter")
    assert rectified.photos.filter(stage=PhotoStage.AFTER).count() == 1
    with pytest.raises(PermissionRefused):  # a village cadre does not verify
        hazard_verify(actor=world.user("reporter"), hazard=hazard, accepted=True)
    verified = hazard_verify(actor=world.user("office"), hazard=hazard, accepted=True, note="现场核查已清除")
    assert verified.status == HazardStatus.VERIFIED and verified.verified_by == world.user("office")
    with pytest.raises(PermissionRefused):
        hazard_close(actor=world.user("leader"), hazard=hazard)
    closed = hazard_close(actor=world.user("office"), hazard=hazard)
    assert closed.status == HazardStatus.CLOSED
    with pytest.raises(InvalidTransition):
        hazard_rectify(actor=world.user("reporter"), hazard=hazard, note="again")


def test_four_eyes_the_rectifier_never_verifies(world: World) -> None:
    hazard = report(world)
    hazard_rectify(actor=world.user("office"), hazard=hazard, note="已整改")
    with pytest.raises(PermissionRefused) as exc:
        hazard_verify(actor=world.user("office"), hazard=hazard, accepted=True)
    assert exc.value.code == "four_eyes"
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.RECTIFIED and hazard.verified_by is None
    assert (
        hazard_verify(actor=world.user("leader"), hazard=hazard, accepted=True).status
        == HazardStatus.VERIFIED
    )


def test_a_rectification_sent_back_is_open_again(world: World) -> None:
    hazard = report(world)
    hazard_rectify(actor=world.user("reporter"), hazard=hazard, note="已整改")
    with pytest.raises(ValidationFailed):
        hazard_verify(actor=world.user("office"), hazard=hazard, accepted=False, note="")
    back = hazard_verify(actor=world.user("office"), hazard=hazard, accepted=False, note="柴草仍在")
    assert (back.status, back.returned_count, back.rectified_by) == (HazardStatus.OPEN, 1, None)
    # The next rectification may be reported by the office and verified by someone else.
    hazard_rectify(actor=world.user("office"), hazard=hazard, note="再次清运")
    assert (
        hazard_verify(actor=world.user("leader"), hazard=hazard, accepted=True).status
        == HazardStatus.VERIFIED
    )


def test_deadline_change_needs_a_reason_and_not_before_the_finding(world: World) -> None:
    hazard = report(world)
    with pytest.raises(ValidationFailed) as exc:
        hazard_set_due(actor=world.user("office"), hazard=hazard, rectify_due=D(2026, 3, 1), reason="x")
    assert exc.value.code == "due_before_found"
    with pytest.raises(ValidationFailed):
        hazard_set_due(actor=world.user("office"), hazard=hazard, rectify_due=D(2026, 4, 1), reason="")
    with pytest.raises(PermissionRefused):
        hazard_set_due(
            actor=world.user("reporter"), hazard=hazard, rectify_due=D(2026, 4, 1), reason="需施工"
        )
    moved = hazard_set_due(
        actor=world.user("office"), hazard=hazard, rectify_due=D(2026, 4, 1), reason="需施工"
    )
    assert moved.rectify_due == D(2026, 4, 1)


def test_scope_covers_where_found_and_who_must_rectify(world: World) -> None:
    here = report(
        world, actor=world.user("office"), unit=world.village2, data=fire(responsible_unit=world.village)
    )
    there = report(world, actor=world.user("admin"), unit=world.other_village)
    reporter = world.user("reporter")  # HB-01: responsible for a hazard found in HB-02
    assert set(hazard_ledger(user=reporter, filters=HazardFilter())) == {here}
    assert set(hazard_ledger(user=world.user("admin"), filters=HazardFilter())) == {here, there}
    rectified = hazard_rectify(actor=reporter, hazard=here, note="已整改")
    assert rectified.status == HazardStatus.RECTIFIED


def test_overdue_list(world: World, now: time_machine.Traveller) -> None:
    late = report(world)
    report(world, fire(severity=Severity.MAJOR))
    now.move_to(at("2026-03-18"))
    assert list(hazards_overdue(user=world.user("office"))) == [late]
    assert list(hazard_ledger(user=world.user("office"), filters=HazardFilter(status="overdue"))) == [late]


def test_a_patrol_raises_its_hazards_in_one_step(world: World) -> None:
    route = patrol_route_create(
        actor=world.user("office"),
        unit=world.village,
        name="春节期间夜间防火巡逻",
        route="村委会—晒谷场—祠堂",
        start_time=datetime.time(20),
        end_time=datetime.time(22),
        starts_on=D(2026, 2, 10),
        ends_on=D(2026, 3, 10),
    )
    record, hazards = patrol_record_create(
        actor=world.user("reporter"),
        unit=world.village,
        route=route,
        started_at=at("2026-03-01", 20),
        ended_at=at("2026-03-01", 22),
        patrollers="张明、志愿者3人",
        findings="晒谷场柴草堆紧靠民房",
        hazards=[fire(photos=[photo()])],
    )
    assert len(hazards) == 1
    hazard = hazards[0]
    assert (hazard.patrol_record, hazard.discovery, hazard.found_on) == (
        record,
        Discovery.PATROL,
        D(2026, 3, 1),
    )
    assert hazard.photos.count() == 1


def test_a_bad_hazard_in_a_patrol_saves_neither(world: World, media: Path) -> None:
    with pytest.raises(ValidationFailed) as exc:
        patrol_record_create(
            actor=world.user("reporter"),
            unit=world.village,
            started_at=at("2026-03-01", 20),
            ended_at=at("2026-03-01", 22),
            patrollers="张明",
            findings="两处隐患",
            hazards=[fire(photos=[photo()]), fire(latitude="100", longitude="1")],
        )
    assert "hazards.1.latitude" in exc.value.errors
    assert not PatrolRecord.objects.exists() and not Hazard.objects.exists()
    assert files_in(media) == []


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"ended_at": at("2026-03-01", 19)}, "ended_at"),
        ({"ended_at": at("2026-03-03", 22)}, "ended_at"),
        ({"patrollers": " "}, "patrollers"),
        ({"findings": "", "hazards": [fire()]}, "findings"),
    ],
)
def test_patrol_refusals(world: World, kw: dict[str, object], field: str) -> None:
    args: dict[str, object] = {
        "actor": world.user("reporter"),
        "unit": world.village,
        "started_at": at("2026-03-01", 20),
        "ended_at": at("2026-03-01", 22),
        "patrollers": "张明",
    }
    args.update(kw)
    with pytest.raises(ValidationFailed) as exc:
        patrol_record_create(**args)  # type: ignore[arg-type]
    assert field in exc.value.errors


def crash(**kw: object) -> IncidentIn:
    args: dict[str, object] = {
        "kind": IncidentKind.ROAD_ACCIDENT,
        "occurred_at": at("2026-03-02", 7),
        "place": "X035县道河东村路口",
        "summary": "两车相撞",
        "injuries": 2,
        "direct_loss": "12000.5",
        "response_units": "交警中队、镇卫生院",
    }
    args.update(kw)
    return IncidentIn(**args)  # type: ignore[arg-type]


def test_an_incident_goes_into_the_log_of_the_shift_on_duty(world: World) -> None:
    leaders, officers = pool(world)
    roster = special_period(world, leaders, officers)
    roster_generate(actor=world.user("office"), roster=roster)
    roster_publish(actor=world.user("office"), roster=roster, confirm_gaps=True, note="测试")
    incident = incident_report(actor=world.user("reporter"), unit=world.village, data=crash())
    entry = incident.duty_log_entry
    assert entry is not None and entry.shift.unit == world.township and entry.is_open
    assert (
        entry.kind == LogKind.EVENT
        and incident.number in entry.text
        and entry.author == world.user("reporter")
    )
    assert entry.shift.starts_at <= at("2026-03-02", 9) < entry.shift.ends_at
    assert incident.direct_loss == Decimal("12000.50")


def test_an_incident_without_a_shift_on_duty_is_still_recorded(world: World) -> None:
    incident = incident_report(actor=world.user("reporter"), unit=world.village, data=crash())
    assert incident.duty_log_entry is None and incident.number == "2026-HB-01-SG0001"


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"occurred_at": at("2026-03-03")}, "occurred_at"),
        ({"deaths": -1}, "deaths"),
        ({"direct_loss": "-5"}, "direct_loss"),
        ({"direct_loss": "lots"}, "direct_loss"),
        ({"kind": "meteor"}, "kind"),
        ({"latitude": "30", "longitude": "200"}, "longitude"),
    ],
)
def test_incident_refusals(world: World, kw: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        incident_report(actor=world.user("reporter"), unit=world.village, data=crash(**kw))
    assert field in exc.value.errors


def test_an_incident_closes_after_its_follow_up_measures(world: World) -> None:
    incident = incident_report(actor=world.user("reporter"), unit=world.village, data=crash())
    with pytest.raises(ValidationFailed) as exc:
        incident_close(actor=world.user("office"), incident=incident)
    assert exc.value.code == "measures_missing"
    with pytest.raises(PermissionRefused):
        incident_measure_add(actor=world.user("reporter"), incident=incident, text="设置警示标志")
    incident_measure_add(actor=world.user("leader"), incident=incident, text="路口增设减速带和警示标志")
    assert incident_close(actor=world.user("office"), incident=incident).closed_at is not None


def test_hazard_reminders_once_and_overdue_to_the_office(world: World, now: time_machine.Traveller) -> None:
    for key in ("reporter", "office"):
        person = world.user(key)
        person.email = f"{key}@example.org"
        person.save()
    hazard = report(world)  # due 2026-03-17, warned 3 days before
    assert hazard_reminders_send()["due_soon"] == 0
    now.move_to(at("2026-03-14"))
    assert hazard_reminders_send()["due_soon"] == 1
    hazard_reminders_send()
    soon = OutboxMessage.objects.filter(event_key__startswith=f"safety.due_soon.{hazard.pk}.")
    assert {m.recipient for m in soon} == {"reporter@example.org", "13900001234"}
    now.move_to(at("2026-03-18"))
    assert hazard_reminders_send()["overdue"] == 1
    late = OutboxMessage.objects.filter(event_key__startswith=f"safety.overdue.{hazard.pk}.")
    assert "office@example.org" in {m.recipient for m in late}  # the township office supervises


def test_figures_for_the_daily_report(world: World, now: time_machine.Traveller) -> None:
    incident_report(actor=world.user("reporter"), unit=world.village, data=crash())
    incident_report(
        actor=world.user("office"),
        unit=world.village2,
        data=crash(kind=IncidentKind.FIRE, injuries=0, deaths=1),
    )
    report(world)
    day = (at("2026-03-01", 9), at("2026-03-02", 9))
    figures = safety_figures(world.township, *day)
    assert figures == {
        "incidents": 2,
        "fires": 1,
        "road_accidents": 1,
        "production_accidents": 0,
        "deaths": 1,
        "injuries": 2,
        "hazards_found": 0,  # recorded at 09:00, the end of the window
        "hazards_rectified": 0,
        "hazards_overdue": 0,
    }
    assert safety_figures(world.village, *day)["incidents"] == 1
    assert safety_figures(world.township, at("2026-03-02", 9), at("2026-03-03", 9))["hazards_found"] == 1
