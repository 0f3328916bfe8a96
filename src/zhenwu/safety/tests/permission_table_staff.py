"""Role x route rules of the safety staff pages (see zhenwu.testing.permissions).

The world: every role works in 河坝镇 (HB) except the reporter (village HB-01) and the admin (the
county). Hazards, patrols and incidents are built in HB-01 unless a check says otherwise; one of
HB-02 is a 404 to the HB-01 reporter, one of 石桥镇 (SQ-01) a 404 to everyone but the admin. The
permission test runs at the real date, so times are built around ``timezone.now()``.

Everyone sees the safety data of their subtree. Every working role but oversight reports hazards
and records patrols (the mediator too); the responsible unit's people rectify (admin, office,
leader, reporter); the office and leaders verify (never the person who rectified) and incidents
are managed by them; the office (and the admin) manage deadlines, routes and closing; export is for
admin, office, leader and oversight. A role without the action gets 403 before anything is read;
POST forms redirect (302) when the service does the act.
"""

import datetime
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from zhenwu.safety import services
from zhenwu.safety.models import Hazard, Incident
from zhenwu.safety.tests.factories import jpeg_bytes, make_hazard, make_incident, make_route, photo
from zhenwu.testing.permissions import Check, every_role, expect
from zhenwu.testing.world import World

EVERYONE = every_role(200)
#: HB-02's data: the HB-01 reporter does not see it.
OTHER_VILLAGE = {**EVERYONE, "reporter": 404}
#: 石桥镇's data: only the county administrator sees it.
OTHER_TOWNSHIP = expect(admin=200, office=404, leader=404, reporter=404, mediator=404, oversight=404)
EXPORTERS = expect(admin=200, office=200, leader=200, reporter=403, mediator=403, oversight=200)
REPORTERS = expect(admin=200, office=200, leader=200, reporter=200, mediator=200, oversight=403)
REPORTERS_DONE = expect(admin=302, office=302, leader=302, reporter=302, mediator=302, oversight=403)
RECTIFIERS_DONE = expect(admin=302, office=302, leader=302, reporter=302, mediator=403, oversight=403)
VERIFIERS_DONE = expect(admin=302, office=302, leader=302, reporter=403, mediator=403, oversight=403)
MANAGERS = expect(admin=200, office=200, leader=403, reporter=403, mediator=403, oversight=403)
MANAGERS_DONE = expect(admin=302, office=302, leader=403, reporter=403, mediator=403, oversight=403)
INCIDENT_REPORTERS = expect(admin=200, office=200, leader=200, reporter=200, mediator=403, oversight=403)
INCIDENT_REPORTERS_DONE = expect(admin=302, office=302, leader=302, reporter=302, mediator=403, oversight=403)


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _jpeg() -> SimpleUploadedFile:
    return SimpleUploadedFile("IMG_0001.jpg", jpeg_bytes(), content_type="image/jpeg")


# --- objects the checks act on (each check builds its own; every request is rolled back) ----------


def hazard_of(unit: str = "village", *, photos: bool = False) -> Any:
    def kwargs(w: World) -> dict[str, Any]:
        actor = w.user("admin") if unit == "other_village" else w.user("office")
        hazard = make_hazard(w, actor=actor, unit=getattr(w, unit), photos=[photo()] if photos else [])
        return {"pk": hazard.pk}

    return kwargs


def photo_of(unit: str = "village") -> Any:
    def kwargs(w: World) -> dict[str, Any]:
        pk = hazard_of(unit, photos=True)(w)["pk"]
        return {"pk": pk, "photo_id": Hazard.objects.get(pk=pk).photos.get().pk}

    return kwargs


def rectified_by(role: str) -> Any:
    def kwargs(w: World) -> dict[str, Any]:
        hazard = make_hazard(w)
        services.hazard_rectify(actor=w.user(role), hazard=hazard, note="已整改")
        return {"pk": hazard.pk}

    return kwargs


def verified_hazard(w: World) -> dict[str, Any]:
    hazard = rectified_by("reporter")(w)["pk"]
    services.hazard_verify(actor=w.user("leader"), hazard=Hazard.objects.get(pk=hazard), accepted=True)
    return {"pk": hazard}


def record_of(unit: str = "village") -> Any:
    def kwargs(w: World) -> dict[str, Any]:
        now = timezone.now()
        record, _hazards = services.patrol_record_create(
            actor=w.user("office"),
            unit=getattr(w, unit),
            started_at=now - datetime.timedelta(hours=3),
            ended_at=now - datetime.timedelta(hours=1),
            patrollers="张明",
            findings="河堤护栏缺失一段",
        )
        return {"pk": record.pk}

    return kwargs


def route(w: World) -> dict[str, Any]:
    return {"pk": make_route(w).pk}


def incident_of(unit: str = "village", *, measure: bool = False) -> Any:
    def kwargs(w: World) -> dict[str, Any]:
        actor = w.user("admin") if unit == "other_village" else w.user("office")
        incident = make_incident(w, actor=actor, unit=getattr(w, unit))
        if measure:
            services.incident_measure_add(actor=actor, incident=incident, text="伤者送医")
        return {"pk": incident.pk}

    return kwargs


def some_data(w: World) -> dict[str, Any]:
    """No URL arguments; the lists have a row of each kind to show."""
    make_hazard(w, photos=[photo()])
    make_incident(w)
    record_of()(w)
    make_route(w)
    return {}


# --- bodies --------------------------------------------------------------------------------------


def new_hazard(w: World) -> dict[str, Any]:
    return {
        "unit": str(w.village.pk),
        "category": "fire",
        "severity": "general",
        "title": "柴草堆放紧邻灶房",
        "place": "河东村3组",
        "found_on": timezone.localdate().isoformat(),
        "discovery": "inspection",
    }


def new_patrol(w: World) -> dict[str, Any]:
    now = timezone.now()
    return {
        "unit": str(w.village.pk),
        "started_at": _local(now - datetime.timedelta(hours=3)),
        "ended_at": _local(now - datetime.timedelta(hours=1)),
        "patrollers": "张明",
        "findings": "3组柴草堆放",
        "h0-title": "柴草堆放紧邻灶房",
        "h0-category": "fire",
        "h0-severity": "general",
        "h0-place": "3组",
    }


def new_route(w: World) -> dict[str, Any]:
    return {
        "unit": str(w.village.pk),
        "name": "防火巡逻",
        "route": "村委会—河堤",
        "start_time": "19:00",
        "end_time": "23:00",
        "starts_on": timezone.localdate().isoformat(),
    }


def new_incident(w: World) -> dict[str, Any]:
    return {
        "unit": str(w.village.pk),
        "kind": "fire",
        "occurred_at": _local(timezone.now() - datetime.timedelta(hours=1)),
        "place": "河东村3组",
        "summary": "民房厨房起火",
        "deaths": "0",
        "injuries": "0",
        "missing": "0",
        "direct_loss": "0",
    }


def figures(w: World) -> dict[str, Any]:
    incident = Incident.objects.order_by("-pk").first()
    assert incident is not None  # noqa: S101 -- built by the check's kwargs
    return {
        "summary": incident.summary,
        "place": incident.place,
        "deaths": "0",
        "injuries": "1",
        "missing": "0",
        "direct_loss": "500",
    }


def _later(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


TABLE: dict[str, list[Check]] = {
    # --- hazards ---
    "safety:hazards": [
        Check(EVERYONE, kwargs=some_data),
        Check(EVERYONE, kwargs=some_data, query="status=overdue&category=fire&severity=general&q=柴草"),
        Check(EVERYONE, query="status=unresolved"),
    ],
    "safety:overdue": [Check(EVERYONE, kwargs=some_data)],
    "safety:hazards_export": [Check(EXPORTERS, kwargs=some_data), Check(EXPORTERS, query="status=open")],
    "safety:hazard_new": [
        Check(REPORTERS),
        Check(REPORTERS_DONE, method="POST", data=new_hazard),
        # Out of range: refused on the field.
        Check(
            {**REPORTERS, "admin": 400, "office": 400, "leader": 400, "reporter": 400, "mediator": 400},
            method="POST",
            data=lambda w: {**new_hazard(w), "latitude": "95", "longitude": "112"},
        ),
    ],
    "safety:hazard": [
        Check(EVERYONE, kwargs=hazard_of("village", photos=True)),
        Check(OTHER_VILLAGE, kwargs=hazard_of("village2")),
        Check(OTHER_TOWNSHIP, kwargs=hazard_of("other_village")),
    ],
    "safety:hazard_photos": [
        Check(
            REPORTERS_DONE,
            method="POST",
            kwargs=hazard_of(),
            data=lambda w: {"stage": "before", "photos": _jpeg()},
        ),
        Check(
            {**REPORTERS_DONE, "reporter": 404},
            method="POST",
            kwargs=hazard_of("village2"),
            data=lambda w: {"stage": "before", "photos": _jpeg()},
        ),
    ],
    "safety:photo": [
        Check(EVERYONE, kwargs=photo_of("village")),
        Check(OTHER_VILLAGE, kwargs=photo_of("village2")),
        Check(OTHER_TOWNSHIP, kwargs=photo_of("other_village")),
    ],
    "safety:photo_thumb": [
        Check(EVERYONE, kwargs=photo_of("village")),
        Check(OTHER_VILLAGE, kwargs=photo_of("village2")),
        Check(OTHER_TOWNSHIP, kwargs=photo_of("other_village")),
    ],
    "safety:hazard_rectify": [
        Check(RECTIFIERS_DONE, method="POST", kwargs=hazard_of(), data=lambda w: {"note": "已整改"}),
        Check(
            {**RECTIFIERS_DONE, "reporter": 404},
            method="POST",
            kwargs=hazard_of("village2"),
            data=lambda w: {"note": "已整改"},
        ),
    ],
    "safety:hazard_verify": [
        Check(
            VERIFIERS_DONE,
            method="POST",
            kwargs=rectified_by("reporter"),
            data=lambda w: {"decision": "accept"},
        ),
        # Four eyes: the office rectified it, so the office may not verify it.
        Check(
            {**VERIFIERS_DONE, "office": 403},
            method="POST",
            kwargs=rectified_by("office"),
            data=lambda w: {"decision": "accept"},
        ),
    ],
    "safety:hazard_due": [
        Check(
            MANAGERS_DONE,
            method="POST",
            kwargs=hazard_of(),
            data=lambda w: {"rectify_due": _later(40), "reason": "需要施工"},
        ),
    ],
    "safety:hazard_close": [
        Check(MANAGERS_DONE, method="POST", kwargs=verified_hazard, data=lambda w: {"note": "销号"}),
        # Not verified yet: a conflict with the state, for those who may close at all.
        Check(
            {**MANAGERS_DONE, "admin": 409, "office": 409},
            method="POST",
            kwargs=hazard_of(),
            data=lambda w: {"note": ""},
        ),
    ],
    # --- patrols ---
    "safety:patrols": [Check(EVERYONE, kwargs=some_data)],
    "safety:patrol_new": [Check(REPORTERS), Check(REPORTERS_DONE, method="POST", data=new_patrol)],
    "safety:patrol": [
        Check(EVERYONE, kwargs=record_of("village")),
        Check(OTHER_VILLAGE, kwargs=record_of("village2")),
    ],
    "safety:patrol_hazard": [
        Check(
            REPORTERS_DONE,
            method="POST",
            kwargs=record_of(),
            data=lambda w: {
                "title": "河堤护栏缺失",
                "category": "road_traffic",
                "severity": "general",
                "place": "河堤",
                "photos": _jpeg(),
            },
        ),
        Check(
            {**REPORTERS_DONE, "reporter": 404},
            method="POST",
            kwargs=record_of("village2"),
            data=lambda w: {
                "title": "河堤护栏缺失",
                "category": "road_traffic",
                "severity": "general",
                "place": "河堤",
            },
        ),
    ],
    "safety:route_new": [Check(MANAGERS), Check(MANAGERS_DONE, method="POST", data=new_route)],
    "safety:route_deactivate": [Check(MANAGERS_DONE, method="POST", kwargs=route)],
    # --- incidents ---
    "safety:incidents": [Check(EVERYONE, kwargs=some_data), Check(EVERYONE, query="kind=fire&status=open")],
    "safety:incident_new": [
        Check(INCIDENT_REPORTERS),
        Check(INCIDENT_REPORTERS_DONE, method="POST", data=new_incident),
    ],
    "safety:incidents_export": [Check(EXPORTERS, kwargs=some_data)],
    "safety:incident": [
        Check(EVERYONE, kwargs=incident_of("village")),
        Check(OTHER_TOWNSHIP, kwargs=incident_of("other_village")),
    ],
    "safety:incident_update": [Check(VERIFIERS_DONE, method="POST", kwargs=incident_of(), data=figures)],
    "safety:incident_measure": [
        Check(VERIFIERS_DONE, method="POST", kwargs=incident_of(), data=lambda w: {"text": "伤者送医"})
    ],
    "safety:incident_close": [
        Check(
            VERIFIERS_DONE,
            method="POST",
            kwargs=incident_of(measure=True),
            data=lambda w: {"note": "善后完毕"},
        ),
        # No follow-up measure yet: refused on the form.
        Check(
            {**VERIFIERS_DONE, "admin": 400, "office": 400, "leader": 400},
            method="POST",
            kwargs=incident_of(),
            data=lambda w: {"note": ""},
        ),
    ],
}
