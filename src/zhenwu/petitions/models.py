"""Models of the petitions app (信访事项)."""

import hashlib
import hmac

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhenwu.core.fields import EncryptedCharField, LookupHashField, LookupHashMixin
from zhenwu.core.validators import validate_phone
from zhenwu.petitions.choices import (
    DeclineRoute,
    DocumentKind,
    EventKind,
    IntakeChannel,
    Satisfaction,
    Stage,
    Status,
    WarningKind,
)
from zhenwu.petitions.validators import validate_id_number

#: Stages whose clock binds staff (the others are the resident's own windows).
STAFF_STAGES = (Stage.ACCEPTANCE, Stage.CONCLUSION, Stage.REVIEW, Stage.RE_REVIEW)


class Category(models.Model):
    """A category of matters (e.g. 土地房屋, 劳动工资), configurable as a two-level tree."""

    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    name = models.CharField(
        verbose_name=_("name"),
        max_length=50,
    )
    code = models.CharField(
        verbose_name=_("code"),
        max_length=32,
        unique=True,
    )
    is_active = models.BooleanField(
        verbose_name=_("active"),
        default=True,
    )
    sort_order = models.PositiveSmallIntegerField(
        verbose_name=_("order"),
        default=0,
    )

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id and self.parent else self.name


class Petitioner(LookupHashMixin, models.Model):
    """A resident who raised a matter; recognised across matters by ID number (not unique: see services).

    The ID number and phone are encrypted in the database (core/fields.py); the ID number is found
    again through ``id_number_hash`` (``core.fields.lookup_values``), never by filtering on it.
    """

    name = models.CharField(
        verbose_name=_("name"),
        max_length=50,
    )
    id_number = EncryptedCharField(
        verbose_name=_("ID number"),
        max_length=18,
        blank=True,
        validators=[validate_id_number],
    )
    id_number_hash = LookupHashField(
        verbose_name=_("ID number lookup hash"),
        source="id_number",
        kind="id_number",
    )
    phone = EncryptedCharField(
        verbose_name=_("phone"),
        max_length=32,
        blank=True,
        validators=[validate_phone],
    )
    address = models.CharField(
        verbose_name=_("address"),
        max_length=200,
        blank=True,
    )
    created_at = models.DateTimeField(
        verbose_name=_("created at"),
        auto_now_add=True,
    )

    class Meta:
        verbose_name = _("petitioner")
        verbose_name_plural = _("petitioners")

    def __str__(self) -> str:
        return self.name


class Petition(models.Model):
    """A petition matter (信访事项): one resident's (or a group's) request, complaint or suggestion."""

    number = models.CharField(
        verbose_name=_("registration number"),
        max_length=32,
        unique=True,
    )
    query_code_hash = models.CharField(
        verbose_name=_("query code hash"),
        max_length=64,
        editable=False,
    )
    channel = models.CharField(
        verbose_name=_("channel"),
        max_length=16,
        choices=IntakeChannel.choices,
    )
    unit = models.ForeignKey(
        "core.Unit",
        verbose_name=_("registering unit"),
        on_delete=models.PROTECT,
        related_name="petitions_registered",
    )
    handling_unit = models.ForeignKey(
        "core.Unit",
        verbose_name=_("handling unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="petitions_handled",
    )
    lead_official = models.ForeignKey(
        "core.User",
        verbose_name=_("lead official"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="petitions_led",
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="petitions",
    )
    summary = models.CharField(
        verbose_name=_("summary"),
        max_length=200,
    )
    content = models.TextField(
        verbose_name=_("full text"),
        max_length=20000,
    )
    place = models.CharField(
        verbose_name=_("place"),
        max_length=200,
        blank=True,
    )
    is_collective = models.BooleanField(
        verbose_name=_("collective matter"),
        default=False,
    )
    headcount = models.PositiveIntegerField(
        verbose_name=_("headcount"),
        default=1,
    )
    is_first_time = models.BooleanField(
        verbose_name=_("first-time matter"),
        default=True,
        help_text=_("No earlier matter of the same petitioners: handled with priority (初信初访)."),
    )
    accused_unit = models.ForeignKey(
        "core.Unit",
        verbose_name=_("accused unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("A unit the matter reports or accuses; it never sees the matter."),
    )
    accused_user = models.ForeignKey(
        "core.User",
        verbose_name=_("accused official"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("A staff member the matter reports or accuses; they never see the matter."),
    )
    received_at = models.DateTimeField(
        verbose_name=_("received at"),
    )
    registered_at = models.DateTimeField(
        verbose_name=_("registered at"),
        auto_now_add=True,
    )
    registered_by = models.ForeignKey(
        "core.User",
        verbose_name=_("registered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        verbose_name=_("status"),
        max_length=16,
        choices=Status.choices,
        default=Status.REGISTERED,
    )
    stage = models.CharField(
        verbose_name=_("deadline stage"),
        max_length=20,
        choices=Stage.choices,
        default=Stage.ACCEPTANCE,
    )
    due_on = models.DateField(
        verbose_name=_("due on"),
        null=True,
        blank=True,
    )
    accepted_at = models.DateTimeField(verbose_name=_("accepted at"), null=True, blank=True)
    declined_at = models.DateTimeField(verbose_name=_("declined at"), null=True, blank=True)
    decline_route = models.CharField(
        verbose_name=_("proper channel"),
        max_length=24,
        choices=DeclineRoute.choices,
        blank=True,
    )
    decline_reason = models.TextField(verbose_name=_("reason for declining"), blank=True)
    assigned_at = models.DateTimeField(verbose_name=_("assigned at"), null=True, blank=True)
    extension_days = models.PositiveSmallIntegerField(verbose_name=_("extension (days)"), default=0)
    extension_reason = models.TextField(verbose_name=_("reason for the extension"), blank=True)
    extension_approved_by = models.ForeignKey(
        "core.User",
        verbose_name=_("extension approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(verbose_name=_("answered at"), null=True, blank=True)
    opinion_request = models.TextField(verbose_name=_("request"), blank=True)
    opinion_facts = models.TextField(verbose_name=_("facts found"), blank=True)
    opinion_decision = models.TextField(verbose_name=_("decision"), blank=True)
    opinion_basis = models.TextField(verbose_name=_("legal basis"), blank=True)
    satisfaction = models.CharField(
        verbose_name=_("satisfaction"),
        max_length=16,
        choices=Satisfaction.choices,
        blank=True,
    )
    satisfaction_comment = models.TextField(verbose_name=_("comment"), blank=True, max_length=1000)
    rated_at = models.DateTimeField(verbose_name=_("rated at"), null=True, blank=True)
    review_requested_at = models.DateTimeField(verbose_name=_("review requested at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(verbose_name=_("reviewed at"), null=True, blank=True)
    review_opinion = models.TextField(verbose_name=_("review opinion"), blank=True)
    re_review_requested_at = models.DateTimeField(
        verbose_name=_("re-review requested at"), null=True, blank=True
    )
    re_reviewed_at = models.DateTimeField(verbose_name=_("re-reviewed at"), null=True, blank=True)
    re_review_opinion = models.TextField(verbose_name=_("re-review opinion"), blank=True)
    hearing_days = models.PositiveSmallIntegerField(
        verbose_name=_("hearing days"),
        default=0,
        help_text=_("Days of hearing in a re-review; the law does not count them."),
    )
    closed_at = models.DateTimeField(verbose_name=_("closed at"), null=True, blank=True)
    search_text = models.TextField(
        verbose_name=_("search index text"),
        blank=True,
        editable=False,
        help_text=_("Overlapping two-character pieces of the summary and text, for Chinese search."),
    )
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("petition")
        verbose_name_plural = _("petitions")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "status", "received_at"], name="petitions_unit_status_idx"),
            models.Index(fields=["handling_unit", "status"], name="petitions_handling_status_idx"),
            # The deadline and date-order indexes differ per database: petitions/vendor_indexes.py.
            models.Index(fields=["category", "received_at"], name="petitions_category_idx"),
            models.Index(fields=["channel", "received_at"], name="petitions_channel_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @staticmethod
    def hash_query_code(code: str) -> str:
        """Keyed hash: a leaked database does not reveal codes, and look-ups stay one indexed read."""
        return hmac.new(settings.SECRET_KEY.encode(), code.upper().encode(), hashlib.sha256).hexdigest()

    def query_code_matches(self, code: str) -> bool:
        return hmac.compare_digest(self.query_code_hash, self.hash_query_code(code))


class PetitionParty(models.Model):
    """A petitioner of a matter; a collective matter has several, some of them representatives."""

    petition = models.ForeignKey(
        Petition,
        verbose_name=_("petition"),
        on_delete=models.CASCADE,
        related_name="parties",
    )
    petitioner = models.ForeignKey(
        Petitioner,
        verbose_name=_("petitioner"),
        on_delete=models.PROTECT,
        related_name="parties",
    )
    is_representative = models.BooleanField(
        verbose_name=_("representative"),
        default=False,
    )

    class Meta:
        verbose_name = _("petitioner of a matter")
        verbose_name_plural = _("petitioners of matters")
        constraints = [
            models.UniqueConstraint(fields=["petition", "petitioner"], name="petitions_party_once"),
        ]

    def __str__(self) -> str:
        return f"{self.petition_id}:{self.petitioner_id}"


class PetitionEvent(models.Model):
    """One entry of a matter's timeline (Saleor-style event)."""

    petition = models.ForeignKey(
        Petition,
        verbose_name=_("petition"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    kind = models.CharField(
        verbose_name=_("kind"),
        max_length=16,
        choices=EventKind.choices,
    )
    from_status = models.CharField(verbose_name=_("from"), max_length=16, blank=True)
    to_status = models.CharField(verbose_name=_("to"), max_length=16, blank=True)
    actor = models.ForeignKey(
        "core.User",
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(verbose_name=_("actor name"), max_length=100, blank=True)
    occurred_at = models.DateTimeField(verbose_name=_("time"))
    note = models.TextField(verbose_name=_("note"), blank=True)
    data = models.JSONField(verbose_name=_("data"), default=dict, blank=True)
    public = models.BooleanField(
        verbose_name=_("shown to the resident"),
        default=False,
    )

    class Meta:
        verbose_name = _("petition event")
        verbose_name_plural = _("petition events")
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["petition", "occurred_at"], name="petitions_event_time_idx")]

    def __str__(self) -> str:
        return f"{self.petition_id} {self.kind}"


class PetitionDocument(models.Model):
    """A written notice generated for a matter (.docx), kept with it."""

    petition = models.ForeignKey(
        Petition,
        verbose_name=_("petition"),
        on_delete=models.CASCADE,
        related_name="documents",
    )
    kind = models.CharField(verbose_name=_("kind"), max_length=16, choices=DocumentKind.choices)
    file = models.FileField(verbose_name=_("file"), upload_to="petitions/documents/%Y/%m/")
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        "core.User",
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("petition document")
        verbose_name_plural = _("petition documents")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.petition_id} {self.kind}"


class Attachment(models.Model):
    """A file attached to a matter, stored outside the web root under a random name."""

    petition = models.ForeignKey(
        Petition,
        verbose_name=_("petition"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(verbose_name=_("file"), upload_to="petitions/attachments/%Y/%m/")
    original_name = models.CharField(verbose_name=_("file name"), max_length=200)
    content_type = models.CharField(verbose_name=_("content type"), max_length=100)
    size = models.PositiveIntegerField(verbose_name=_("size (bytes)"))
    uploaded_at = models.DateTimeField(verbose_name=_("uploaded at"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        "core.User",
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class PetitionLink(models.Model):
    """A link between two matters (e.g. a possible duplicate); linking never hides either."""

    from_petition = models.ForeignKey(
        Petition, verbose_name=_("matter"), on_delete=models.CASCADE, related_name="links_from"
    )
    to_petition = models.ForeignKey(
        Petition, verbose_name=_("linked matter"), on_delete=models.CASCADE, related_name="links_to"
    )
    note = models.CharField(verbose_name=_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        "core.User", verbose_name=_("created by"), on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("link between matters")
        verbose_name_plural = _("links between matters")
        constraints = [
            models.UniqueConstraint(fields=["from_petition", "to_petition"], name="petitions_link_once"),
        ]

    def __str__(self) -> str:
        return f"{self.from_petition_id}→{self.to_petition_id}"


class Recusal(models.Model):
    """A staff member's declaration of a direct interest (Art. 28 ¶3): keeps them off the matter."""

    petition = models.ForeignKey(
        Petition, verbose_name=_("petition"), on_delete=models.CASCADE, related_name="recusals"
    )
    user = models.ForeignKey(
        "core.User", verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(verbose_name=_("reason"), max_length=200)
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("recusal")
        verbose_name_plural = _("recusals")
        constraints = [models.UniqueConstraint(fields=["petition", "user"], name="petitions_recusal_once")]

    def __str__(self) -> str:
        return f"{self.petition_id}:{self.user_id}"


class DeadlineWarning(models.Model):
    """A warning recorded once per matter, stage, kind and due date (survives restarts)."""

    petition = models.ForeignKey(
        Petition, verbose_name=_("petition"), on_delete=models.CASCADE, related_name="warnings"
    )
    stage = models.CharField(verbose_name=_("stage"), max_length=20, choices=Stage.choices)
    kind = models.CharField(verbose_name=_("kind"), max_length=10, choices=WarningKind.choices)
    due_on = models.DateField(verbose_name=_("due on"))
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("deadline warning")
        verbose_name_plural = _("deadline warnings")
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "stage", "kind", "due_on"], name="petitions_warning_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.petition_id} {self.stage} {self.kind}"


class NumberSequence(models.Model):
    """The last registration number used per registering unit and year."""

    unit = models.ForeignKey("core.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(verbose_name=_("year"))
    last = models.PositiveIntegerField(verbose_name=_("last number"), default=0)

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="petitions_sequence_once")]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.year}: {self.last}"
