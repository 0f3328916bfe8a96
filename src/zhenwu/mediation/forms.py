"""Forms of the mediation staff pages: they parse input; the services validate and write.

Where a service states the rule (a required content of an agreement, the channel advised, the
parties), the field is optional here so that the service's own message is shown next to it.
"""

import datetime
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhenwu.core.choices import Role
from zhenwu.core.models import Unit, User
from zhenwu.core.scoping import Action, has_instance_scope, scope_q
from zhenwu.mediation.choices import (
    Channel,
    DisputeSource,
    DisputeStatus,
    FollowUpMethod,
    PartyKind,
    PartySide,
    Performance,
)
from zhenwu.mediation.models import Dispute, DisputeKind
from zhenwu.mediation.selectors import LedgerFilter, dispute_kinds
from zhenwu.mediation.services import MAX_PARTIES, PartyIn
from zhenwu.petitions.choices import IntakeChannel

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
#: Roles whose people are offered as mediators (administrators act, but are not named mediators).
MEDIATOR_ROLES = (Role.OFFICE, Role.MEDIATOR)
#: Party rows shown by the registration form; "add a party" adds one more (up to the service's limit).
REGISTER_PARTY_ROWS = 2
REFER_PARTY_ROWS = 1


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _blank(choices: Any) -> list[tuple[str, Any]]:
    return [("", "—"), *choices]


# --- choices in the user's scope ----------------------------------------------------------------


def handling_units(user: User, action: str = Action.DISPUTE_REGISTER) -> QuerySet[Unit]:
    """Active units of the user's scope for ``action`` (a township has ~30; a county ~400)."""
    return Unit.objects.active().filter(scope_q(user, action, unit_field="")).order_by("path")


def mediator_candidates(user: User) -> QuerySet[User]:
    """Office staff and mediators of the user's subtree and of the units above it.

    A village cadre registering a dispute may name the township's mediator; whether that person
    may mediate the handling unit chosen is the service's check.
    """
    people = User.objects.filter(is_active=True, role__in=MEDIATOR_ROLES).select_related("unit")
    if has_instance_scope(user):
        return people.order_by("unit__path", "username")
    home = user.unit
    if home is None:
        return people.none()
    line = scope_q(user, Action.PERSON_VIEW) | Q(unit__path__in=home.ancestor_paths())
    return people.filter(line).order_by("unit__path", "username")


def dispute_mediator_candidates(dispute: Dispute) -> QuerySet[User]:
    """People who may mediate this dispute: office staff and mediators of its unit and above."""
    unit = dispute.handling_unit
    return (
        User.objects.filter(is_active=True, role__in=MEDIATOR_ROLES)
        .filter(unit__path__in=[*unit.ancestor_paths(), unit.path])
        .select_related("unit")
        .order_by("unit__path", "username")
    )


class MediatorChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        parts = [obj.get_full_name() or obj.username, obj.unit.name if obj.unit else ""]
        return " · ".join(part for part in parts if part)


def _mediators_field(**kwargs: Any) -> MediatorChoiceField:
    return MediatorChoiceField(
        label=_("Mediators"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        **kwargs,
    )


def _kind_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(label=_("Kind of dispute"), queryset=DisputeKind.objects.none())


def _set_queryset(form: forms.Form, name: str, queryset: QuerySet[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 -- declared by the form
    field.queryset = queryset


# --- the ledger's filters -----------------------------------------------------------------------


class LedgerFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("All")),
            ("open", _("Open (not yet closed)")),
            ("overdue", _("Past the target date")),
            *DisputeStatus.choices,
        ],
    )
    kind = forms.ModelChoiceField(
        label=_("Kind"), queryset=DisputeKind.objects.none(), required=False, empty_label=_("All")
    )
    unit = forms.ModelChoiceField(
        label=_("Handling unit"), queryset=Unit.objects.none(), required=False, empty_label=_("All")
    )
    q = forms.CharField(label=_("Number or words"), required=False, max_length=100)
    registered_from = forms.DateField(label=_("Registered from"), required=False, widget=DATE_INPUT)
    registered_to = forms.DateField(label=_("Registered to"), required=False, widget=DATE_INPUT)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "kind", dispute_kinds(active_only=False))
        _set_queryset(self, "unit", handling_units(user, Action.DISPUTE_VIEW))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("registered_from"), data.get("registered_to")
        if first and last and last < first:
            raise forms.ValidationError(_("The end date is before the start date."))
        return data

    def ledger_filter(self) -> LedgerFilter:
        """The filters asked for; none when the form is unbound or invalid (its errors are shown)."""
        if not self.is_bound or not self.is_valid():
            return LedgerFilter()
        data = self.cleaned_data
        kind = data.get("kind")
        return LedgerFilter(
            status=data.get("status") or "",
            kind=kind.pk if kind is not None else None,
            unit=data.get("unit"),
            q=data.get("q") or "",
            registered_from=data.get("registered_from"),
            registered_to=data.get("registered_to"),
        )


# --- parties -----------------------------------------------------------------------------------


class PartyForm(forms.Form):
    """One row of the parties table; a row left as it was shown is skipped."""

    kind = forms.ChoiceField(
        label=_("Resident or organisation"), choices=PartyKind.choices, initial=PartyKind.PERSON
    )
    side = forms.ChoiceField(label=_("Side"), choices=PartySide.choices, initial=PartySide.APPLICANT)
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    id_number = forms.CharField(
        label=_("ID number / credit code"),
        max_length=18,
        required=False,
        help_text=_("A resident's ID number or an organisation's unified social credit code."),
    )
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    representative = forms.CharField(
        label=_("Legal representative"), max_length=50, required=False, help_text=_("For an organisation.")
    )

    def party(self) -> PartyIn | None:
        """The party entered in this row, or None for a row left empty."""
        data = getattr(self, "cleaned_data", None) or {}
        if not self.has_changed() or not any(
            str(data.get(name) or "").strip() for name in ("name", "id_number", "phone", "address")
        ):
            return None
        return PartyIn(
            name=data.get("name") or "",
            kind=data.get("kind") or PartyKind.PERSON,
            side=data.get("side") or PartySide.APPLICANT,
            id_number=data.get("id_number") or "",
            phone=data.get("phone") or "",
            address=data.get("address") or "",
            representative=data.get("representative") or "",
        )


class RespondentForm(PartyForm):
    """A party entered on a referral: the petitioners are already the applicants."""

    side = forms.ChoiceField(
        label=_("Side"),
        choices=[
            (PartySide.RESPONDENT, PartySide.RESPONDENT.label),
            (PartySide.THIRD_PARTY, PartySide.THIRD_PARTY.label),
        ],
        initial=PartySide.RESPONDENT,
    )


class BasePartyFormSet(forms.BaseFormSet):
    """Rows all optional (the service counts the parties); the second row defaults to the respondent."""

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        kwargs = super().get_form_kwargs(index)
        if index is not None and index > 0 and self.form is PartyForm:
            kwargs["initial"] = {"side": PartySide.RESPONDENT}
        return kwargs

    def parties(self) -> list[PartyIn]:
        return [p for p in (form.party() for form in self.forms) if p is not None]


def party_formset(
    data: Any = None, *, rows: int = REGISTER_PARTY_ROWS, form: type[PartyForm] = PartyForm
) -> BasePartyFormSet:
    """The parties table: ``rows`` empty rows when shown first; bound, as many as were posted."""
    formset_class = forms.formset_factory(
        form,
        formset=BasePartyFormSet,
        extra=rows,
        max_num=MAX_PARTIES,
        absolute_max=MAX_PARTIES,
        validate_max=True,
    )
    formset = formset_class(data, prefix="parties")
    assert isinstance(formset, BasePartyFormSet)  # noqa: S101 -- made by formset_factory above
    return formset


def with_another_row(data: Any) -> Any:
    """The posted data with one more (empty) row of parties, up to the limit: "add a party"."""
    copy = data.copy()
    try:
        total = int(copy.get("parties-TOTAL_FORMS", "0"))
    except ValueError:
        total = 0
    copy["parties-TOTAL_FORMS"] = str(min(max(total, 0) + 1, MAX_PARTIES))
    return copy


# --- registering -------------------------------------------------------------------------------


class DisputeRegisterForm(forms.Form):
    """A dispute as it comes in; its parties come from ``party_formset``."""

    kind = _kind_field()
    source = forms.ChoiceField(
        label=_("Came in as"),
        # A referral from a petition is made from the petition's page (it keeps the link).
        choices=[c for c in DisputeSource.choices if c[0] != DisputeSource.PETITION],
    )
    handling_unit = forms.ModelChoiceField(
        label=_("Handling unit"),
        queryset=Unit.objects.none(),
        help_text=_("The unit whose mediation committee handles the dispute."),
    )
    summary = forms.CharField(label=_("Summary"), max_length=200)
    details = forms.CharField(
        label=_("What the dispute is about"), max_length=5000, required=False, widget=_textarea(5)
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    risk_note = forms.CharField(
        label=_("Risk of escalation"),
        max_length=2000,
        required=False,
        widget=_textarea(2),
        help_text=_("About the dispute, not about a person: what could make it worse."),
    )
    mediators = _mediators_field()

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "kind", dispute_kinds())
        units = handling_units(user)
        _set_queryset(self, "handling_unit", units)
        _set_queryset(self, "mediators", mediator_candidates(user))
        if not self.is_bound and user.unit is not None:
            self.initial.setdefault("handling_unit", user.unit.pk)


class DisputeReferForm(forms.Form):
    """Refer a petition to mediation: its petitioners become the applicants."""

    kind = _kind_field()
    handling_unit = forms.ModelChoiceField(label=_("Handling unit"), queryset=Unit.objects.none())
    summary = forms.CharField(
        label=_("Summary"), max_length=200, required=False, help_text=_("Empty: the petition's summary.")
    )
    mediators = _mediators_field()

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "kind", dispute_kinds())
        _set_queryset(self, "handling_unit", handling_units(user))
        _set_queryset(self, "mediators", mediator_candidates(user))


# --- actions on a dispute -----------------------------------------------------------------------


class DisputeActionForm(forms.Form):
    """The form of one action on a dispute (bound to the dispute for its choices)."""

    def __init__(self, *args: Any, dispute: Dispute, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dispute = dispute


class AcceptForm(DisputeActionForm):
    mediators = _mediators_field(help_text=_("Who mediates; at least one."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "mediators", dispute_mediator_candidates(self.dispute))
        if not self.is_bound:
            self.initial["mediators"] = list(self.dispute.mediators.values_list("pk", flat=True))


class DisputeEditForm(DisputeActionForm):
    kind = _kind_field()
    summary = forms.CharField(label=_("Summary"), max_length=200)
    details = forms.CharField(
        label=_("What the dispute is about"), max_length=5000, required=False, widget=_textarea(5)
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    risk_note = forms.CharField(
        label=_("Risk of escalation"),
        max_length=2000,
        required=False,
        widget=_textarea(2),
        help_text=_("About the dispute, not about a person: what could make it worse."),
    )
    mediators = _mediators_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        dispute = self.dispute
        # The current kind stays choosable even when it has been deactivated since.
        _set_queryset(self, "kind", DisputeKind.objects.filter(Q(is_active=True) | Q(pk=dispute.kind_id)))
        _set_queryset(self, "mediators", dispute_mediator_candidates(dispute))
        if not self.is_bound:
            self.initial.update(
                {
                    "kind": dispute.kind_id,
                    "summary": dispute.summary,
                    "details": dispute.details,
                    "place": dispute.place,
                    "risk_note": dispute.risk_note,
                    "mediators": list(dispute.mediators.values_list("pk", flat=True)),
                }
            )


class ChannelForm(DisputeActionForm):
    """Declined, or ended without agreement: why, and the channel the parties are advised to take."""

    reason = forms.CharField(label=_("Reason"), max_length=2000, required=False, widget=_textarea())
    channel = forms.ChoiceField(label=_("Channel advised"), choices=_blank(Channel.choices), required=False)
    advice = forms.CharField(label=_("Advice given"), max_length=300, required=False)


class SessionForm(DisputeActionForm):
    held_at = forms.DateTimeField(
        label=_("Held at"),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    participants = forms.CharField(
        label=_("Participants"), max_length=1000, required=False, widget=_textarea(2)
    )
    record = forms.CharField(label=_("Record"), max_length=10000, required=False, widget=_textarea(6))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["held_at"] = timezone.localtime().strftime(DATETIME_LOCAL)
            self.initial["place"] = self.dispute.place


class AgreementForm(DisputeActionForm):
    """The written agreement: every content 人民调解法 Art. 29 asks for (checked by the service)."""

    facts = forms.CharField(label=_("Main facts"), max_length=5000, required=False, widget=_textarea(4))
    issues = forms.CharField(
        label=_("Matters in dispute"), max_length=3000, required=False, widget=_textarea()
    )
    responsibilities = forms.CharField(
        label=_("Each party's responsibility"), max_length=3000, required=False, widget=_textarea()
    )
    terms = forms.CharField(label=_("Terms agreed"), max_length=5000, required=False, widget=_textarea(4))
    performance_manner = forms.CharField(
        label=_("Manner of performance"), max_length=2000, required=False, widget=_textarea(2)
    )
    performance_due = forms.DateField(label=_("Performed by"), required=False, widget=DATE_INPUT)
    signed_on = forms.DateField(
        label=_("Took effect on"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("The day every party and the mediator signed."),
    )
    is_oral = forms.BooleanField(
        label=_("Oral agreement"),
        required=False,
        help_text=_("Agreed orally; the mediator records its content (Art. 28)."),
    )
    copies = forms.IntegerField(
        label=_("Copies"),
        required=False,
        help_text=_("Empty: one for each party and one for the committee."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["signed_on"] = timezone.localdate()


class FollowUpScheduleForm(DisputeActionForm):
    due_on = forms.DateField(label=_("Due on"), widget=DATE_INPUT)
    method = forms.ChoiceField(label=_("Method"), choices=FollowUpMethod.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["due_on"] = timezone.localdate() + datetime.timedelta(days=7)


class FollowUpRecordForm(DisputeActionForm):
    performance = forms.ChoiceField(
        label=_("Performance of the agreement"), choices=_blank(Performance.choices), required=False
    )
    method = forms.ChoiceField(label=_("Method"), choices=FollowUpMethod.choices, required=False)
    notes = forms.CharField(label=_("What was found"), max_length=3000, required=False, widget=_textarea())


class CloseForm(DisputeActionForm):
    note = forms.CharField(label=_("Closing note"), max_length=300, required=False)


class EscalateForm(DisputeActionForm):
    """Register a petition from a dispute mediation could not settle."""

    channel = forms.ChoiceField(
        label=pgettext_lazy("intake channel", "Channel"),
        choices=[c for c in IntakeChannel.choices if c[0] != IntakeChannel.REFERRAL],
        help_text=_("How the resident brings the matter now."),
    )
    content = forms.CharField(
        label=_("Content of the petition"),
        max_length=20000,
        required=False,
        widget=_textarea(4),
        help_text=_("Empty: the dispute's details."),
    )


# --- dispute kinds -----------------------------------------------------------------------------


class DisputeKindForm(forms.Form):
    code = forms.SlugField(
        label=_("Code"), max_length=40, help_text=_("Letters, digits, hyphens; it cannot be changed later.")
    )
    name = forms.CharField(label=_("Name"), max_length=40)
    sort_order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=0)


class DisputeKindUpdateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=40)
    sort_order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767)


class DisputeKindActiveForm(forms.Form):
    """The state a (de)activate button asks for: explicit, so a double submit does not toggle twice."""

    is_active = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda value: value == "1")
