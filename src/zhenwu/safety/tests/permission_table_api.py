"""Role x route rules of the safety API routes (see zhenwu.testing.permissions).

The hazards, patrols and incidents are of HB-01 (the reporter's village, seen by every role of 河坝镇),
of HB-02 (not the HB-01 reporter's: 404) or of 石桥镇 (SQ, only the administrator's). Every working
role reports a hazard and records a patrol (oversight: 403); the responsible unit's people rectify
(the mediator: 403); the office and leaders verify, never the person who rectified (four eyes, 403);
the office manages deadlines, routes and closing; oversight and the leaders export.

Photos and bodies are made per request (each role's request is rolled back). The objects are built
on a fixed day of 2026; the requests run at the real date, so their dates count from today.
"""

import datetime
from collections.abc import Callable
from typing import Any

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from zhenwu.core.models import Unit
from zhenwu.safety import services
from zhenwu.safety.models import Hazard, Incident, PatrolRecord
from zhenwu.safety.tests.factories import at, jpeg_bytes, make_hazard, make_incident, make_route, photo
from zhenwu.testing.permissions import Check, Outcome, every_role, expect
from zhenwu.testing.world import World

#: When the objects of the table are built.
BUILT_AT = at("2026-06-15", 9)


def api(**outcomes: Outcome) -> dict[str, Outcome]:
    return {**expect(**outcomes), "anonymous": 401}


EVERYONE = every_role(200, anonymous=401)
#: An object of HB-02: the HB-01 reporter does not see it.
OTHER_VILLAGE = {**EVERYONE, "reporter": 404}
#: An object of 石桥镇: only the administrator sees it.
OTHER_TOWNSHIP = api(admin=200, office=404, leader=404, reporter=404, mediator=404, oversight=404)
#: Every working role reports hazards and records patrols.
REPORTERS = api(admin=201, office=201, leader=201, reporter=201, mediator=201, oversight=403)
#: The responsible unit's people and the office rectify.
RECTIFIERS = api(admin=200, office=200, leader=200, reporter=200, mediator=403, oversight=403)
#: The office and leaders verify.
VERIFIERS = api(admin=200, office=200, leader=200, reporter=403, mediator=403, oversight=403)
#: The office manages deadlines, routes and closing.
OFFICE = api(admin=200, office=200, leader=403, reporter=403, mediator=403, oversight=403)
#: Incidents are managed by the office and leaders.
INCIDENT_MANAGERS = VERIFIERS
EXPORT = api(admin=200, office=200, leader=200, reporter=403, mediator=403, oversight=200)


def _unit(w: World, name: str) -> Unit:
    return getattr(w, name)  # type: ignore[no-any-return]


def _built(build: Callable[[], Any]) -> Any:
    with time_machine.travel(BUILT_AT, tick=False):
        return build()


def _hazard(w: World, unit: str = "village", *, state: str = "open", photos: int = 0) -> Hazard:
    def build() -> Hazard:
        actor = w.user("admin") if unit == "other_village" else w.user("office")
        hazard = make_hazard(w, actor=actor, unit=_unit(w, unit), photos=[photo() for _i in range(photos)])
        if state in ("rectified", "verified", "rectified_by_office"):
            by = w.user("office") if state == "rectified_by_office" else w.user("reporter")
            if unit == "other_village":
                by = w.user("admin")
            hazard = services.hazard_rectify(actor=by, hazard=hazard, note="已清运")
        if state == "verified":
            hazard = services.hazard_verify(actor=w.user("leader"), hazard=hazard, accepted=True)
        return hazard

    return _built(build)  # type: ignore[no-any-return]


def hazard(unit: str = "village", **kw: Any) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"hazard_id": _hazard(w, unit, **kw).pk}


def hazard_photo(unit: str = "village") -> Callable[[World], dict[str, Any]]:
    def kwargs(w: World) -> dict[str, Any]:
        found = _hazard(w, unit, photos=1)
        return {"hazard_id": found.pk, "photo_id": found.photos.get().pk}

    return kwargs


def some_hazards(w: World) -> dict[str, Any]:
    _hazard(w, "village")
    _hazard(w, "village2")
    return {}


def route(w: World) -> dict[str, Any]:
    return {"route_id": _built(lambda: make_route(w)).pk}


def some_routes(w: World) -> dict[str, Any]:
    route(w)
    return {}


def some_patrols(w: World) -> dict[str, Any]:
    patrol(w)
    return {}


def _patrol(w: World) -> PatrolRecord:
    def build() -> PatrolRecord:
        record, _hazards = services.patrol_record_create(
            actor=w.user("reporter"),
            unit=w.village,
            started_at=at("2026-06-14", 19),
            ended_at=at("2026-06-14", 22),
            patrollers="张明、志愿者二人",
        )
        return record

    return _built(build)  # type: ignore[no-any-return]


def patrol(w: World) -> dict[str, Any]:
    return {"record_id": _patrol(w).pk}


def _incident(w: World, unit: str = "village", *, measure: bool = False) -> Incident:
    def build() -> Incident:
        actor = w.user("admin") if unit == "other_village" else w.user("office")
        incident = make_incident(w, actor=actor, unit=_unit(w, unit))
        if measure:
            services.incident_measure_add(actor=actor, incident=incident, text="排查周边线路")
        return incident

    return _built(build)  # type: ignore[no-any-return]


def incident(unit: str = "village", **kw: Any) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"incident_id": _incident(w, unit, **kw).pk}


def some_incidents(w: World) -> dict[str, Any]:
    _incident(w)
    return {}


def jpeg(name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(), content_type="image/jpeg")


def new_hazard(unit: str = "village", **extra: Any) -> Callable[[World], dict[str, Any]]:
    """A multipart body: the fields and one photo (a fresh file per request)."""

    def body(w: World) -> dict[str, Any]:
        return {
            "unit": _unit(w, unit).pk,
            "title": "柴草堆放紧邻灶房",
            "category": "fire",
            "severity": "general",
            "place": "河东村3组",
            "latitude": "28.194",
            "longitude": "112.982",
            "photos": [jpeg()],
            **extra,
        }

    return body


def _now() -> datetime.datetime:
    return timezone.now()


TABLE: dict[str, list[Check]] = {
    "api:list_hazards": [
        Check(EVERYONE, kwargs=some_hazards),
        Check(EVERYONE, kwargs=some_hazards, query="status=unresolved&category=fire&q=柴草"),
        Check(EVERYONE, kwargs=some_hazards, query="status=overdue&severity=general"),
        Check(every_role(422, anonymous=401), query="status=lost"),
    ],
    "api:export_hazards": [Check(EXPORT, kwargs=some_hazards)],
    "api:create_hazard": [
        Check(REPORTERS, method="POST", data=new_hazard()),
        # HB-02 is not the reporter's village.
        Check({**REPORTERS, "reporter": 404}, method="POST", data=new_hazard("village2")),
        # A latitude out of range: the domain's 400, for those who may report.
        Check(
            {**REPORTERS, "admin": 400, "office": 400, "leader": 400, "reporter": 400, "mediator": 400},
            method="POST",
            data=new_hazard(latitude="91"),
        ),
    ],
    "api:get_hazard": [
        Check(EVERYONE, kwargs=hazard()),
        Check(OTHER_VILLAGE, kwargs=hazard("village2")),
        Check(OTHER_TOWNSHIP, kwargs=hazard("other_village")),
    ],
    "api:add_hazard_photos": [
        Check(
            {**REPORTERS},
            method="POST",
            kwargs=hazard(),
            data=lambda w: {"stage": "before", "photos": [jpeg()]},
        ),
        # Photos after rectification are the rectifiers'.
        Check(
            {**RECTIFIERS, "admin": 201, "office": 201, "leader": 201, "reporter": 201},
            method="POST",
            kwargs=hazard(),
            data=lambda w: {"stage": "after", "photos": [jpeg()]},
        ),
    ],
    "api:rectify_hazard": [
        Check(
            RECTIFIERS, method="POST", kwargs=hazard(), data=lambda w: {"note": "已清运", "photos": [jpeg()]}
        ),
    ],
    "api:verify_hazard": [
        Check(
            VERIFIERS,
            method="POST",
            json=True,
            kwargs=hazard(state="rectified"),
            data=lambda w: {"accepted": True},
        ),
        # Rectified by the office: the office may not verify its own rectification (four eyes).
        Check(
            {**VERIFIERS, "office": 403},
            method="POST",
            json=True,
            kwargs=hazard(state="rectified_by_office"),
            data=lambda w: {"accepted": True},
        ),
    ],
    "api:set_hazard_due": [
        Check(
            OFFICE,
            method="POST",
            json=True,
            kwargs=hazard(),
            data=lambda w: {"rectify_due": "2026-08-31", "reason": "需施工改造"},
        ),
        # Before the day it was found.
        Check(
            {**OFFICE, "admin": 400, "office": 400},
            method="POST",
            json=True,
            kwargs=hazard(),
            data=lambda w: {"rectify_due": "2026-06-01", "reason": "需施工改造"},
        ),
    ],
    "api:close_hazard": [Check(OFFICE, method="POST", json=True, kwargs=hazard(state="verified"))],
    "api:get_hazard_photo": [
        Check(EVERYONE, kwargs=hazard_photo()),
        Check(OTHER_VILLAGE, kwargs=hazard_photo("village2")),
    ],
    "api:get_hazard_thumbnail": [
        Check(EVERYONE, kwargs=hazard_photo()),
        Check(OTHER_VILLAGE, kwargs=hazard_photo("village2")),
    ],
    "api:list_patrol_routes": [
        Check(EVERYONE, kwargs=some_routes),
        Check(EVERYONE, kwargs=some_routes, query="include_inactive=true"),
    ],
    "api:create_patrol_route": [
        Check(
            {**OFFICE, "admin": 201, "office": 201},
            method="POST",
            json=True,
            data=lambda w: {
                "unit": w.village.pk,
                "name": "汛期河堤巡查",
                "route": "村委会—河堤—水闸",
                "start_time": "20:00",
                "end_time": "02:00",
                "starts_on": timezone.localdate().isoformat(),
            },
        )
    ],
    "api:deactivate_patrol_route": [Check(OFFICE, method="POST", kwargs=route)],
    "api:list_patrols": [
        Check(EVERYONE, kwargs=some_patrols),
        Check(every_role(404, anonymous=401), query="unit=999999"),
    ],
    "api:create_patrol": [
        Check(
            REPORTERS,
            method="POST",
            json=True,
            data=lambda w: {
                "unit": w.village.pk,
                "started_at": (_now() - datetime.timedelta(hours=3)).isoformat(),
                "ended_at": (_now() - datetime.timedelta(hours=1)).isoformat(),
                "patrollers": "张明、志愿者二人",
                "findings": "3组柴草堆放紧邻灶房",
                "hazards": [
                    {"title": "柴草堆放紧邻灶房", "category": "fire", "severity": "general", "place": "3组"}
                ],
            },
        )
    ],
    "api:get_patrol": [Check(EVERYONE, kwargs=patrol)],
    "api:raise_patrol_hazard": [
        Check(
            REPORTERS,
            method="POST",
            kwargs=patrol,
            data=lambda w: {
                "title": "河堤护栏缺失",
                "category": "road_traffic",
                "severity": "serious",
                "place": "河堤",
                "photos": [jpeg()],
            },
        )
    ],
    "api:list_incidents": [
        Check(EVERYONE, kwargs=some_incidents),
        Check(EVERYONE, kwargs=some_incidents, query="kind=fire&status=open&occurred_from=2026-06-01"),
    ],
    "api:export_incidents": [Check(EXPORT, kwargs=some_incidents)],
    "api:create_incident": [
        Check(
            api(admin=201, office=201, leader=201, reporter=201, mediator=403, oversight=403),
            method="POST",
            json=True,
            data=lambda w: {
                "unit": w.village.pk,
                "kind": "road_accident",
                "occurred_at": (_now() - datetime.timedelta(hours=1)).isoformat(),
                "place": "县道X012线河东村段",
                "summary": "两车刮擦，无人员伤亡",
            },
        )
    ],
    "api:get_incident": [
        Check(EVERYONE, kwargs=incident()),
        Check(OTHER_TOWNSHIP, kwargs=incident("other_village")),
    ],
    "api:update_incident": [
        Check(
            INCIDENT_MANAGERS, method="PATCH", json=True, kwargs=incident(), data=lambda w: {"injuries": 1}
        ),
    ],
    "api:add_incident_measure": [
        Check(
            {**INCIDENT_MANAGERS, "admin": 201, "office": 201, "leader": 201},
            method="POST",
            json=True,
            kwargs=incident(),
            data=lambda w: {"text": "排查周边线路"},
        )
    ],
    "api:close_incident": [
        Check(INCIDENT_MANAGERS, method="POST", json=True, kwargs=incident(measure=True)),
        # Without a follow-up measure.
        Check(
            {**INCIDENT_MANAGERS, "admin": 400, "office": 400, "leader": 400},
            method="POST",
            json=True,
            kwargs=incident(),
        ),
    ],
}
