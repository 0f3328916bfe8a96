"""Building safety data for tests through the services (photos are made in memory with Pillow).

Names here are imported by every safety test module (pages, API, services, export): keep them stable.
"""

import datetime
import io
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from PIL import Image

from zhenwu.core.images import image_prepare
from zhenwu.core.models import User
from zhenwu.safety import services
from zhenwu.safety.choices import HazardCategory, IncidentKind, Severity
from zhenwu.safety.models import Hazard, Incident, PatrolRoute
from zhenwu.testing.world import World

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """A Shanghai wall-clock moment on ``day`` (YYYY-MM-DD)."""
    return datetime.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=SHANGHAI)


def jpeg_bytes(width: int = 64, height: int = 48) -> bytes:
    """A small real JPEG (a two-colour picture), made in memory."""
    image = Image.new("RGB", (width, height), (200, 60, 40))
    image.paste((30, 90, 160), (0, 0, width // 2, height))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def photo(width: int = 64, height: int = 48, data: bytes | None = None) -> services.PhotoIn:
    """A checked photo ready for the services (``data``: other image bytes than the default JPEG)."""
    return services.PhotoIn(image_prepare(data if data is not None else jpeg_bytes(width, height)))


def make_hazard(world: World, **kw: Any) -> Hazard:
    """A hazard in HB-01 reported by the HB office; ``actor`` and ``unit`` override, the rest is HazardIn."""
    actor: User = kw.pop("actor", None) or world.user("office")
    unit = kw.pop("unit", None) or world.village
    fields: dict[str, Any] = {
        "title": "柴草堆放紧邻灶房",
        "category": HazardCategory.FIRE,
        "severity": Severity.GENERAL,
        "place": "河东村3组",
        **kw,
    }
    return services.hazard_report(actor=actor, unit=unit, data=services.HazardIn(**fields))


def rectified_hazard(world: World, by: User | None = None, **kw: Any) -> Hazard:
    """A hazard reported rectified by ``by`` (default: the HB-01 reporter, of the responsible unit)."""
    hazard = make_hazard(world, **kw)
    return services.hazard_rectify(
        actor=by or world.user("reporter"), hazard=hazard, note="柴草已清运，灶房加装灭火器"
    )


def make_incident(world: World, **kw: Any) -> Incident:
    """An incident in HB-01 an hour ago reported by the HB office; ``actor`` and ``unit`` override."""
    actor: User = kw.pop("actor", None) or world.user("office")
    unit = kw.pop("unit", None) or world.village
    fields: dict[str, Any] = {
        "kind": IncidentKind.FIRE,
        "occurred_at": timezone.now() - datetime.timedelta(hours=1),
        "place": "河东村3组",
        "summary": "民房厨房起火，已扑灭",
        **kw,
    }
    return services.incident_report(actor=actor, unit=unit, data=services.IncidentIn(**fields))


def make_route(world: World, **kw: Any) -> PatrolRoute:
    """An evening patrol route of HB-01 from today, created by the HB office."""
    fields: dict[str, Any] = {
        "actor": world.user("office"),
        "unit": world.village,
        "name": "春节防火巡逻",
        "route": "村委会—3组—河堤—村委会",
        "start_time": datetime.time(19, 0),
        "end_time": datetime.time(23, 0),
        "starts_on": timezone.localdate(),
        **kw,
    }
    return services.patrol_route_create(**fields)
