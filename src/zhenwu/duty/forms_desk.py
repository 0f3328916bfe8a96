"""Forms of the duty desk, reception days and calendar feeds: they parse input, the services check it.

The log and handover forms are built per request from what the shift page already read (its log
and its open items), so their choices cost no extra query and can only name entries of that shift.
"""

import datetime
from collections.abc import Sequence
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhenwu.core.choices import Role, UnitKind
from zhenwu.core.models import Unit, User
from zhenwu.core.scoping import Action, scope_q
from zhenwu.duty.choices import LogKind
from zhenwu.duty.models import DutyLogEntry, Roster

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
#: ``<input type="datetime-local">`` sends 2026-03-01T10:05; a typed value may use a space.
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
MAX_LOG_TEXT = 4000
MAX_HANDOVER_TEXT = 4000
#: Units a reception is scheduled for: the county and its townships (and the manager's own unit).
RECEPTION_KINDS = (UnitKind.COUNTY, UnitKind.TOWNSHIP)


def entry_label(entry: DutyLogEntry, number: int | None = None) -> str:
    """A log entry in a choice list: its number on the page, time, kind and the start of its text."""
    moment = timezone.localtime(entry.occurred_at).strftime("%m-%d %H:%M")
    prefix = f"#{number} " if number is not None else ""
    return f"{prefix}{moment} {entry.get_kind_display()}: {Truncator(entry.text).chars(40)}"


class DutyLogForm(forms.Form):
    """A new entry of the duty log; the log is append-only, so a correction is one of these too."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=LogKind.choices,
        initial=LogKind.CALL,
    )
    occurred_at = forms.DateTimeField(
        label=_("Time"),
        required=False,
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Beijing time. Leave it as it is for now."),
    )
    text = forms.CharField(
        label=_("What happened"),
        max_length=MAX_LOG_TEXT,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_LOG_TEXT}),
        help_text=_("Who called, about what, what was done. Entries cannot be changed afterwards."),
    )
    is_open = forms.BooleanField(
        label=_("Open item: still to be followed up (carried to the next shift at handover)"),
        required=False,
    )
    corrects = forms.TypedChoiceField(
        label=_("Corrects entry"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("A correction is a new entry; the entry it corrects stays as it was written."),
    )
    resolves = forms.TypedChoiceField(
        label=_("Closes open item"),
        coerce=int,
        required=False,
        empty_value=None,
    )

    def __init__(
        self,
        *args: Any,
        log: Sequence[DutyLogEntry],
        open_items: Sequence[DutyLogEntry],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.entries = {entry.pk: entry for entry in [*log, *open_items]}
        blank = [("", "—")]
        corrects = self.fields["corrects"]
        resolves = self.fields["resolves"]
        assert isinstance(corrects, forms.TypedChoiceField)  # noqa: S101 -- declared above
        assert isinstance(resolves, forms.TypedChoiceField)  # noqa: S101 -- declared above
        corrects.choices = blank + [
            (entry.pk, entry_label(entry, number)) for number, entry in enumerate(log, start=1)
        ]
        resolves.choices = blank + [(entry.pk, entry_label(entry)) for entry in open_items]
        if not self.is_bound:
            self.initial.setdefault("occurred_at", timezone.localtime().replace(second=0, microsecond=0))
        if not open_items:
            del self.fields["resolves"]
        if not log:
            del self.fields["corrects"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # Naming the entry corrected makes the new entry a correction, whatever kind was left selected.
        if cleaned.get("corrects") is not None:
            cleaned["kind"] = LogKind.CORRECTION
        return cleaned

    def entry(self, name: str) -> DutyLogEntry | None:
        pk = self.cleaned_data.get(name)
        return self.entries.get(pk) if pk is not None else None


class HandoverForm(forms.Form):
    """The handover notes and the open items passed on (all ticked to begin with)."""

    summary = forms.CharField(
        label=_("Handover notes"),
        max_length=MAX_HANDOVER_TEXT,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_HANDOVER_TEXT}),
        help_text=_("What the next shift must know: the situation, what is under way, whom to call."),
    )
    carry = forms.TypedMultipleChoiceField(
        label=_("Open items carried to the next shift"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    #: The items the page offered: one opened meanwhile by someone else is carried, never dropped unseen.
    offered = forms.CharField(
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args: Any, open_items: Sequence[DutyLogEntry], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        carry = self.fields["carry"]
        assert isinstance(carry, forms.TypedMultipleChoiceField)  # noqa: S101 -- declared above
        carry.choices = [(entry.pk, entry_label(entry)) for entry in open_items]
        if not self.is_bound:
            self.initial["carry"] = [entry.pk for entry in open_items]
            self.initial["offered"] = " ".join(str(entry.pk) for entry in open_items)
        if not open_items:
            del self.fields["carry"]

    def offered_ids(self) -> set[int]:
        text = str(self.cleaned_data.get("offered") or "")
        return {int(part) for part in text.split() if part.isdigit()}


# --- reception days -------------------------------------------------------------------------------


def reception_units(user: User) -> QuerySet[Unit]:
    """Units the user may schedule receptions for: county and townships in scope, and their own unit."""
    choices = Q(kind__in=RECEPTION_KINDS)
    if user.unit_id is not None:
        choices |= Q(pk=user.unit_id)
    return (
        Unit.objects.active()
        .filter(scope_q(user, Action.RECEPTION_MANAGE, unit_field=""))
        .filter(choices)
        .order_by("path")
    )


def reception_leaders(user: User) -> QuerySet[User]:
    """Leaders working in the user's scope; the service checks the one chosen works in the unit."""
    return (
        User.objects.filter(role=Role.LEADER, is_active=True)
        .filter(scope_q(user, Action.RECEPTION_MANAGE, unit_field="unit"))
        .select_related("unit")
        .order_by("unit__path", "full_name", "pk")
    )


class LeaderChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        parts = [obj.get_full_name(), obj.position, obj.unit.name if obj.unit else ""]
        return " · ".join(part for part in parts if part)


class ReceptionForm(forms.Form):
    """A leader's reception day (领导接访日)."""

    unit = forms.ModelChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        empty_label=None,
    )
    leader = LeaderChoiceField(
        label=_("Receiving leader"),
        queryset=User.objects.none(),
        help_text=_("A leader working in the unit chosen above."),
    )
    on_date = forms.DateField(
        label=_("Day"),
        widget=DATE_INPUT,
    )
    start_time = forms.TimeField(
        label=pgettext_lazy("reception time", "From"),
        widget=TIME_INPUT,
        initial=datetime.time(9, 0),
    )
    end_time = forms.TimeField(
        label=pgettext_lazy("reception time", "Until"),
        widget=TIME_INPUT,
        initial=datetime.time(12, 0),
    )
    place = forms.CharField(
        label=pgettext_lazy("reception", "Place"),
        max_length=100,
        help_text=_("For example 镇综治信访维稳中心接待室."),
    )
    topic = forms.CharField(
        label=_("Matters received"),
        max_length=200,
        required=False,
        help_text=_("Optional, e.g. 土地征收、劳动保障. Residents may raise any matter."),
    )
    publish = forms.BooleanField(
        label=_("Publish on the public page now"),
        required=False,
        initial=True,
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = reception_units(user)
        unit_field = self.fields["unit"]
        leader_field = self.fields["leader"]
        assert isinstance(unit_field, forms.ModelChoiceField)  # noqa: S101 -- declared above
        assert isinstance(leader_field, forms.ModelChoiceField)  # noqa: S101 -- declared above
        unit_field.queryset = units
        leader_field.queryset = reception_leaders(user)
        if not self.is_bound and user.unit_id is not None:
            self.initial.setdefault("unit", user.unit_id)


class ReceptionLinkForm(forms.Form):
    """A matter registered at the reception, named by its registration number."""

    number = forms.CharField(
        label=_("Registration number"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
        help_text=_("A matter brought in person on the reception day, e.g. 2026-HB-000123."),
    )

    def clean_number(self) -> str:
        return "".join(str(self.cleaned_data["number"]).split()).upper()


# --- calendar feeds -----------------------------------------------------------------------------


def feed_units(user: User) -> QuerySet[Unit]:
    """Units in the user's scope that have a duty roster: those a unit feed may be made for."""
    return (
        Unit.objects.filter(scope_q(user, Action.DUTY_VIEW, unit_field=""))
        .filter(pk__in=Roster.objects.values("unit_id"))
        .order_by("path")
    )


class FeedCreateForm(forms.Form):
    """A new feed: one's own shifts (no unit), or a unit's shifts."""

    unit = forms.ModelChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        required=False,
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 -- declared above
        field.queryset = feed_units(user)
