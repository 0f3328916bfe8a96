"""Models of the safety app: the hazard register (隐患台账), patrols (巡逻) and incidents (事故).

* ``Hazard``: found on an inspection, a patrol or from a resident's report, in a unit's area (``unit``),
  to be rectified by a responsible unit by a deadline set by severity; rectified → verified by
  someone other than who rectified (four eyes) → closed (销号). Photos before and after.
* ``PatrolRoute`` / ``PatrolRecord``: planned patrols per village (e.g. volunteer patrols in a special
  period) and what each patrol found; a finding becomes a hazard in the same step.
* ``Incident``: fires, road and production accidents and other emergencies with casualties, losses,
  the units that responded and the follow-up measures; reported to the duty desk's log.

Coordinates are of the *hazard or incident*, never of a person.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhenwu.safety.choices import (
    Discovery,
    HazardCategory,
    HazardStatus,
    IncidentKind,
    IncidentStatus,
    PhotoStage,
    Severity,
)

LATITUDE_VALIDATORS = [MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))]
LONGITUDE_VALIDATORS = [MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))]


def _latitude() -> models.DecimalField:
    return models.DecimalField(
        verbose_name=_("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=LATITUDE_VALIDATORS,
    )


def _longitude() -> models.DecimalField:
    return models.DecimalField(
        verbose_name=_("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=LONGITUDE_VALIDATORS,
    )


class PatrolRoute(models.Model):
    """A planned patrol: where, when, and for which period (e.g. the Spring Festival fire season)."""

    unit = models.ForeignKey("core.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(verbose_name=_("name"), max_length=100)
    route = models.TextField(
        verbose_name=_("route"), max_length=2000, help_text=_("The places passed, in order.")
    )
    start_time = models.TimeField(verbose_name=_("starts at"))
    end_time = models.TimeField(
        verbose_name=_("ends at"), help_text=_("Earlier than the start: ends the next day.")
    )
    starts_on = models.DateField(verbose_name=pgettext_lazy("period", "from"))
    ends_on = models.DateField(verbose_name=_("until"), null=True, blank=True)
    notes = models.CharField(verbose_name=_("notes"), max_length=300, blank=True)
    is_active = models.BooleanField(verbose_name=_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("patrol route")
        verbose_name_plural = _("patrol routes")
        ordering = ["unit", "name", "id"]

    def __str__(self) -> str:
        return self.name


class PatrolRecord(models.Model):
    unit = models.ForeignKey("core.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    route = models.ForeignKey(
        PatrolRoute,
        verbose_name=_("planned route"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="records",
    )
    started_at = models.DateTimeField(verbose_name=_("started at"))
    ended_at = models.DateTimeField(verbose_name=_("ended at"))
    patrollers = models.CharField(verbose_name=_("patrollers"), max_length=300)
    route_taken = models.TextField(verbose_name=_("route taken"), max_length=2000, blank=True)
    findings = models.TextField(verbose_name=_("findings"), max_length=5000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(verbose_name=_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("patrol record")
        verbose_name_plural = _("patrol records")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["unit", "-started_at"], name="patrol_unit_time")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.started_at:%Y-%m-%d %H:%M}"


class Hazard(models.Model):
    number = models.CharField(verbose_name=_("number"), max_length=40, unique=True)
    unit = models.ForeignKey(
        "core.Unit",
        verbose_name=_("where"),
        on_delete=models.PROTECT,
        related_name="hazards",
        help_text=_("The unit in whose area the hazard was found."),
    )
    responsible_unit = models.ForeignKey(
        "core.Unit",
        verbose_name=_("responsible unit"),
        on_delete=models.PROTECT,
        related_name="hazards_to_rectify",
    )
    category = models.CharField(verbose_name=_("category"), max_length=20, choices=HazardCategory.choices)
    severity = models.CharField(verbose_name=_("severity"), max_length=10, choices=Severity.choices)
    title = models.CharField(verbose_name=_("hazard"), max_length=200)
    description = models.TextField(verbose_name=_("description"), max_length=5000, blank=True)
    place = models.CharField(verbose_name=_("place"), max_length=200)
    latitude = _latitude()
    longitude = _longitude()
    discovery = models.CharField(verbose_name=_("found by way of"), max_length=20, choices=Discovery.choices)
    found_on = models.DateField(verbose_name=_("found on"))
    found_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    finder = models.CharField(
        verbose_name=_("found by"),
        max_length=100,
        blank=True,
        help_text=_("Who found it, e.g. the inspection team or the patrol (no resident's details)."),
    )
    patrol_record = models.ForeignKey(
        PatrolRecord,
        verbose_name=_("patrol record"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hazards",
    )
    status = models.CharField(
        verbose_name=_("status"), max_length=10, choices=HazardStatus.choices, default=HazardStatus.OPEN
    )
    rectify_due = models.DateField(verbose_name=_("rectify by"))
    measures = models.TextField(
        verbose_name=_("measures required"),
        max_length=3000,
        blank=True,
        help_text=_("What must be done; for a major hazard, the rectification plan."),
    )
    rectified_at = models.DateTimeField(verbose_name=_("rectified at"), null=True, blank=True)
    rectified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rectified by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    rectification_note = models.TextField(verbose_name=_("what was done"), max_length=3000, blank=True)
    verified_at = models.DateTimeField(verbose_name=_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    verification_note = models.TextField(verbose_name=_("verification note"), max_length=3000, blank=True)
    returned_count = models.PositiveSmallIntegerField(
        verbose_name=_("times sent back"),
        default=0,
        help_text=_("Rectifications not accepted on verification."),
    )
    closed_at = models.DateTimeField(verbose_name=_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(verbose_name=_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")
        ordering = ["-found_on", "-id"]
        indexes = [
            models.Index(fields=["unit", "-found_on"], name="hazard_unit_found"),
            models.Index(fields=["responsible_unit", "status"], name="hazard_responsible"),
            models.Index(fields=["status", "rectify_due"], name="hazard_status_due"),
            models.Index(fields=["-found_on", "-id"], name="hazard_ledger"),
        ]

    def __str__(self) -> str:
        return self.number


class HazardPhoto(models.Model):
    """A photo of a hazard, re-encoded without metadata, with its thumbnail; served only in scope."""

    hazard = models.ForeignKey(
        Hazard, verbose_name=_("hazard"), on_delete=models.CASCADE, related_name="photos"
    )
    stage = models.CharField(verbose_name=_("stage"), max_length=10, choices=PhotoStage.choices)
    image = models.FileField(verbose_name=_("photo"), upload_to="safety/photos/%Y/%m/")
    thumbnail = models.FileField(verbose_name=_("thumbnail"), upload_to="safety/thumbs/%Y/%m/")
    content_type = models.CharField(verbose_name=_("content type"), max_length=40)
    width = models.PositiveIntegerField(verbose_name=_("width"))
    height = models.PositiveIntegerField(verbose_name=_("height"))
    size = models.PositiveIntegerField(verbose_name=_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(verbose_name=_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("hazard photo")
        verbose_name_plural = _("hazard photos")
        ordering = ["hazard", "uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.hazard_id}/{self.pk}"


class Incident(models.Model):
    number = models.CharField(verbose_name=_("number"), max_length=40, unique=True)
    unit = models.ForeignKey(
        "core.Unit", verbose_name=_("where"), on_delete=models.PROTECT, related_name="incidents"
    )
    kind = models.CharField(verbose_name=_("kind"), max_length=24, choices=IncidentKind.choices)
    occurred_at = models.DateTimeField(verbose_name=_("occurred at"))
    place = models.CharField(verbose_name=_("place"), max_length=200)
    latitude = _latitude()
    longitude = _longitude()
    summary = models.CharField(verbose_name=_("summary"), max_length=200)
    description = models.TextField(verbose_name=_("what happened"), max_length=5000, blank=True)
    deaths = models.PositiveIntegerField(verbose_name=_("deaths"), default=0)
    injuries = models.PositiveIntegerField(verbose_name=_("injured"), default=0)
    missing = models.PositiveIntegerField(verbose_name=pgettext_lazy("people", "missing"), default=0)
    direct_loss = models.DecimalField(
        verbose_name=_("direct loss (yuan)"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    response_units = models.CharField(
        verbose_name=_("units that responded"),
        max_length=300,
        blank=True,
        help_text=_("E.g. 消防救援站, 派出所, 卫生院."),
    )
    status = models.CharField(
        verbose_name=_("status"), max_length=10, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(verbose_name=_("reported at"))
    duty_log_entry = models.ForeignKey(
        "duty.DutyLogEntry",
        verbose_name=_("duty log entry"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField(verbose_name=_("closed at"), null=True, blank=True)
    close_note = models.CharField(verbose_name=_("closing note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "-occurred_at"], name="incident_unit_time"),
            models.Index(fields=["-occurred_at", "-id"], name="incident_ledger"),
        ]

    def __str__(self) -> str:
        return self.number


class IncidentMeasure(models.Model):
    """A follow-up measure taken after an incident (善后、整改、追责 …), in order."""

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="measures"
    )
    text = models.TextField(verbose_name=_("measure"), max_length=3000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("written by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(verbose_name=_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("follow-up measure")
        verbose_name_plural = _("follow-up measures")
        ordering = ["incident", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.text[:30]}"


class SafetySequence(models.Model):
    """The last number per unit, year and prefix (2026-HB-YH0001 hazards, 2026-HB-SG0001 incidents)."""

    unit = models.ForeignKey("core.Unit", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    prefix = models.CharField(max_length=4)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "prefix"], name="safety_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.year}/{self.prefix}: {self.last}"
