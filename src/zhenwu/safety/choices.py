"""Enumerations of the safety app (隐患、巡逻、事故)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class HazardCategory(models.TextChoices):
    FIRE = "fire", _("Fire")
    ROAD_TRAFFIC = "road_traffic", _("Road traffic")
    BUILDINGS = "buildings", _("Buildings")
    FLOOD_GEOLOGICAL = "flood_geological", _("Flood and geological")
    GAS = "gas", _("Gas")
    HAZARDOUS_CHEMICALS = "hazardous_chemicals", _("Hazardous chemicals")
    PRODUCTION = "production", _("Production safety")
    OTHER = "other", pgettext_lazy("hazard category", "Other")


class Severity(models.TextChoices):
    """Hazard grade; each has its rectification rule in core/rules.py."""

    GENERAL = "general", _("General hazard")
    SERIOUS = "serious", _("Serious hazard")
    MAJOR = "major", _("Major hazard")


#: severity -> deadline rule code (core/rules.py)
RECTIFY_RULES = {
    Severity.GENERAL: "safety.rectify_general",
    Severity.SERIOUS: "safety.rectify_serious",
    Severity.MAJOR: "safety.rectify_major",
}


class Discovery(models.TextChoices):
    INSPECTION = "inspection", _("Inspection")
    PATROL = "patrol", _("Patrol")
    RESIDENT_REPORT = "resident_report", _("Reported by a resident")


class HazardStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("hazard status", "To be rectified")
    RECTIFIED = "rectified", pgettext_lazy("hazard status", "Rectified, awaiting verification")
    VERIFIED = "verified", pgettext_lazy("hazard status", "Verified")
    CLOSED = "closed", pgettext_lazy("hazard status", "Closed")


class PhotoStage(models.TextChoices):
    BEFORE = "before", _("Before rectification")
    AFTER = "after", _("After rectification")


class IncidentKind(models.TextChoices):
    FIRE = "fire", pgettext_lazy("incident kind", "Fire")
    ROAD_ACCIDENT = "road_accident", _("Road accident")
    PRODUCTION_ACCIDENT = "production_accident", _("Production accident")
    NATURAL_DISASTER = "natural_disaster", _("Natural disaster")
    OTHER = "other", pgettext_lazy("incident kind", "Other emergency")


class IncidentStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("incident status", "Being handled")
    CLOSED = "closed", pgettext_lazy("incident status", "Closed")
