"""Password rules beyond Django's validators (see AUTH_PASSWORD_VALIDATORS in settings)."""

import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from zhenwu.core.models import User


class CharacterClassValidator:
    """At least ``min_classes`` of the four kinds: upper-case and lower-case letters, digits, symbols.

    Letters are the ASCII ones; any other character (including Chinese) counts as a symbol, so a
    password that mixes Chinese with digits and letters is accepted.
    """

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: User | None = None) -> None:
        classes = (
            any(ch in string.ascii_uppercase for ch in password),
            any(ch in string.ascii_lowercase for ch in password),
            any(ch in string.digits for ch in password),
            any(not (ch in string.ascii_letters or ch in string.digits) for ch in password),
        )
        if sum(classes) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return _(
            "Your password must contain at least %(count)d of these four kinds of characters: "
            "upper-case letters, lower-case letters, digits and symbols."
        ) % {"count": self.min_classes}
