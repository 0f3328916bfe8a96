"""Models of the duty app (值班): rosters, shifts and who is on them, the duty log, reception days.

* A ``Roster`` is one unit's duty plan for a period (a 20-day special period, a month). Its
  ``ShiftTemplate`` rows say which shifts a day has (白班 08:30–17:30, 夜班 17:30–08:30, or 24 h),
  on which days (every day, working days, rest days by the statutory calendar) and how many
  leaders on duty and duty officers each needs. Its ``RosterMember`` rows are the pool of people
  it rotates through, per position.
* ``Shift`` rows are the templates laid out on the period's days as aware datetimes (a night shift
  ends the next morning). ``ShiftAssignment`` says who holds a position on a shift; generated
  assignments may be replaced by a later generation, manual ones (hand edits, swaps, takeovers)
  never are.
* ``Leave`` is a staff member's unavailability; generation skips it and the checks flag it.
* ``SwapRequest``: a swap of two shifts or a takeover, approved by the office (or arranged by it).
* ``SignOn``, ``DutyLogEntry`` (append-only: a correction is a new entry) and ``Handover`` (open
  items carried to the next shift) are the duty desk.
* ``ReceptionDay``: when and where a leader receives the public (领导接访日), published on a public
  page; petitions registered at a reception are linked to it.
* ``CalendarFeed``: a secret iCalendar URL of one person's or one unit's shifts.
"""

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhenwu.duty.choices import (
    AssignmentSource,
    LogKind,
    Position,
    RosterStatus,
    ShiftDays,
    SwapKind,
    SwapStatus,
)


class Roster(models.Model):
    """One unit's duty roster for a period."""

    unit = models.ForeignKey(
        "core.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="rosters",
    )
    name = models.CharField(
        verbose_name=_("name"),
        max_length=100,
    )
    starts_on = models.DateField(
        verbose_name=_("first day"),
    )
    ends_on = models.DateField(
        verbose_name=_("last day"),
    )
    status = models.CharField(
        verbose_name=_("status"),
        max_length=12,
        choices=RosterStatus.choices,
        default=RosterStatus.DRAFT,
    )
    published_at = models.DateTimeField(
        verbose_name=_("published at"),
        null=True,
        blank=True,
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    #: What was wrong when the roster was published anyway, and why (the recorded confirmation).
    published_with_gaps = models.JSONField(
        verbose_name=_("published with these problems"),
        default=list,
        blank=True,
    )
    gaps_note = models.CharField(
        verbose_name=_("reason for publishing with gaps"),
        max_length=200,
        blank=True,
    )
    webhook_url = models.URLField(
        verbose_name=_("chat robot webhook"),
        max_length=500,
        blank=True,
        help_text=_("Optional: the duty group's chat robot, told when someone has not signed on."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(
        verbose_name=_("created at"),
        auto_now_add=True,
    )

    class Meta:
        verbose_name = _("duty roster")
        verbose_name_plural = _("duty rosters")
        ordering = ["-starts_on", "id"]
        indexes = [models.Index(fields=["unit", "starts_on"], name="duty_roster_unit")]

    def __str__(self) -> str:
        return self.name


class ShiftTemplate(models.Model):
    """A shift of a roster's day: its hours, its days and how many of each position it needs."""

    roster = models.ForeignKey(
        Roster,
        verbose_name=_("roster"),
        on_delete=models.CASCADE,
        related_name="templates",
    )
    name = models.CharField(
        verbose_name=_("name"),
        max_length=40,
    )
    start_time = models.TimeField(
        verbose_name=_("starts at"),
    )
    #: Not after ``start_time``: the shift ends the next day (equal: a 24-hour shift).
    end_time = models.TimeField(
        verbose_name=_("ends at"),
    )
    days = models.CharField(
        verbose_name=_("applies on"),
        max_length=16,
        choices=ShiftDays.choices,
        default=ShiftDays.EVERY_DAY,
    )
    leaders_required = models.PositiveSmallIntegerField(
        verbose_name=_("leaders on duty"),
        default=1,
    )
    officers_required = models.PositiveSmallIntegerField(
        verbose_name=_("duty officers"),
        default=2,
    )

    class Meta:
        verbose_name = _("shift template")
        verbose_name_plural = _("shift templates")
        ordering = ["roster", "start_time", "id"]

    def __str__(self) -> str:
        return f"{self.name} {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    @property
    def crosses_midnight(self) -> bool:
        return self.end_time <= self.start_time

    def required(self, position: str) -> int:
        return self.leaders_required if position == Position.LEADER else self.officers_required


class RosterMember(models.Model):
    """A person in a roster's pool for one position, in rotation order."""

    roster = models.ForeignKey(
        Roster,
        verbose_name=_("roster"),
        on_delete=models.CASCADE,
        related_name="members",
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    position = models.CharField(
        verbose_name=_("position"),
        max_length=12,
        choices=Position.choices,
    )
    order = models.PositiveIntegerField(
        verbose_name=_("order"),
        default=0,
    )

    class Meta:
        verbose_name = _("roster member")
        verbose_name_plural = _("roster members")
        ordering = ["roster", "position", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["roster", "person", "position"], name="duty_member_once"),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.position})"


class Leave(models.Model):
    """A staff member's leave or other unavailability (whole days, inclusive)."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="duty_leaves",
    )
    starts_on = models.DateField(
        verbose_name=_("first day"),
    )
    ends_on = models.DateField(
        verbose_name=_("last day"),
    )
    reason = models.CharField(
        verbose_name=_("reason"),
        max_length=100,
        blank=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(
        verbose_name=_("created at"),
        auto_now_add=True,
    )

    class Meta:
        verbose_name = _("leave")
        verbose_name_plural = _("leave")
        ordering = ["-starts_on", "id"]
        indexes = [models.Index(fields=["person", "starts_on"], name="duty_leave_person")]

    def __str__(self) -> str:
        return f"{self.person} {self.starts_on}..{self.ends_on}"


class Shift(models.Model):
    """One shift of a roster on one day, as aware start and end moments."""

    roster = models.ForeignKey(
        Roster,
        verbose_name=_("roster"),
        on_delete=models.CASCADE,
        related_name="shifts",
    )
    template = models.ForeignKey(
        ShiftTemplate,
        verbose_name=_("shift template"),
        on_delete=models.PROTECT,
        related_name="shifts",
    )
    unit = models.ForeignKey(
        "core.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The roster's unit, kept on the shift for scoped lists and the duty desk."),
    )
    on_date = models.DateField(
        verbose_name=_("day"),
    )
    starts_at = models.DateTimeField(
        verbose_name=_("starts at"),
    )
    ends_at = models.DateTimeField(
        verbose_name=_("ends at"),
    )
    is_rest_day = models.BooleanField(
        verbose_name=_("rest day"),
        default=False,
        help_text=_("A weekend or statutory holiday by the calendar."),
    )
    day_name = models.CharField(
        verbose_name=_("holiday"),
        max_length=20,
        blank=True,
    )
    reminded_at = models.DateTimeField(
        verbose_name=_("reminded at"),
        null=True,
        blank=True,
    )
    no_sign_on_reported_at = models.DateTimeField(
        verbose_name=_("missing sign-on reported at"),
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["template", "on_date"], name="duty_shift_once"),
        ]
        indexes = [
            models.Index(fields=["roster", "starts_at"], name="duty_shift_roster"),
            models.Index(fields=["unit", "starts_at"], name="duty_shift_unit"),
            models.Index(fields=["starts_at"], name="duty_shift_start"),
        ]

    def __str__(self) -> str:
        return f"{self.template.name} {self.on_date}"

    @property
    def is_night(self) -> bool:
        """Runs through the night (ends the next day); 24-hour shifts count as nights too."""
        return self.template.crosses_midnight

    @property
    def hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600


class ShiftAssignment(models.Model):
    """A person holding a position on a shift."""

    shift = models.ForeignKey(
        Shift,
        verbose_name=_("shift"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="duty_assignments",
    )
    position = models.CharField(
        verbose_name=_("position"),
        max_length=12,
        choices=Position.choices,
    )
    source = models.CharField(
        verbose_name=_("how assigned"),
        max_length=12,
        choices=AssignmentSource.choices,
        default=AssignmentSource.GENERATED,
    )
    #: Denormalised from the shift so that "one person in two places" is one indexed range query.
    starts_at = models.DateTimeField(
        verbose_name=_("starts at"),
    )
    ends_at = models.DateTimeField(
        verbose_name=_("ends at"),
    )
    created_at = models.DateTimeField(
        verbose_name=_("created at"),
        auto_now_add=True,
    )

    class Meta:
        verbose_name = _("duty assignment")
        verbose_name_plural = _("duty assignments")
        ordering = ["shift", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shift", "person"], name="duty_assignment_once"),
        ]
        indexes = [models.Index(fields=["person", "starts_at"], name="duty_assignment_person")]

    def __str__(self) -> str:
        return f"{self.person} @ {self.shift}"


class SwapRequest(models.Model):
    """A swap of two shifts between two people, or one person taking over another's shift."""

    kind = models.CharField(
        verbose_name=_("kind"),
        max_length=12,
        choices=SwapKind.choices,
    )
    #: SET_NULL: removing an assignment later keeps the record of the swap (with ``from_person``).
    assignment = models.ForeignKey(
        ShiftAssignment,
        verbose_name=_("shift given away"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    counterpart = models.ForeignKey(
        ShiftAssignment,
        verbose_name=_("shift taken in exchange"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    from_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("given away by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken over by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    roster = models.ForeignKey(
        Roster,
        verbose_name=_("roster"),
        on_delete=models.CASCADE,
        related_name="swaps",
    )
    status = models.CharField(
        verbose_name=_("status"),
        max_length=12,
        choices=SwapStatus.choices,
        default=SwapStatus.PENDING,
    )
    reason = models.CharField(
        verbose_name=_("reason"),
        max_length=200,
        blank=True,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(
        verbose_name=_("requested at"),
        auto_now_add=True,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(
        verbose_name=_("decided at"),
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("swap request")
        verbose_name_plural = _("swap requests")
        ordering = ["-requested_at", "id"]
        indexes = [models.Index(fields=["roster", "status"], name="duty_swap_roster")]

    def __str__(self) -> str:
        return f"{self.kind} {self.assignment_id} -> {self.to_person_id}"


class SignOn(models.Model):
    """A duty officer's or leader's sign-on (签到) for their shift."""

    assignment = models.OneToOneField(
        ShiftAssignment,
        verbose_name=_("assignment"),
        on_delete=models.CASCADE,
        related_name="sign_on",
    )
    shift = models.ForeignKey(
        Shift,
        verbose_name=_("shift"),
        on_delete=models.CASCADE,
        related_name="sign_ons",
    )
    signed_at = models.DateTimeField(
        verbose_name=_("signed on at"),
    )

    class Meta:
        verbose_name = _("sign-on")
        verbose_name_plural = _("sign-ons")
        ordering = ["signed_at"]

    def __str__(self) -> str:
        return f"{self.assignment} {self.signed_at}"


class DutyLogEntry(models.Model):
    """One entry of a shift's duty log; never changed: a correction is a new entry."""

    shift = models.ForeignKey(
        Shift,
        verbose_name=_("shift"),
        on_delete=models.PROTECT,
        related_name="log_entries",
    )
    kind = models.CharField(
        verbose_name=_("kind"),
        max_length=12,
        choices=LogKind.choices,
    )
    occurred_at = models.DateTimeField(
        verbose_name=_("time"),
    )
    text = models.TextField(
        verbose_name=_("what happened"),
    )
    is_open = models.BooleanField(
        verbose_name=_("open item"),
        default=False,
        help_text=_("Still to be followed up: carried to the next shift at handover."),
    )
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("corrected entry"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
    )
    resolves = models.ForeignKey(
        "self",
        verbose_name=_("closes the open item"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resolutions",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(
        verbose_name=_("written at"),
    )

    class Meta:
        verbose_name = _("duty log entry")
        verbose_name_plural = _("duty log entries")
        ordering = ["shift", "created_at", "id"]
        indexes = [models.Index(fields=["shift", "created_at"], name="duty_log_shift")]

    def __str__(self) -> str:
        return f"{self.shift} {self.kind} {self.created_at}"


class Handover(models.Model):
    """The handover (交接班) at the end of a shift, with the open items passed on."""

    shift = models.OneToOneField(
        Shift,
        verbose_name=_("shift handed over"),
        on_delete=models.PROTECT,
        related_name="handover",
    )
    next_shift = models.ForeignKey(
        Shift,
        verbose_name=_("handed over to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handovers_received",
    )
    summary = models.TextField(
        verbose_name=_("handover notes"),
    )
    carried = models.ManyToManyField(
        DutyLogEntry,
        verbose_name=_("open items carried over"),
        blank=True,
        related_name="carried_by",
    )
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handed over by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    handed_over_at = models.DateTimeField(
        verbose_name=_("handed over at"),
    )

    class Meta:
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        ordering = ["-handed_over_at"]

    def __str__(self) -> str:
        return f"{self.shift} -> {self.next_shift_id}"


class ReceptionDay(models.Model):
    """A leader receiving the public (领导接访): when, where, published on the public page."""

    unit = models.ForeignKey(
        "core.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="reception_days",
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("receiving leader"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    on_date = models.DateField(
        verbose_name=_("day"),
    )
    start_time = models.TimeField(
        verbose_name=pgettext_lazy("reception time", "From"),
    )
    end_time = models.TimeField(
        verbose_name=pgettext_lazy("reception time", "Until"),
    )
    place = models.CharField(
        verbose_name=pgettext_lazy("reception", "Place"),
        max_length=100,
    )
    topic = models.CharField(
        verbose_name=_("matters received"),
        max_length=200,
        blank=True,
        help_text=_("Optional, e.g. 土地征收、劳动保障. Residents may raise any matter."),
    )
    is_published = models.BooleanField(
        verbose_name=_("published"),
        default=False,
    )
    is_cancelled = models.BooleanField(
        verbose_name=_("cancelled"),
        default=False,
    )
    petitions = models.ManyToManyField(
        "petitions.Petition",
        verbose_name=_("matters registered at this reception"),
        blank=True,
        related_name="reception_days",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(
        verbose_name=_("created at"),
        auto_now_add=True,
    )

    class Meta:
        verbose_name = _("reception day")
        verbose_name_plural = _("reception days")
        ordering = ["on_date", "start_time", "id"]
        indexes = [
            models.Index(fields=["unit", "on_date"], name="duty_reception_unit"),
            models.Index(fields=["is_published", "on_date"], name="duty_reception_public"),
        ]

    def __str__(self) -> str:
        return f"{self.leader} {self.on_date} {self.place}"


class CalendarFeed(models.Model):
    """A secret iCalendar URL of one person's or one unit's shifts; only a hash of the key is stored."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="duty_feeds",
    )
    unit = models.ForeignKey(
        "core.Unit",
        verbose_name=_("unit"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    key_hash = models.CharField(
        verbose_name=_("key hash"),
        max_length=64,
        unique=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(
        verbose_name=_("created at"),
        auto_now_add=True,
    )
    revoked_at = models.DateTimeField(
        verbose_name=_("revoked at"),
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person__isnull=False, unit__isnull=True)
                | models.Q(person__isnull=True, unit__isnull=False),
                name="duty_feed_person_or_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"feed {self.person_id or ''}{self.unit_id or ''}"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()
