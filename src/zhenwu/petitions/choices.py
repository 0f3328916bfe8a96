"""Enumerations of the petitions app."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class IntakeChannel(models.TextChoices):
    """How the matter reached us (信访工作条例 Art. 17)."""

    VISIT = "visit", _("Visit")
    LETTER = "letter", _("Letter")
    PHONE = "phone", pgettext_lazy("intake channel", "Phone")
    ONLINE = "online", _("Online")
    FAX = "fax", _("Fax")
    REFERRAL = "referral", _("Referral from a higher level")


class Status(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    ASSIGNED = "assigned", _("Assigned")
    HANDLING = "handling", _("In handling")
    ANSWERED = "answered", _("Handling opinion issued")
    RATED = "rated", _("Satisfaction rated")
    UNDER_REVIEW = "under_review", _("Under review")
    REVIEWED = "reviewed", _("Review opinion issued")
    UNDER_RE_REVIEW = "under_re_review", _("Under re-review")
    RE_REVIEWED = "re_reviewed", _("Re-review opinion issued")
    CLOSED = "closed", _("Closed")


class DeclineRoute(models.TextChoices):
    """Where a matter that is not a petition belongs (诉访分离)."""

    LITIGATION = "litigation", _("Litigation (court)")
    ARBITRATION = "arbitration", _("Arbitration")
    ADMIN_RECONSIDERATION = "admin_reconsideration", _("Administrative reconsideration")
    REPEAT = "repeat", _("Already accepted and within its time limit")
    FINAL = "final", _("Re-reviewed already: the same facts are not accepted again")
    OTHER = "other", _("Other channel")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY = "basically", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


class Stage(models.TextChoices):
    """The clock that is running; each stage's due date comes from one rule (core.rules)."""

    ACCEPTANCE = "acceptance", _("Acceptance notice")
    CONCLUSION = "conclusion", _("Handling and written opinion")
    REVIEW_REQUEST = "review_request", _("Window to request a review")
    REVIEW = "review", _("Review decision")
    RE_REVIEW_REQUEST = "re_review_request", _("Window to request a re-review")
    RE_REVIEW = "re_review", _("Re-review decision")
    NONE = "none", _("No deadline running")


class EventKind(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    TRANSITION = "transition", _("Status changed")
    EXTENDED = "extended", _("Deadline extended")
    REASSIGNED = "reassigned", _("Re-assigned")
    NOTE = "note", _("Note")
    DOCUMENT = "document", _("Document generated")
    LINKED = "linked", _("Linked to another matter")
    RECUSED = "recused", _("Handler recused")
    WARNING = "warning", _("Deadline warning")


class DocumentKind(models.TextChoices):
    ACCEPTANCE = "acceptance", _("Acceptance notice")
    DECLINE = "decline", _("Decline notice")
    OPINION = "opinion", _("Handling opinion")
    EXTENSION = "extension", _("Extension notice")


class WarningKind(models.TextChoices):
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
