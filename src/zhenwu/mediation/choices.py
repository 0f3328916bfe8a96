"""Enumerations of the mediation app (矛盾纠纷调解)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DisputeSource(models.TextChoices):
    """How a dispute came in."""

    RESIDENT_REQUEST = "resident_request", _("A party asked for mediation")
    FOUND_BY_UNIT = "found_by_unit", _("Found by a unit (排查)")
    PETITION = "petition", _("Referred from a petition")
    POLICE_OR_COURT = "police_or_court", _("Referred by the police or a court")


class DisputeStatus(models.TextChoices):
    REGISTERED = "registered", pgettext_lazy("dispute status", "Registered")
    ACCEPTED = "accepted", pgettext_lazy("dispute status", "In mediation")
    DECLINED = "declined", pgettext_lazy("dispute status", "Not accepted for mediation")
    AGREED = "agreed", pgettext_lazy("dispute status", "Agreement reached")
    NOT_AGREED = "not_agreed", pgettext_lazy("dispute status", "No agreement")
    CLOSED = "closed", pgettext_lazy("dispute status", "Closed")


#: The states in which a dispute is still being worked on (the ledger's "open" filter).
OPEN_STATUSES = (DisputeStatus.REGISTERED, DisputeStatus.ACCEPTED, DisputeStatus.AGREED)


class PartyKind(models.TextChoices):
    PERSON = "person", _("Resident")
    ORGANISATION = "organisation", _("Organisation")


class PartySide(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    RESPONDENT = "respondent", _("Respondent")
    THIRD_PARTY = "third_party", _("Third party")


class Channel(models.TextChoices):
    """The channel a party is advised to take when mediation is declined or fails."""

    LITIGATION = "litigation", pgettext_lazy("mediation channel", "Litigation (court)")
    ARBITRATION = "arbitration", pgettext_lazy("mediation channel", "Arbitration")
    LABOUR_ARBITRATION = "labour_arbitration", _("Labour dispute arbitration")
    LAND_ARBITRATION = "land_arbitration", _("Rural land contract arbitration")
    ADMINISTRATIVE = "administrative", _("The competent administrative body")
    PETITION = "petition", _("Petition (信访)")
    OTHER = "other", pgettext_lazy("mediation channel", "Other channel")


class FollowUpMethod(models.TextChoices):
    VISIT = "visit", _("Home visit")
    PHONE = "phone", pgettext_lazy("follow-up method", "Phone")


class Performance(models.TextChoices):
    """What a follow-up visit found about the agreement's performance."""

    PERFORMED = "performed", _("Performed")
    IN_PROGRESS = "in_progress", _("Being performed")
    NOT_PERFORMED = "not_performed", _("Not performed")
    NOT_APPLICABLE = "not_applicable", _("No agreement to perform")
