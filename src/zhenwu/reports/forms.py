"""Forms of the reports staff pages: they parse input; the services and ``fields`` do the checking.

A report form is data (``ReportFormVersion.fields``), so ``ReportValuesForm`` is built per request
from the current version's ``FieldSpec`` list. Its fields accept any text: whether a count is a
whole number, a yes/no is answered or a required field is filled is decided once, by
``fields.clean_values`` inside ``report_submit``, and its per-field messages are put back on the
form. The same holds for a form definition (``fields.clean_definition``) entered as formset rows.
"""

import datetime
import re
from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from zhenwu.core.choices import UnitKind
from zhenwu.core.exceptions import ValidationFailed
from zhenwu.core.models import Unit, User
from zhenwu.core.scoping import Action, has_instance_scope, scope_q
from zhenwu.reports.choices import DayRule, FieldKind, Weekday
from zhenwu.reports.fields import MAX_AMOUNT, MAX_FIELDS, MAX_HELP, MAX_LABEL, MAX_TEXT, FieldSpec
from zhenwu.reports.models import ReportSchedule, ReportType
from zhenwu.reports.selectors import report_type_list
from zhenwu.reports.sources import all_sources

#: Deadlines typed as "09:00, 17:00", "09:00 17:00" or "09:00、17:00" (Chinese punctuation too).
TIMES_SPLIT = re.compile(r"[\s,，、;；]+")
YES, NO = "yes", "no"
#: Units that define report types and collect reports: the county and its townships (not villages).
COLLECTING_KINDS = (UnitKind.COUNTY, UnitKind.TOWNSHIP)
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def split_times(text: str) -> list[str]:
    """The deadline times typed in one box, in the order typed; ``clean_times`` checks each."""
    return [part for part in TIMES_SPLIT.split(text.strip()) if part]


def collecting_units(user: User) -> QuerySet[Unit]:
    """Units the user may define report types and schedules for: their own, and county/township
    units in their manage scope (a short list: never every village of a county)."""
    choices = Q(kind__in=COLLECTING_KINDS)
    if user.unit_id is not None:
        choices |= Q(pk=user.unit_id)
    return (
        Unit.objects.active()
        .filter(scope_q(user, Action.REPORT_MANAGE, unit_field=""))
        .filter(choices)
        .order_by("path")
    )


def default_collecting_unit(user: User, units: QuerySet[Unit]) -> Unit | None:
    """The user's own unit when it is a choice, else the first choice (an administrator without one)."""
    if user.unit_id is not None:
        own = next((unit for unit in units if unit.pk == user.unit_id), None)
        if own is not None:
            return own
    return units.first()


def _blank_if_none(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    return str(value)


# --- filling in a report --------------------------------------------------------------------


def _value_field(spec: FieldSpec) -> forms.Field:
    """An input for one field of a report form; the checking is ``fields.clean_values``'s."""
    attrs: dict[str, Any] = {}
    widget: forms.Widget
    if spec.kind == FieldKind.COUNT:
        attrs = {"min": 0, "max": MAX_AMOUNT, "step": 1, "inputmode": "numeric"}
        widget = forms.NumberInput(attrs=attrs)
    elif spec.kind == FieldKind.NUMBER:
        attrs = {"min": 0, "max": MAX_AMOUNT, "step": "0.01", "inputmode": "decimal"}
        widget = forms.NumberInput(attrs=attrs)
    elif spec.kind == FieldKind.YES_NO:
        widget = forms.RadioSelect(choices=[(YES, _("Yes")), (NO, _("No"))])
    else:
        widget = forms.Textarea(attrs={"rows": 3, "maxlength": MAX_TEXT})
    return forms.CharField(label=spec.label, help_text=spec.help, required=False, widget=widget)


class ReportValuesForm(forms.Form):
    """The unit's answers, one input per field of the form version (names ``v-<key>``)."""

    prefix = "v"

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        specs: Sequence[FieldSpec],
        values: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        initial = {key: _blank_if_none(value) for key, value in (values or {}).items()}
        super().__init__(data, initial=initial, **kwargs)
        self.specs = list(specs)
        for spec in self.specs:
            self.fields[spec.key] = _value_field(spec)

    def rows(self) -> list[tuple[FieldSpec, forms.BoundField]]:
        """Each field with its spec (the template shows ``required`` from the spec, not the input)."""
        return [(spec, self[spec.key]) for spec in self.specs]

    def values(self) -> dict[str, str]:
        """What was typed, by field key, for ``report_submit`` (blank answers left out)."""
        return {spec.key: value for spec in self.specs if (value := self._raw(spec.key))}

    def figures(self) -> dict[str, str]:
        """What was typed in the count, number and text fields: a zero report must carry none.

        Yes/no answers are left out: a radio button cannot be cleared once chosen, and an answer
        such as "duty officer on shift: yes" is no figure.
        """
        return {
            spec.key: value
            for spec in self.specs
            if spec.kind != FieldKind.YES_NO and (value := self._raw(spec.key))
        }

    def _raw(self, key: str) -> str:
        value = self.cleaned_data.get(key) if hasattr(self, "cleaned_data") else None
        return str(value or "").strip()


class SubmissionForm(forms.Form):
    """What the page loaded (form version, revision) and, for a correction, its reason."""

    form_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    expected_revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    note = forms.CharField(
        label=_("Reason for the correction"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"maxlength": 200}),
        help_text=_("The deadline has passed: the report you correct is kept, with your reason."),
    )

    def __init__(self, *args: Any, needs_note: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not needs_note:
            del self.fields["note"]


# --- report types -----------------------------------------------------------------------------


def source_choices(current: str = "") -> list[tuple[str, str]]:
    """The registered data sources, and ``current`` even when its app no longer registers it."""
    choices = [("", gettext("None: every figure is entered by hand"))]
    choices += [(source.key, f"{source.label} ({source.key})") for source in all_sources()]
    if current and all(key != current for key, _label in choices):
        choices.append((current, current))
    return choices


SOURCE_HELP = _(
    "Figures counted from zhenwu's own records fill in the report form; "
    "the reporter checks them before submitting."
)


def _source_field(current: str = "", help_text: Any = SOURCE_HELP) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Data source"), choices=source_choices(current), required=False, help_text=help_text
    )


class ReportTypeForm(forms.Form):
    """A new report type; its fields come from ``FieldRowFormSet``."""

    owner_unit = forms.ModelChoiceField(
        label=_("Defined by"),
        queryset=Unit.objects.none(),
        empty_label=None,
        help_text=_("The unit whose office defines and changes this report type."),
    )
    code = forms.SlugField(
        label=_("Code"),
        max_length=40,
        help_text=_("Letters, digits, - and _, e.g. daily-2026. It cannot be changed."),
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = collecting_units(user)
        field = self.fields["owner_unit"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 -- declared above
        field.queryset = units
        if not self.is_bound:
            self.initial.setdefault("owner_unit", default_collecting_unit(user, units))
        if all_sources():  # without any registered source the page stays as it was
            self.fields["source"] = _source_field(
                help_text=format_lazy(
                    "{} {}",
                    SOURCE_HELP,
                    _("Leave the fields below empty to use the fields the source counts."),
                )
            )


class FieldRowForm(forms.Form):
    """One field of a report form. Key and label both empty: the row is left out."""

    key = forms.CharField(
        label=_("Key"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": 40, "autocapitalize": "none", "spellcheck": "false"}),
        help_text=_("Lower-case letters, digits and _; keep it when you change the label."),
    )
    label = forms.CharField(
        label=_("Label"), required=False, widget=forms.TextInput(attrs={"maxlength": MAX_LABEL})
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=FieldKind.choices, initial=FieldKind.COUNT)
    required = forms.BooleanField(label=_("Required"), required=False, initial=True)
    help = forms.CharField(
        label=_("Help text"), required=False, widget=forms.TextInput(attrs={"maxlength": MAX_HELP})
    )

    def definition(self) -> dict[str, Any] | None:
        """The row as a field definition, or None for a row left empty."""
        data = getattr(self, "cleaned_data", None) or {}
        key, label = str(data.get("key") or "").strip(), str(data.get("label") or "").strip()
        if not key and not label:
            return None
        return {
            "key": key,
            "label": label,
            "kind": data.get("kind") or "",
            "required": bool(data.get("required")),
            "help": str(data.get("help") or ""),
        }


def field_formset(
    data: Mapping[str, Any] | None = None, *, initial: Sequence[Mapping[str, Any]] | None = None
) -> forms.BaseFormSet[FieldRowForm]:
    """The rows of a form definition: the current fields, then a few empty rows to add fields."""
    extra = 3 if initial else 6
    formset_class = forms.formset_factory(
        FieldRowForm, extra=extra, max_num=MAX_FIELDS, validate_max=True, absolute_max=MAX_FIELDS
    )
    return formset_class(data, initial=list(initial or []), prefix="fields")


class ReportTypeSourceForm(forms.Form):
    """Another data source for a type (or none); its form is not changed."""

    def __init__(self, *args: Any, current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"] = _source_field(current)
        if not self.is_bound:
            self.initial["source"] = current


class ReportTypeEditForm(forms.Form):
    """The version the page showed: a change saved by someone else meanwhile is a conflict."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


# --- schedules --------------------------------------------------------------------------------


class CollectingUnitForm(forms.Form):
    """GET ``?owner=``: which unit's schedule is being created (decides the units offered)."""

    owner = forms.ModelChoiceField(label=_("Collected by"), queryset=Unit.objects.none(), empty_label=None)

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["owner"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 -- declared above
        field.queryset = units


class UnitPick:
    CHECKED = "checked"
    VILLAGES = "villages"
    ALL = "all"


def schedule_report_types(user: User) -> QuerySet[ReportType]:
    """Active report types defined in the user's subtree or above it (e.g. by the county)."""
    types = report_type_list(user=user).filter(is_active=True)
    if has_instance_scope(user) or user.unit is None:
        return types
    return types.filter(
        scope_q(user, Action.REPORT_VIEW, unit_field="owner_unit")
        | Q(owner_unit__path__in=user.unit.ancestor_paths())
    )


def reporting_units(user: User, owner: Unit) -> QuerySet[Unit]:
    """Active units under ``owner`` that the user manages: the possible reporting units."""
    return (
        Unit.objects.active()
        .subtree_of(owner, include_self=False)
        .filter(scope_q(user, Action.REPORT_MANAGE, unit_field=""))
        .order_by("path")
    )


class ScheduleForm(forms.Form):
    """A new schedule of ``owner``: which type, when, on which days, by which units."""

    report_type = forms.ModelChoiceField(label=_("Report type"), queryset=ReportType.objects.none())
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("For example: 两会期间每日报送."))
    starts_on = forms.DateField(label=_("First day"), widget=DATE_INPUT)
    ends_on = forms.DateField(label=_("Last day"), widget=DATE_INPUT)
    day_rule = forms.ChoiceField(
        label=pgettext_lazy("report schedule", "Days"), choices=DayRule.choices, initial=DayRule.EVERY_DAY
    )
    weekday = forms.TypedChoiceField(
        label=_("Weekday"),
        choices=[("", "—"), *Weekday.choices],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("For a weekly report only."),
    )
    times = forms.CharField(
        label=pgettext_lazy("report schedule", "Deadlines"),
        max_length=200,
        initial="09:00, 17:00",
        help_text=_("Times of day (Beijing time), separated by commas, e.g. 09:00, 17:00."),
    )
    pick = forms.ChoiceField(
        label=_("Reporting units"),
        choices=[
            (UnitPick.CHECKED, _("The units checked below")),
            (UnitPick.VILLAGES, _("Every village and community")),
            (UnitPick.ALL, _("Every unit")),
        ],
        initial=UnitPick.CHECKED,
        widget=forms.RadioSelect,
    )
    units = forms.ModelMultipleChoiceField(
        label=_("Units"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    remind_before_minutes = forms.IntegerField(
        label=_("Reminder before the deadline (minutes)"), min_value=0, max_value=1440, initial=30
    )
    webhook_url = forms.URLField(
        label=_("Chat robot webhook"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_("Optional: the office's group chat robot, told of missing reports and sent summaries."),
    )

    def __init__(self, *args: Any, user: User, owner: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.owner = owner
        self.candidates = reporting_units(user, owner)
        report_type = self.fields["report_type"]
        units = self.fields["units"]
        assert isinstance(report_type, forms.ModelChoiceField)  # noqa: S101 -- declared above
        assert isinstance(units, forms.ModelMultipleChoiceField)  # noqa: S101 -- declared above
        report_type.queryset = schedule_report_types(user)
        units.queryset = self.candidates
        if not self.is_bound:
            # Villages and communities are who usually report; an office unchecks or adds others.
            self.initial.setdefault(
                "units", [u.pk for u in self.candidates if u.kind in (UnitKind.VILLAGE, UnitKind.COMMUNITY)]
            )

    def chosen_units(self) -> list[Unit]:
        pick = self.cleaned_data["pick"]
        if pick == UnitPick.ALL:
            return list(self.candidates)
        if pick == UnitPick.VILLAGES:
            return list(self.candidates.filter(kind__in=(UnitKind.VILLAGE, UnitKind.COMMUNITY)))
        return list(self.cleaned_data["units"])

    def time_list(self) -> list[str]:
        return split_times(self.cleaned_data["times"])


class SwitchFrequencyForm(forms.Form):
    """Other deadlines from a date on, for one unit of the schedule or all of them."""

    unit = forms.ModelChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("All units"),
    )
    effective_from = forms.DateField(label=_("From"), widget=DATE_INPUT)
    times = forms.CharField(
        label=pgettext_lazy("report schedule", "Deadlines"),
        max_length=200,
        help_text=_("Times of day, separated by commas, e.g. 09:00, 13:00, 17:00."),
    )

    def __init__(self, *args: Any, user: User, schedule: ReportSchedule, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit = self.fields["unit"]
        assert isinstance(unit, forms.ModelChoiceField)  # noqa: S101 -- declared above
        unit.queryset = schedule.units.filter(scope_q(user, Action.REPORT_VIEW, unit_field="")).order_by(
            "path"
        )

    def time_list(self) -> list[str]:
        return split_times(self.cleaned_data["times"])


# --- the grid and the summary -----------------------------------------------------------------


class GridFilterForm(forms.Form):
    """GET filters of the grid: the days shown and the kind of unit."""

    first = forms.DateField(label=_("From"), required=False, widget=DATE_INPUT)
    last = forms.DateField(label=_("To"), required=False, widget=DATE_INPUT)
    kind = forms.ChoiceField(
        label=_("Kind of unit"), choices=[("", _("All kinds")), *UnitKind.choices], required=False
    )


def parse_day(text: str) -> datetime.date:
    """A ``YYYY-MM-DD`` query parameter, or ValidationFailed with a clear message (a 400 page)."""
    try:
        return datetime.date.fromisoformat(text.strip())
    except ValueError:
        message = gettext("%(value)s is not a date (YYYY-MM-DD).") % {"value": text[:40]}
        raise ValidationFailed(message, errors={"day": [message]}) from None


def parse_due(text: str) -> str:
    """A ``HH:MM`` query parameter (9:00 is 09:00), or ValidationFailed (a 400 page)."""
    value = text.strip()
    if len(value) == 4 and value[1:2] == ":":
        value = "0" + value
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        message = gettext("%(value)s is not a time of day (HH:MM, e.g. 09:00).") % {"value": text[:40]}
        raise ValidationFailed(message, errors={"due": [message]})
    return value
