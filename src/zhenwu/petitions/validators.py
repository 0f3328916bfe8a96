"""Validators of the petitions app: the citizen identity number (GB 11643-1999)."""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhenwu.core.validators import normalize_id_number

__all__ = ["normalize_id_number", "validate_id_number"]

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def validate_id_number(value: str) -> None:
    """18 characters, a real past birth date, and the GB 11643 check character."""
    number = normalize_id_number(value)
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(_("An ID number has 17 digits followed by a digit or X."), code="id_format")
    try:
        born = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("The birth date in this ID number does not exist."), code="id_birth"
        ) from None
    if born > timezone.localdate() or born.year < 1850:
        raise ValidationError(_("The birth date in this ID number is impossible."), code="id_birth")
    total = sum(int(d) * w for d, w in zip(number[:17], _WEIGHTS, strict=True))
    if _CHECK[total % 11] != number[17]:
        raise ValidationError(_("The check character of this ID number is wrong."), code="id_check")
