"""Forms of the petitions staff pages: they parse and validate input; services do the writing."""

from typing import Any

from django import forms
from django.core.validators import MaxValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhenwu.core.forms import UnitCodeField
from zhenwu.core.models import User
from zhenwu.core.rules import get_rule
from zhenwu.core.scoping import Action, has_instance_scope, scope_queryset
from zhenwu.core.validators import validate_phone
from zhenwu.petitions.attachments import ACCEPTED_KINDS
from zhenwu.petitions.choices import DeclineRoute, IntakeChannel
from zhenwu.petitions.models import Category, Petition
from zhenwu.petitions.selectors import petition_list
from zhenwu.petitions.services import MAX_REPRESENTATIVES
from zhenwu.petitions.validators import normalize_id_number, validate_id_number

#: Rows of the intake form's petitioner table; a larger group enters its representatives (at most 5).
PETITIONER_ROWS = MAX_REPRESENTATIVES
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class StaffUsernameField(forms.CharField):
    """A staff member chosen by username, among the accounts the requesting user may see."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 150)
        super().__init__(**kwargs)
        self.user: User | None = None

    def clean(self, value: Any) -> User | None:
        username = (super().clean(value) or "").strip()
        if not username:
            return None
        if self.user is None:
            raise TypeError("StaffUsernameField needs the requesting user")
        found = scope_queryset(
            self.user, Action.PERSON_VIEW, User.objects.filter(username=username, is_active=True)
        ).first()
        if found is None:
            raise forms.ValidationError(
                _("No staff account with this username is visible to you."), code="unknown_user"
            )
        return found


def _bind_user(form: forms.Form, user: User) -> None:
    for field in form.fields.values():
        if isinstance(field, UnitCodeField | StaffUsernameField):
            field.user = user


# --- intake ------------------------------------------------------------------------------------


class PetitionerForm(forms.Form):
    """One row of the petitioner table at intake."""

    name = forms.CharField(label=_("Name"), max_length=50)
    id_number = forms.CharField(
        label=_("ID number"), max_length=18, required=False, validators=[validate_id_number]
    )
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False, validators=[validate_phone])
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    is_representative = forms.BooleanField(label=_("Representative"), required=False)

    def clean_id_number(self) -> str:
        return normalize_id_number(str(self.cleaned_data.get("id_number") or ""))


PetitionerFormSet = forms.formset_factory(
    PetitionerForm,
    extra=PETITIONER_ROWS - 1,
    min_num=1,
    max_num=PETITIONER_ROWS,
    validate_min=True,
    validate_max=True,
)


class PetitionRegisterForm(forms.Form):
    """The intake form (登记); the petitioners come from ``PetitionerFormSet``."""

    channel = forms.ChoiceField(
        label=pgettext_lazy("intake channel", "Channel"), choices=IntakeChannel.choices
    )
    received_at = forms.DateTimeField(
        label=_("Received at"),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    unit = UnitCodeField(
        label=_("Registering unit code"), help_text=_("The unit whose ledger the matter goes into.")
    )
    headcount = forms.IntegerField(
        label=_("Headcount"),
        min_value=1,
        max_value=100000,
        required=False,
        help_text=_("How many people came or signed; empty means the petitioners entered."),
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        # A retired top-level category retires its children for new matters too.
        queryset=Category.objects.filter(is_active=True)
        .exclude(parent__is_active=False)
        .select_related("parent"),
        required=False,
        empty_label=_("Not classified yet"),
    )
    summary = forms.CharField(label=_("Summary"), max_length=200)
    content = forms.CharField(label=_("Full text"), max_length=20000, widget=_textarea(8))
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    accused_unit = UnitCodeField(
        label=_("Accused unit code"),
        required=False,
        help_text=_("A unit the matter reports or accuses; it will never see the matter."),
    )
    accused_user = StaffUsernameField(
        label=_("Accused official (username)"),
        required=False,
        help_text=_("A staff member the matter reports or accuses; they will never see the matter."),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"received_at": timezone.localtime().strftime(DATETIME_LOCAL)})
        super().__init__(*args, **kwargs)
        _bind_user(self, user)
        if user.unit is not None and not has_instance_scope(user):
            # Staff register into their own unit's ledger; only an administrator picks one.
            del self.fields["unit"]


# --- actions on a matter -------------------------------------------------------------------------


class ActionForm(forms.Form):
    """The form of one action on a matter; unit codes and usernames resolve in the user's scope."""

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        _bind_user(self, user)


class NoteForm(ActionForm):
    note = forms.CharField(label=_("Note"), max_length=1000, required=False, widget=_textarea(2))


class DeclineForm(ActionForm):
    route = forms.ChoiceField(label=_("Proper channel"), choices=[("", "—"), *DeclineRoute.choices])
    reason = forms.CharField(label=_("Reason for declining"), max_length=2000, widget=_textarea())


class AssignForm(ActionForm):
    handling_unit = UnitCodeField(label=_("Handling unit code"))
    lead_official = StaffUsernameField(
        label=_("Lead official (username)"), required=False, help_text=_("A leader who owns the matter.")
    )
    note = forms.CharField(label=_("Note"), max_length=1000, required=False, widget=_textarea(2))


class ReasonForm(ActionForm):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=_textarea())


class RecuseForm(ActionForm):
    reason = forms.CharField(
        label=_("Your direct interest in the matter"), max_length=200, widget=_textarea(2)
    )


class ExtendForm(ActionForm):
    days = forms.IntegerField(label=_("Days"), min_value=1)
    reason = forms.CharField(label=_("Reason for the extension"), max_length=2000, widget=_textarea())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The limit is the rules table's (Art. 34), which settings may override.
        limit = get_rule("petition.extension").days
        days = self.fields["days"]
        assert isinstance(days, forms.IntegerField)  # noqa: S101 -- declared above
        days.max_value = limit
        days.validators.append(MaxValueValidator(limit))
        days.widget.attrs["max"] = str(limit)


class AnswerForm(ActionForm):
    """The written handling opinion (Art. 32): request, facts found, decision, legal basis."""

    request = forms.CharField(label=_("Request"), max_length=5000, widget=_textarea())
    facts = forms.CharField(label=_("Facts found"), max_length=10000, widget=_textarea(5))
    decision = forms.CharField(label=_("Decision"), max_length=5000, widget=_textarea())
    basis = forms.CharField(label=_("Legal basis"), max_length=5000, widget=_textarea())


class OpinionForm(ActionForm):
    opinion = forms.CharField(label=_("Opinion"), max_length=10000, widget=_textarea(5))


class HearingForm(ActionForm):
    days = forms.IntegerField(label=_("Hearing days"), min_value=1, max_value=365)


class LinkForm(ActionForm):
    other = forms.CharField(label=_("Number of the other matter"), max_length=32)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def clean_other(self) -> Petition:
        number = str(self.cleaned_data.get("other") or "").strip().upper()
        other = petition_list(user=self.user, action=Action.PETITION_VIEW).filter(number=number).first()
        if other is None:
            raise forms.ValidationError(
                _("No matter with this number is visible to you."), code="unknown_petition"
            )
        return other


# --- attachments ---------------------------------------------------------------------------------


class AttachmentForm(forms.Form):
    """One file to attach to a matter; what it is and whether it is accepted is the service's check."""

    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, images, Word, Excel or plain text. The content is checked, not only the name."),
        widget=forms.FileInput(
            # A hint for the browser's file picker only: the service decides by the file's content.
            attrs={"accept": ",".join(sorted({e for kind in ACCEPTED_KINDS for e in kind.name_extensions}))}
        ),
    )
