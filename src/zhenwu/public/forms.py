"""Forms of the public pages: the online submission, the look-up, the rating and the review request."""

from typing import Any

from django import forms
from django.contrib.sessions.backends.base import SessionBase
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from zhenwu.core.choices import UnitKind
from zhenwu.core.models import Unit
from zhenwu.core.validators import validate_phone
from zhenwu.petitions.choices import Satisfaction
from zhenwu.petitions.validators import normalize_id_number, validate_id_number
from zhenwu.public.captcha import captcha_check


class BlankNumberInput(forms.NumberInput):
    """A number input that never shows the value entered: a CAPTCHA answer is good for one question."""

    def format_value(self, value: Any) -> str | None:
        return None


def township_units() -> QuerySet[Unit]:
    """The units a resident may address online: every active township of the instance."""
    return Unit.objects.active().filter(kind=UnitKind.TOWNSHIP).order_by("path")


class PetitionSubmitForm(forms.Form):
    name = forms.CharField(
        label=_("Your name"),
        max_length=50,
    )
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=18,
        required=False,
        validators=[validate_id_number],
        help_text=_("Optional. It lets the office recognise your earlier matters; it is kept confidential."),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=32,
        validators=[validate_phone],
        help_text=_("Needed so that the office can reach you about your matter."),
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=200,
        required=False,
    )
    unit = forms.ModelChoiceField(
        label=_("Township"),
        queryset=Unit.objects.none(),
        empty_label=_("Choose the township"),
        help_text=_("The township government that should receive your matter."),
    )
    summary = forms.CharField(
        label=_("Subject"),
        max_length=200,
        help_text=_("One sentence, for example: wages unpaid for three months."),
    )
    content = forms.CharField(
        label=_("Your matter"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("What happened, what you ask for, and the facts and evidence you have."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = township_units()
        field = self.fields["unit"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 -- declared above
        field.queryset = units
        if len(units) == 1:
            field.initial = units[0].pk

    def clean_id_number(self) -> str:
        return normalize_id_number(self.cleaned_data.get("id_number") or "")


class CaptchaForm(forms.Form):
    """The answer to the image's sum, shown under the image; rendered inside the submission form."""

    captcha = forms.IntegerField(
        label=_("Answer to the sum in the image"),
        min_value=-99,
        max_value=999,
        widget=BlankNumberInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("Cannot read it? Send the form anyway: a new sum appears and what you wrote stays."),
    )

    def __init__(self, *args: Any, session: SessionBase, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session = session

    def clean_captcha(self) -> int:
        answer = self.cleaned_data.get("captcha")
        if not captcha_check(self.session, answer):
            raise forms.ValidationError(
                _("The answer to the sum is wrong or has expired. Solve the new one."), code="captcha"
            )
        assert answer is not None  # noqa: S101 -- captcha_check refuses None
        return int(answer)


class PetitionTrackForm(forms.Form):
    number = forms.CharField(
        label=_("Registration number"),
        max_length=32,
        help_text=_("For example 2026-HB-000123, as on your receipt or notice."),
    )
    code = forms.CharField(
        label=_("Query code"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
        help_text=_("The 8 characters given to you when the matter was registered."),
    )

    def clean_number(self) -> str:
        return str(self.cleaned_data["number"]).strip().upper()

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"]).strip().replace(" ", "").upper()


class PetitionRateForm(forms.Form):
    satisfaction = forms.ChoiceField(
        label=_("How satisfied are you with the handling?"),
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PetitionReviewForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you ask for it?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Say what in the written opinion you disagree with, and why."),
    )
