"""Forms of the core pages: they parse and validate input; services do the writing."""

from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordChangeForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhenwu.core.choices import AuditAction, Interface, Role, UnitKind
from zhenwu.core.models import Unit, User
from zhenwu.core.scoping import Action, has_instance_scope, scope_queryset
from zhenwu.core.validators import validate_phone, validate_unit_code

_BOOL_CHOICES = [("", _("All")), ("1", _("Active")), ("0", _("Inactive"))]


class UnitCodeField(forms.CharField):
    """A unit chosen by its code (scales to 10^5 units, unlike a select of every unit)."""

    def __init__(self, *, user: User | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 32)
        super().__init__(**kwargs)
        self.user = user

    def clean(self, value: Any) -> Unit | None:
        code = (super().clean(value) or "").strip().upper()
        if not code:
            return None
        if self.user is None:
            raise TypeError("UnitCodeField needs the requesting user (see _bind_user)")
        unit = scope_queryset(
            self.user, Action.UNIT_VIEW, Unit.objects.filter(code=code), unit_field=""
        ).first()
        if unit is None:
            raise forms.ValidationError(_("No unit with this code is visible to you."), code="unknown_unit")
        return unit


def _bind_user(form: forms.Form, user: User) -> None:
    """Unit codes resolve within the requesting user's scope."""
    for field in form.fields.values():
        if isinstance(field, UnitCodeField):
            field.user = user


class UnitForm(forms.Form):
    parent = UnitCodeField(label=_("Parent unit code"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=UnitKind.choices)
    name = forms.CharField(label=_("Name"), max_length=100)
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("Upper-case letters and digits, e.g. HB-01 or 430102001001."),
    )
    phone = forms.CharField(
        label=_("Contact phone"), max_length=32, required=False, validators=[validate_phone]
    )

    def __init__(self, *args: Any, user: User, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _bind_user(self, user)
        self.fields["parent"].required = not has_instance_scope(user)
        if editing:
            del self.fields["parent"]

    def clean_code(self) -> str:
        code = str(self.cleaned_data["code"]).strip().upper()
        validate_unit_code(code)
        return code


class UnitMoveForm(forms.Form):
    parent = UnitCodeField(label=_("New parent unit code"))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _bind_user(self, user)


class UnitFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("All")), *UnitKind.choices], required=False)
    active = forms.ChoiceField(label=_("Status"), choices=_BOOL_CHOICES, required=False)


class PersonForm(forms.Form):
    username = forms.RegexField(
        label=_("Username"),
        max_length=150,
        regex=r"^[\w.@+-]+$",
        help_text=_("Letters, digits and @ . + - _ only."),
    )
    full_name = forms.CharField(label=_("Full name"), max_length=50)
    unit = UnitCodeField(label=_("Unit code"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    position = forms.CharField(label=_("Position"), max_length=50, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False, validators=[validate_phone])
    email = forms.EmailField(label=_("E-mail"), required=False)
    password = forms.CharField(
        label=_("Initial password"),
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text=_("Leave empty to create the account without a password (it cannot sign in yet)."),
    )

    def __init__(self, *args: Any, user: User, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _bind_user(self, user)
        if not has_instance_scope(user):
            self.fields["role"].choices = [  # type: ignore[attr-defined]
                c for c in Role.choices if c[0] not in (Role.ADMIN, Role.OVERSIGHT)
            ]
        if editing:
            del self.fields["username"]
            del self.fields["password"]


class PersonFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    role = forms.ChoiceField(label=_("Role"), choices=[("", _("All")), *Role.choices], required=False)
    active = forms.ChoiceField(label=_("Status"), choices=_BOOL_CHOICES, required=False)


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"), choices=[("", _("All")), *AuditAction.choices], required=False
    )
    interface = forms.ChoiceField(
        label=_("Interface"), choices=[("", _("All")), *Interface.choices], required=False
    )
    object_type = forms.CharField(label=_("Object type"), required=False, max_length=64)
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    actor = forms.CharField(label=_("Actor username"), required=False, max_length=150)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            raise forms.ValidationError(_("The end date is before the start date."))
        return data


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100, help_text=_("What the token is for."))
    expires_at = forms.DateTimeField(
        label=_("Expires at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


class ZhenwuPasswordChangeForm(PasswordChangeForm):
    """Django's form for checking the old password; the new one is set by the service."""

    def save(self, commit: bool = True) -> Any:
        raise NotImplementedError("use person_set_password")


class OtpCodeForm(forms.Form):
    """The second sign-in step: a code of the authenticator app, or one of the backup codes."""

    code = forms.CharField(
        label=pgettext_lazy("two-factor", "Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        help_text=_("The 6-digit code shown in your authenticator app, or one of your backup codes."),
    )


class OtpEnrolForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class PersonPasswordForm(forms.Form):
    """An administrator sets a password for someone else; its owner must replace it at the next login."""

    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("New password confirmation"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("The two password fields didn’t match."))
        return data


def active_filter(value: str) -> bool | None:
    return {"1": True, "0": False}.get(value)
