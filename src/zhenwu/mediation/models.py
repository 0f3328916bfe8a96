"""Models of the mediation app (矛盾纠纷调解台账).

* ``DisputeKind``: the configurable kinds (婚姻家庭, 邻里, 土地山林权属 …);
* ``Dispute``: one dispute with its parties, its handling unit and mediators, and its lifecycle
  (registered → in mediation / declined → agreement / no agreement → closed); a dispute may come from a
  petition (``petition``) and may be escalated to one (``escalated_petition``);
* ``MediationSession``: one sitting with the parties and its record (人民调解法 Art. 27);
* ``MediationAgreement``: the written agreement with the contents Art. 29 requires;
* ``FollowUp``: scheduled follow-up visits (回访) checking performance (Art. 31).

Risk of escalation is the mediator's words about the *dispute*; nothing here describes or watches a
person (DESIGN.md, "What it deliberately does not do").
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhenwu.core.fields import EncryptedCharField, LookupHashField, LookupHashMixin
from zhenwu.core.validators import validate_phone
from zhenwu.mediation.choices import (
    Channel,
    DisputeSource,
    DisputeStatus,
    FollowUpMethod,
    PartyKind,
    PartySide,
    Performance,
)
from zhenwu.petitions.validators import normalize_id_number, validate_id_number


class DisputeKind(models.Model):
    """A kind of dispute; configurable by the office, never deleted (deactivated instead)."""

    code = models.SlugField(verbose_name=_("code"), max_length=40, unique=True)
    name = models.CharField(verbose_name=_("name"), max_length=40, unique=True)
    sort_order = models.PositiveSmallIntegerField(verbose_name=_("order"), default=0)
    is_active = models.BooleanField(verbose_name=_("active"), default=True)

    class Meta:
        verbose_name = _("dispute kind")
        verbose_name_plural = _("dispute kinds")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Dispute(models.Model):
    number = models.CharField(verbose_name=_("number"), max_length=40, unique=True)
    handling_unit = models.ForeignKey(
        "core.Unit",
        verbose_name=_("handling unit"),
        on_delete=models.PROTECT,
        related_name="disputes",
        help_text=_("The unit whose mediation committee handles the dispute."),
    )
    kind = models.ForeignKey(DisputeKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="+")
    source = models.CharField(verbose_name=_("came in as"), max_length=20, choices=DisputeSource.choices)
    summary = models.CharField(verbose_name=_("summary"), max_length=200)
    details = models.TextField(verbose_name=_("what the dispute is about"), blank=True, max_length=5000)
    place = models.CharField(verbose_name=_("place"), max_length=200, blank=True)
    risk_note = models.TextField(
        verbose_name=_("risk of escalation"),
        blank=True,
        max_length=2000,
        help_text=_("The mediator's assessment of the dispute (not of a person): what could make it worse."),
    )
    mediators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("mediators"), related_name="mediated_disputes", blank=True
    )
    status = models.CharField(
        verbose_name=_("status"),
        max_length=12,
        choices=DisputeStatus.choices,
        default=DisputeStatus.REGISTERED,
    )
    petition = models.ForeignKey(
        "petitions.Petition",
        verbose_name=_("referred from petition"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referred_disputes",
    )
    escalated_petition = models.OneToOneField(
        "petitions.Petition",
        verbose_name=_("escalated to petition"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="escalated_from",
    )
    registered_at = models.DateTimeField(verbose_name=_("registered at"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("registered by"), on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(verbose_name=_("accepted at"), null=True, blank=True)
    due_on = models.DateField(
        verbose_name=_("mediation target date"),
        null=True,
        blank=True,
        help_text=_("From the deadline rule “mediation target”, counted from acceptance."),
    )
    declined_reason = models.TextField(verbose_name=_("reason not accepted"), blank=True, max_length=2000)
    advised_channel = models.CharField(
        verbose_name=_("channel advised"), max_length=20, choices=Channel.choices, blank=True
    )
    advised_note = models.CharField(verbose_name=_("advice given"), max_length=300, blank=True)
    concluded_at = models.DateTimeField(verbose_name=_("mediation ended at"), null=True, blank=True)
    no_agreement_reason = models.TextField(verbose_name=_("why no agreement"), blank=True, max_length=2000)
    closed_at = models.DateTimeField(verbose_name=_("closed at"), null=True, blank=True)
    close_note = models.CharField(verbose_name=_("closing note"), max_length=300, blank=True)
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-registered_at", "-id"]
        indexes = [
            models.Index(fields=["handling_unit", "-registered_at"], name="dispute_unit_time"),
            models.Index(fields=["status", "due_on"], name="dispute_status_due"),
            models.Index(fields=["-registered_at", "-id"], name="dispute_ledger"),
        ]

    def __str__(self) -> str:
        return self.number


#: Unified social credit code (GB 32100-2015): 18 characters of digits and capitals without I, O, S, V, Z.
CREDIT_CODE_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")


class DisputeParty(LookupHashMixin, models.Model):
    """A party: a resident (personal details masked outside the detail reveal) or an organisation.

    The ID number (or credit code) and phone are encrypted in the database (core/fields.py).
    """

    dispute = models.ForeignKey(
        Dispute, verbose_name=_("dispute"), on_delete=models.CASCADE, related_name="parties"
    )
    kind = models.CharField(verbose_name=_("kind"), max_length=12, choices=PartyKind.choices)
    side = models.CharField(verbose_name=_("side"), max_length=12, choices=PartySide.choices)
    name = models.CharField(verbose_name=_("name"), max_length=100)
    id_number = EncryptedCharField(
        verbose_name=_("ID number / credit code"),
        max_length=18,
        blank=True,
        help_text=_("A resident's ID number or an organisation's unified social credit code."),
    )
    id_number_hash = LookupHashField(
        verbose_name=_("ID number lookup hash"), source="id_number", kind="id_number"
    )
    phone = EncryptedCharField(
        verbose_name=_("phone"), max_length=20, blank=True, validators=[validate_phone]
    )
    address = models.CharField(verbose_name=_("address"), max_length=200, blank=True)
    representative = models.CharField(
        verbose_name=_("legal representative"), max_length=50, blank=True, help_text=_("For an organisation.")
    )
    order = models.PositiveSmallIntegerField(verbose_name=_("order"), default=0)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["dispute", "order", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.id_number = normalize_id_number(self.id_number)
        if not self.id_number:
            return
        if self.kind == PartyKind.PERSON:
            try:
                validate_id_number(self.id_number)
            except ValidationError as exc:
                raise ValidationError({"id_number": exc.messages}) from None
        elif not CREDIT_CODE_RE.match(self.id_number):
            raise ValidationError(
                {"id_number": [_("A unified social credit code has 18 digits or capital letters.")]}
            )


class MediationSession(models.Model):
    dispute = models.ForeignKey(
        Dispute, verbose_name=_("dispute"), on_delete=models.CASCADE, related_name="sessions"
    )
    held_at = models.DateTimeField(verbose_name=_("held at"))
    place = models.CharField(verbose_name=_("place"), max_length=200, blank=True)
    participants = models.TextField(verbose_name=_("participants"), max_length=1000)
    record = models.TextField(verbose_name=_("record"), max_length=10000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(verbose_name=_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")
        ordering = ["dispute", "held_at", "id"]

    def __str__(self) -> str:
        return f"{self.dispute} {self.held_at:%Y-%m-%d}"


class MediationAgreement(models.Model):
    """The written agreement (调解协议书) with what 人民调解法 Art. 29 asks it to state."""

    dispute = models.OneToOneField(
        Dispute, verbose_name=_("dispute"), on_delete=models.CASCADE, related_name="agreement"
    )
    facts = models.TextField(verbose_name=_("main facts"), max_length=5000)
    issues = models.TextField(verbose_name=_("matters in dispute"), max_length=3000)
    responsibilities = models.TextField(verbose_name=_("each party's responsibility"), max_length=3000)
    terms = models.TextField(verbose_name=_("terms agreed"), max_length=5000)
    performance_manner = models.TextField(verbose_name=_("manner of performance"), max_length=2000)
    performance_due = models.DateField(verbose_name=_("performed by"))
    is_oral = models.BooleanField(
        verbose_name=_("oral agreement"),
        default=False,
        help_text=_("Agreed orally; the mediator records its content (Art. 28)."),
    )
    signed_on = models.DateField(
        verbose_name=_("took effect on"), help_text=_("The day every party and the mediator signed.")
    )
    confirmation_due_on = models.DateField(
        verbose_name=_("judicial confirmation by"),
        null=True,
        blank=True,
        help_text=_("The parties may apply jointly to the court within 30 days (Art. 33)."),
    )
    copies = models.PositiveSmallIntegerField(verbose_name=_("copies"), default=3)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(verbose_name=_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("mediation agreement")
        verbose_name_plural = _("mediation agreements")

    def __str__(self) -> str:
        return f"{self.dispute} {self.signed_on}"


class FollowUp(models.Model):
    """A follow-up visit (回访), scheduled for a day and recorded when done."""

    dispute = models.ForeignKey(
        Dispute, verbose_name=_("dispute"), on_delete=models.CASCADE, related_name="follow_ups"
    )
    due_on = models.DateField(verbose_name=_("due on"))
    method = models.CharField(
        verbose_name=_("method"), max_length=10, choices=FollowUpMethod.choices, default=FollowUpMethod.VISIT
    )
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("scheduled by"), on_delete=models.PROTECT, related_name="+"
    )
    done_at = models.DateTimeField(verbose_name=_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    performance = models.CharField(
        verbose_name=_("performance"), max_length=16, choices=Performance.choices, blank=True
    )
    notes = models.TextField(verbose_name=_("what was found"), blank=True, max_length=3000)

    class Meta:
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")
        ordering = ["dispute", "due_on", "id"]
        indexes = [models.Index(fields=["done_at", "due_on"], name="followup_pending")]

    def __str__(self) -> str:
        return f"{self.dispute} {self.due_on}"


class DisputeSequence(models.Model):
    """The last number given per handling unit and year (2026-HB-TJ0001)."""

    unit = models.ForeignKey("core.Unit", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="dispute_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.year}: {self.last}"
