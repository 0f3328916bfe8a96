"""Forms of the safety staff pages: they parse input; the services check it (STYLE.md §9).

Photos are the one thing checked here: each upload goes through ``services.photo_prepare`` while the
form is cleaned, so a file that is not a photo (or is too large) is refused on the photo field and
the service is never called. Coordinates, deadlines and everything else the domain decides are
passed on as typed; the services' refusals come back onto the fields (``add_domain_error``).
"""

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from zhenwu.core.exceptions import DomainError
from zhenwu.core.forms import UnitCodeField
from zhenwu.core.models import Unit, User
from zhenwu.core.rules import get_rule
from zhenwu.core.scoping import Action, scope_q
from zhenwu.safety import services
from zhenwu.safety.choices import (
    RECTIFY_RULES,
    Discovery,
    HazardCategory,
    HazardStatus,
    IncidentKind,
    IncidentStatus,
    PhotoStage,
    Severity,
)
from zhenwu.safety.models import Incident, PatrolRoute
from zhenwu.safety.selectors import HazardFilter, patrol_routes

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
#: ``<input type="datetime-local">`` sends 2026-03-01T10:05; a typed value may use a space.
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
#: A unit is picked from a list up to this many units in scope; beyond, it is typed as its code
#: (a county office sees ~400 units, a city's tens of thousands).
MAX_UNIT_CHOICES = 300
#: Hazard sub-forms on the patrol record page ("raise hazards from the findings in one step").
PATROL_FINDING_FORMS = 3
BLANK: list[tuple[str, Any]] = [("", "—")]


def _datetime_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _coordinate_input(placeholder: str) -> forms.TextInput:
    return forms.TextInput(attrs={"inputmode": "decimal", "placeholder": placeholder, "autocomplete": "off"})


def rule_days_text() -> str:
    """The deadline each severity gets when none is entered, e.g. "General hazard: 15 days; …"."""
    parts = []
    for severity in Severity:
        days = get_rule(RECTIFY_RULES[severity]).days
        parts.append(
            ngettext("%(severity)s: %(days)d day", "%(severity)s: %(days)d days", days)
            % {"severity": severity.label, "days": days}
        )
    return "; ".join(parts)


# --- units -------------------------------------------------------------------------------------


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.code}）"


def units_in_scope(user: User, action: str) -> QuerySet[Unit]:
    return Unit.objects.active().filter(scope_q(user, action, unit_field="")).order_by("path")


def unit_field(
    user: User, action: str, *, label: Any, required: bool = True, help_text: Any = ""
) -> forms.Field:
    """A unit of the user's scope for ``action``: a list on a phone, a code box for a large scope."""
    units = units_in_scope(user, action)
    if units.count() > MAX_UNIT_CHOICES:
        return UnitCodeField(
            user=user,
            label=label,
            required=required,
            help_text=help_text or _("The unit's code, e.g. HB-01."),
        )
    return UnitChoiceField(
        queryset=units,
        label=label,
        required=required,
        help_text=help_text,
        empty_label=_("All") if not required else "—",
    )


def _default_unit(field: forms.Field, user: User) -> Unit | None:
    """The user's own unit as the initial choice, when it is one of the choices."""
    if isinstance(field, forms.ModelChoiceField) and user.unit_id is not None:
        return next((unit for unit in field.queryset if unit.pk == user.unit_id), None)  # type: ignore[union-attr]
    if isinstance(field, UnitCodeField) and user.unit is not None:
        return user.unit
    return None


def _unit_initial(field: forms.Field, user: User) -> Any:
    unit = _default_unit(field, user)
    if unit is None:
        return None
    return unit.code if isinstance(field, UnitCodeField) else unit.pk


# --- photos ------------------------------------------------------------------------------------


class MultiplePhotoInput(forms.FileInput):
    """The phone's camera or gallery, several photos at once."""

    allow_multiple_selected = True

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"accept": "image/*", "capture": "environment", "multiple": True, **(attrs or {})})


class PhotoField(forms.FileField):
    """Uploaded photos, each checked and re-encoded by ``services.photo_prepare``: a list of PhotoIn."""

    widget = MultiplePhotoInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Photos"))
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text", _("Take them with the phone's camera or choose them (JPEG, PNG or WebP).")
        )
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[services.PhotoIn]:
        uploads = [u for u in (data if isinstance(data, list | tuple) else [data]) if u]
        if not uploads:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return []
        if len(uploads) > services.MAX_PHOTOS_PER_STAGE:
            raise forms.ValidationError(
                _("Choose at most %(n)d photos at a time.") % {"n": services.MAX_PHOTOS_PER_STAGE},
                code="too_many_photos",
            )
        photos, errors = [], []
        for upload in uploads:
            if not isinstance(upload, UploadedFile):
                errors.append(
                    forms.ValidationError(_("This file is not a photo (JPEG, PNG or WebP)."), code="invalid")
                )
                continue
            try:
                photos.append(services.photo_prepare(upload))
            except DomainError as exc:
                name = upload.name or ""
                message = f"{name}: {exc.message}" if name else str(exc.message)
                errors.append(forms.ValidationError(message, code=exc.code))
        if errors:
            raise forms.ValidationError(errors)
        return photos


class ActionForm(forms.Form):
    """A form among several on one page: its ids carry its name, so that labels stay unique."""

    id_prefix = "action"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


# --- hazards -----------------------------------------------------------------------------------

HAZARD_STATUS_FILTERS = [
    ("", _("All")),
    ("unresolved", _("Not yet verified")),
    ("overdue", _("Overdue")),
    *HazardStatus.choices,
]


class HazardFilterForm(forms.Form):
    """The hazard register's filters, from the query string."""

    status = forms.ChoiceField(label=_("Status"), choices=HAZARD_STATUS_FILTERS, required=False)
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("All")), *HazardCategory.choices], required=False
    )
    severity = forms.ChoiceField(
        label=_("Severity"), choices=[("", _("All")), *Severity.choices], required=False
    )
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Number, hazard or place."),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"] = unit_field(user, Action.SAFETY_VIEW, label=_("Where"), required=False)
        self.order_fields(["status", "category", "severity", "unit", "q"])

    def filters(self) -> HazardFilter:
        if not self.is_bound or not self.is_valid():
            return HazardFilter()
        data = self.cleaned_data
        return HazardFilter(
            status=data.get("status") or "",
            category=data.get("category") or "",
            severity=data.get("severity") or "",
            unit=data.get("unit"),
            q=data.get("q") or "",
        )


class HazardForm(forms.Form):
    """Report a hazard (隐患登记): where, who rectifies it, what, with photos."""

    category = forms.ChoiceField(label=_("Category"), choices=BLANK + HazardCategory.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.GENERAL)
    title = forms.CharField(
        label=_("Hazard"), max_length=200, help_text=_("In a few words, e.g. 柴草堆放紧邻灶房.")
    )
    place = forms.CharField(label=_("Place"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 5000}),
    )
    latitude = forms.CharField(
        label=_("Latitude"), required=False, max_length=20, widget=_coordinate_input("28.194")
    )
    longitude = forms.CharField(
        label=_("Longitude"), required=False, max_length=20, widget=_coordinate_input("112.982")
    )
    found_on = forms.DateField(label=_("Found on"), widget=DATE_INPUT)
    discovery = forms.ChoiceField(
        label=_("Found by way of"), choices=Discovery.choices, initial=Discovery.INSPECTION
    )
    finder = forms.CharField(
        label=_("Found by"),
        max_length=100,
        required=False,
        help_text=_("Who found it, e.g. the inspection team or the patrol (no resident's details)."),
    )
    rectify_due = forms.DateField(label=_("Rectify by"), required=False, widget=DATE_INPUT)
    measures = forms.CharField(
        label=_("Measures required"),
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 3000}),
        help_text=_("What must be done; for a major hazard, the rectification plan."),
    )
    photos = PhotoField()

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        where = unit_field(
            user, Action.HAZARD_REPORT, label=_("Where"), help_text=_("The unit in whose area it was found.")
        )
        self.fields["unit"] = where
        self.fields["responsible_unit"] = unit_field(
            user,
            Action.SAFETY_VIEW,
            label=_("Responsible unit"),
            required=False,
            help_text=_("Who must rectify it; blank: the unit where it was found."),
        )
        responsible = self.fields["responsible_unit"]
        if isinstance(responsible, forms.ModelChoiceField):
            responsible.empty_label = _("The unit where it was found")
        self.fields["rectify_due"].help_text = _("Blank: by the severity's rule (%(rules)s).") % {
            "rules": rule_days_text()
        }
        self.order_fields(
            [
                "unit",
                "responsible_unit",
                "category",
                "severity",
                "title",
                "place",
                "description",
                "latitude",
                "longitude",
                "found_on",
                "discovery",
                "finder",
                "rectify_due",
                "measures",
                "photos",
            ]
        )
        if not self.is_bound:
            self.initial.setdefault("unit", _unit_initial(where, user))
            self.initial.setdefault("found_on", timezone.localdate())

    def hazard_in(self) -> services.HazardIn:
        data = self.cleaned_data
        return services.HazardIn(
            title=data["title"],
            category=data["category"],
            severity=data["severity"],
            place=data["place"],
            description=data.get("description") or "",
            responsible_unit=data.get("responsible_unit"),
            latitude=data.get("latitude") or None,
            longitude=data.get("longitude") or None,
            found_on=data["found_on"],
            discovery=data["discovery"],
            finder=data.get("finder") or "",
            rectify_due=data.get("rectify_due"),
            measures=data.get("measures") or "",
            photos=data.get("photos") or [],
        )


class PatrolHazardForm(forms.Form):
    """A hazard raised from a recorded patrol's findings (found on the patrol's day, by the patrol)."""

    title = forms.CharField(label=_("Hazard"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=BLANK + HazardCategory.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.GENERAL)
    place = forms.CharField(label=_("Place"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 5000}),
    )
    latitude = forms.CharField(
        label=_("Latitude"), required=False, max_length=20, widget=_coordinate_input("28.194")
    )
    longitude = forms.CharField(
        label=_("Longitude"), required=False, max_length=20, widget=_coordinate_input("112.982")
    )
    photos = PhotoField()

    def hazard_in(self) -> services.HazardIn:
        data = self.cleaned_data
        return services.HazardIn(
            title=data["title"],
            category=data["category"],
            severity=data["severity"],
            place=data["place"],
            description=data.get("description") or "",
            latitude=data.get("latitude") or None,
            longitude=data.get("longitude") or None,
            photos=data.get("photos") or [],
        )


class PhotosForm(ActionForm):
    """More photos of a hazard: before rectification, or after (for those who rectify)."""

    id_prefix = "photos"

    stage = forms.ChoiceField(label=_("Stage"), choices=PhotoStage.choices, widget=forms.RadioSelect)
    photos = PhotoField(required=True)

    def __init__(self, *args: Any, stages: Sequence[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stage = self.fields["stage"]
        assert isinstance(stage, forms.ChoiceField)  # noqa: S101 -- declared above
        stage.choices = [(value, label) for value, label in PhotoStage.choices if value in stages]
        if stages:
            self.initial.setdefault("stage", stages[0])


class RectifyForm(ActionForm):
    id_prefix = "rectify"

    note = forms.CharField(
        label=_("What was done"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 3000}),
    )
    photos = PhotoField(label=_("Photos after rectification"))


ACCEPT, SEND_BACK = "accept", "send_back"


class VerifyForm(ActionForm):
    """Check a rectification on the spot: accept it, or send it back with what is still wrong."""

    id_prefix = "verify"

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(ACCEPT, _("Accept the rectification")), (SEND_BACK, _("Send it back"))],
    )
    note = forms.CharField(
        label=_("Verification note"),
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 3000}),
        help_text=_("Required when sending it back: say what is still wrong."),
    )


class DueForm(ActionForm):
    id_prefix = "due"

    rectify_due = forms.DateField(label=_("New deadline"), widget=DATE_INPUT)
    reason = forms.CharField(label=_("Reason"), max_length=200)


class CloseForm(ActionForm):
    id_prefix = "close"

    note = forms.CharField(label=_("Closing note"), max_length=300, required=False)


# --- patrols -----------------------------------------------------------------------------------


class PatrolRouteForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("E.g. 春节期间防火巡逻."))
    route = forms.CharField(
        label=_("Route"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
        help_text=_("The places passed, in order."),
    )
    start_time = forms.TimeField(label=_("Starts at"), widget=TIME_INPUT)
    end_time = forms.TimeField(
        label=_("Ends at"), widget=TIME_INPUT, help_text=_("Earlier than the start: ends the next day.")
    )
    starts_on = forms.DateField(label=_("From"), widget=DATE_INPUT)
    ends_on = forms.DateField(label=_("Until"), widget=DATE_INPUT, required=False)
    notes = forms.CharField(label=_("Notes"), max_length=300, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit = unit_field(user, Action.PATROL_MANAGE, label=_("Unit"))
        self.fields["unit"] = unit
        self.order_fields(
            ["unit", "name", "route", "start_time", "end_time", "starts_on", "ends_on", "notes"]
        )
        if not self.is_bound:
            self.initial.setdefault("unit", _unit_initial(unit, user))
            self.initial.setdefault("starts_on", timezone.localdate())


class RouteChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        assert isinstance(obj, PatrolRoute)  # noqa: S101 -- the queryset is of routes
        return f"{obj.unit.name} · {obj.name} ({obj.start_time:%H:%M}–{obj.end_time:%H:%M})"


class PatrolRecordForm(forms.Form):
    started_at = forms.DateTimeField(
        label=_("Started at"), input_formats=DATETIME_FORMATS, widget=_datetime_input()
    )
    ended_at = forms.DateTimeField(
        label=_("Ended at"), input_formats=DATETIME_FORMATS, widget=_datetime_input()
    )
    patrollers = forms.CharField(
        label=_("Patrollers"), max_length=300, help_text=_("Names, separated by commas.")
    )
    route_taken = forms.CharField(
        label=_("Route taken"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 2000}),
    )
    findings = forms.CharField(
        label=_("Findings"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 5000}),
        help_text=_("What the patrol found; nothing found: leave it blank."),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit = unit_field(user, Action.PATROL_RECORD, label=_("Unit"))
        self.fields["unit"] = unit
        self.fields["route"] = RouteChoiceField(
            queryset=patrol_routes(user=user).order_by("unit__path", "name", "id"),
            label=_("Planned route"),
            required=False,
            empty_label=_("None (not a planned patrol)"),
        )
        self.order_fields(
            ["unit", "route", "started_at", "ended_at", "patrollers", "route_taken", "findings"]
        )
        if not self.is_bound:
            now = timezone.localtime().replace(second=0, microsecond=0)
            self.initial.setdefault("unit", _unit_initial(unit, user))
            self.initial.setdefault("started_at", now - datetime.timedelta(hours=2))
            self.initial.setdefault("ended_at", now)


class FindingHazardForm(forms.Form):
    """One optional hazard among a patrol's findings; blank sub-forms are ignored."""

    title = forms.CharField(label=_("Hazard"), max_length=200, required=False)
    category = forms.ChoiceField(label=_("Category"), choices=BLANK + HazardCategory.choices, required=False)
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity.choices, initial=Severity.GENERAL, required=False
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    photos = PhotoField()

    def is_filled(self) -> bool:
        """Whether anything was entered (the severity has a default, so it does not count)."""
        data = getattr(self, "cleaned_data", {})
        return bool(data.get("title") or data.get("place") or data.get("category") or data.get("photos"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.is_filled():
            for name in ("title", "category", "severity", "place"):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, forms.ValidationError(_("This field is required."), code="required"))
        return cleaned

    def hazard_in(self) -> services.HazardIn:
        data = self.cleaned_data
        return services.HazardIn(
            title=data["title"],
            category=data["category"],
            severity=data["severity"],
            place=data["place"],
            photos=data.get("photos") or [],
        )


def finding_forms(data: Any = None, files: Any = None) -> list[FindingHazardForm]:
    return [FindingHazardForm(data, files, prefix=f"h{index}") for index in range(PATROL_FINDING_FORMS)]


# --- incidents ---------------------------------------------------------------------------------


class IncidentFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=pgettext_lazy("incident", "Kind"),
        choices=[("", _("All")), *IncidentKind.choices],
        required=False,
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *IncidentStatus.choices], required=False
    )

    def values(self) -> dict[str, str]:
        if not self.is_bound or not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value}


def _people_field(label: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=100000,
        initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "step": 1}),
    )


def _loss_field() -> forms.DecimalField:
    return forms.DecimalField(
        label=_("Direct loss (yuan)"),
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=2,
        initial=Decimal("0"),
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "min": 0, "step": "0.01"}),
    )


class IncidentForm(forms.Form):
    """Report an incident (事故报告): it goes to the duty desk's log at once."""

    kind = forms.ChoiceField(label=pgettext_lazy("incident", "Kind"), choices=BLANK + IncidentKind.choices)
    occurred_at = forms.DateTimeField(
        label=_("Occurred at"), input_formats=DATETIME_FORMATS, widget=_datetime_input()
    )
    place = forms.CharField(label=_("Place"), max_length=200)
    latitude = forms.CharField(
        label=_("Latitude"), required=False, max_length=20, widget=_coordinate_input("28.194")
    )
    longitude = forms.CharField(
        label=_("Longitude"), required=False, max_length=20, widget=_coordinate_input("112.982")
    )
    summary = forms.CharField(label=_("Summary"), max_length=200)
    description = forms.CharField(
        label=_("What happened"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 5000}),
    )
    deaths = _people_field(_("Deaths"))
    injuries = _people_field(_("Injured"))
    missing = _people_field(pgettext_lazy("people", "Missing"))
    direct_loss = _loss_field()
    response_units = forms.CharField(
        label=_("Units that responded"),
        max_length=300,
        required=False,
        help_text=_("E.g. 消防救援站, 派出所, 卫生院."),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit = unit_field(user, Action.INCIDENT_REPORT, label=_("Where"))
        self.fields["unit"] = unit
        self.order_fields(["unit"])
        if not self.is_bound:
            self.initial.setdefault("unit", _unit_initial(unit, user))
            self.initial.setdefault("occurred_at", timezone.localtime().replace(second=0, microsecond=0))

    def incident_in(self) -> services.IncidentIn:
        data = self.cleaned_data
        return services.IncidentIn(
            kind=data["kind"],
            occurred_at=data["occurred_at"],
            place=data["place"],
            summary=data["summary"],
            description=data.get("description") or "",
            deaths=data["deaths"],
            injuries=data["injuries"],
            missing=data["missing"],
            direct_loss=data["direct_loss"],
            response_units=data.get("response_units") or "",
            latitude=data.get("latitude") or None,
            longitude=data.get("longitude") or None,
        )


class IncidentUpdateForm(ActionForm):
    """The figures as they become known; the page fills in the current ones."""

    id_prefix = "update"

    summary = forms.CharField(label=_("Summary"), max_length=200)
    place = forms.CharField(label=_("Place"), max_length=200)
    deaths = _people_field(_("Deaths"))
    injuries = _people_field(_("Injured"))
    missing = _people_field(pgettext_lazy("people", "Missing"))
    direct_loss = _loss_field()
    response_units = forms.CharField(label=_("Units that responded"), max_length=300, required=False)
    description = forms.CharField(
        label=_("What happened"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 5000}),
    )

    @classmethod
    def for_incident(cls, incident: Incident) -> "IncidentUpdateForm":
        return cls(initial={name: getattr(incident, name) for name in cls.base_fields})


class MeasureForm(ActionForm):
    id_prefix = "measure"

    text = forms.CharField(
        label=_("Follow-up measure"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 3000}),
        help_text=_("E.g. aftercare of the injured, rectification, accountability."),
    )


class IncidentCloseForm(ActionForm):
    id_prefix = "close"

    note = forms.CharField(label=_("Closing note"), max_length=300, required=False)
