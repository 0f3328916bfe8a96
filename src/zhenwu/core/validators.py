"""Validators for identifiers and contact details used across zhenwu."""

import re

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

#: Unit codes are upper-case letters and digits in up to four hyphen-separated groups, e.g. the
#: 12-digit statistical division code ``430102001001`` or a short code such as ``HB`` / ``HB-01``.
UNIT_CODE_RE = re.compile(r"^[A-Z0-9]{1,12}(?:-[A-Z0-9]{1,12}){0,3}$")

validate_unit_code = RegexValidator(
    UNIT_CODE_RE,
    _(
        "A unit code is 1-12 upper-case letters or digits, optionally in groups joined by "
        "hyphens (for example HB, HB-01 or 430102001001)."
    ),
    code="invalid_unit_code",
)

#: Mainland mobile numbers (11 digits starting with 1) and landlines such as 0759-4688138.
PHONE_RE = re.compile(r"^(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(?:-\d{1,6})?)$")

validate_phone = RegexValidator(
    PHONE_RE,
    _("Enter a mobile number (11 digits starting with 1) or a landline such as 0759-4688138."),
    code="invalid_phone",
)


def normalize_id_number(value: str) -> str:
    """Upper-case the check character ('x' is accepted and stored as 'X') and drop spaces."""
    return value.strip().replace(" ", "").upper()
