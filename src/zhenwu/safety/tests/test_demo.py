"""The safety demo: what ``load_demo`` adds for 河坝镇, that every state is there, and that it loads once.

One test loads the core demo and the domain demos once (there is no module-scoped database fixture).
The clock is frozen by the safety conftest (2026-06-15 09:00); the second load moves it.
"""

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import translation

from zhenwu.core.choices import Role
from zhenwu.core.localtime import beijing_date
from zhenwu.core.models import AuditEvent, Unit, User
from zhenwu.duty.models import DutyLogEntry
from zhenwu.safety.choices import HazardStatus, IncidentKind, IncidentStatus, PhotoStage, Severity
from zhenwu.safety.models import Hazard, HazardPhoto, Incident, IncidentMeasure, PatrolRecord, PatrolRoute
from zhenwu.safety.services import hazard_verify
from zhenwu.safety.tests.factories import at

pytestmark = pytest.mark.django_db

#: Words of the purposes the README excludes; no demo text may carry them (as in the other demos).
EXCLUDED_WORDS = ("重点人员", "稳控", "劝返", "越级", "行踪", "盯守", "截访")


def load() -> str:
    """Run ``load_demo`` with its messages in English (the site's default is Chinese)."""
    out = StringIO()
    with translation.override("en"):
        call_command("load_demo", stdout=out)
    return out.getvalue()


def state_of_everything() -> dict[str, Any]:
    return {
        "hazards": list(
            Hazard.objects.order_by("pk").values_list("pk", "number", "status", "returned_count")
        ),
        "photos": list(HazardPhoto.objects.order_by("pk").values_list("pk", "image")),
        "routes": list(PatrolRoute.objects.order_by("pk").values_list("pk", "name")),
        "patrols": list(PatrolRecord.objects.order_by("pk").values_list("pk", "started_at")),
        "incidents": list(Incident.objects.order_by("pk").values_list("pk", "status")),
        "measures": IncidentMeasure.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def demo_texts() -> list[str]:
    rows: list[tuple[str, ...]] = []
    rows += Hazard.objects.values_list(
        "title", "description", "place", "finder", "measures", "rectification_note", "verification_note"
    )
    rows += PatrolRecord.objects.values_list("patrollers", "route_taken", "findings")
    rows += PatrolRoute.objects.values_list("name", "route", "notes")
    rows += Incident.objects.values_list("summary", "description", "place", "response_units", "close_note")
    rows += IncidentMeasure.objects.values_list("text")
    return [text for row in rows for text in row]


def test_demo_registers_hazards_in_every_state_patrols_and_incidents_and_loads_once(clock):
    now = at("2026-06-15", 9)
    today = beijing_date(now)
    out = load()
    assert (
        "Demo safety: 10 hazards with 11 photos, 2 patrol routes, 6 patrol records, 4 incidents with 8 "
        "follow-up measures." in out
    )
    township = Unit.objects.get(code="HB")
    office = User.objects.get(username="hb_office")
    reporter = User.objects.get(username="hb_reporter")

    # Ten hazards across categories, severities and villages, in every state.
    hazards = Hazard.objects.select_related("unit", "rectified_by")
    assert hazards.count() == 10
    assert all(h.unit.parent == township for h in hazards)
    assert len({h.unit.code for h in hazards}) == 7
    assert len({h.category for h in hazards}) >= 7
    assert {h.severity for h in hazards} == set(Severity.values)
    assert {h.status for h in hazards} == set(HazardStatus.values)
    assert not hazards.filter(found_on__gt=today).exists()
    overdue = hazards.filter(status=HazardStatus.OPEN, rectify_due__lt=today)
    assert overdue.count() == 1
    sent_back = hazards.get(returned_count=1)
    assert sent_back.status == HazardStatus.OPEN and sent_back.verification_note
    assert hazards.filter(status=HazardStatus.CLOSED, returned_count=0).count() == 2
    verified = hazards.get(status=HazardStatus.VERIFIED)
    assert verified.verified_by is not None and verified.verified_by.role == Role.LEADER

    # Raised from patrols (three in the record's own step, one from the record afterwards).
    assert hazards.filter(patrol_record__isnull=False).count() == 4
    # Photos: JPEGs with thumbnails, before on seven hazards, after on the rectified ones.
    photos = HazardPhoto.objects.all()
    assert {p.content_type for p in photos} == {"image/jpeg"}
    assert all(
        p.image.storage.exists(p.image.name) and p.thumbnail.storage.exists(p.thumbnail.name) for p in photos
    )
    assert photos.filter(stage=PhotoStage.BEFORE).values("hazard").distinct().count() == 7
    assert photos.filter(stage=PhotoStage.AFTER).count() == 4

    # Two planned routes in two villages; patrol records in three.
    routes = PatrolRoute.objects.select_related("unit")
    assert {r.unit.code for r in routes} == {"HB-01", "HB-03"}
    assert all(r.starts_on <= today <= (r.ends_on or today) for r in routes)
    assert {r.unit.code for r in PatrolRecord.objects.select_related("unit")} == {"HB-01", "HB-02", "HB-03"}
    assert not PatrolRecord.objects.filter(ended_at__gt=now).exists()

    # Four incidents with their measures; the fire is closed, the road accident has two injured.
    incidents = Incident.objects.all()
    assert incidents.count() == 4
    assert all(i.measures.exists() for i in incidents)
    assert [i.kind for i in incidents.filter(status=IncidentStatus.CLOSED)] == [IncidentKind.FIRE]
    assert incidents.get(kind=IncidentKind.ROAD_ACCIDENT).injuries == 2
    assert sum(incidents.values_list("deaths", flat=True)) == 0
    # They happened before the demo roster starts: nothing was forwarded into a duty log.
    assert not incidents.filter(duty_log_entry__isnull=False).exists()
    assert not DutyLogEntry.objects.filter(author__role=Role.REPORTER).exists()

    # Only hazards, patrols and incidents: no text serves a purpose the README excludes.
    assert not [text for text in demo_texts() if any(word in text for word in EXCLUDED_WORDS)]

    # Loading again changes nothing, not even the audit log.
    before = state_of_everything()
    clock.move_to(at("2026-06-16", 12))
    assert "Demo safety: already there." in load()
    assert state_of_everything() == before

    # The rectification 河东村's grid worker reported waits for the office, which may verify it.
    (waiting,) = hazards.filter(status=HazardStatus.RECTIFIED)
    assert waiting.rectified_by == reporter and waiting.unit.code == "HB-01"
    assert waiting.photos.filter(stage=PhotoStage.AFTER).exists()
    assert hazard_verify(actor=office, hazard=waiting, accepted=True).status == HazardStatus.VERIFIED
