"""Report forms as data: the field definitions an office writes, and checking a unit's values against them.

A definition is a list of ``{"key", "label", "kind", "required", "help"}``. Keys are stable
identifiers (``incidents``, ``disputes_received``) so that totals add up across form versions; the
label is what people read. Values are stored as JSON: counts as integers, numbers as strings of
decimals (exact, never floats), yes/no as booleans, text as strings.
"""

import decimal
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from zhenwu.core.exceptions import ValidationFailed
from zhenwu.reports.choices import FieldKind

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_FIELDS = 40
MAX_LABEL = 60
MAX_HELP = 200
MAX_TEXT = 500
#: Counts and numbers above this are typing errors, not situations a village reports.
MAX_AMOUNT = 10**9
NUMBER_PLACES = 2


@dataclass(frozen=True)
class FieldSpec:
    """One field of a report form."""

    key: str
    label: str
    kind: str
    required: bool = True
    help: str = ""

    @property
    def summed(self) -> bool:
        """Counts and numbers are added up in the summary; yes/no counts the units that said yes."""
        return self.kind in (FieldKind.COUNT, FieldKind.NUMBER)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "kind": self.kind,
            "required": self.required,
            "help": self.help,
        }

    @property
    def kind_label(self) -> str:
        return str(FieldKind(self.kind).label)


def specs_from(fields: Sequence[Mapping[str, Any]]) -> list[FieldSpec]:
    """The stored definition as ``FieldSpec`` objects (already validated when it was saved)."""
    return [
        FieldSpec(
            key=str(f["key"]),
            label=str(f["label"]),
            kind=str(f["kind"]),
            required=bool(f.get("required", True)),
            help=str(f.get("help", "")),
        )
        for f in fields
    ]


def clean_definition(fields: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Check a form definition; return it normalised, or raise ValidationFailed naming the bad rows."""
    errors: dict[str, list[str]] = {}
    if not fields:
        message = _("A report form needs at least one field.")
        raise ValidationFailed(message, errors={"fields": [message]})
    if len(fields) > MAX_FIELDS:
        message = _("A report form has at most %(max)s fields.") % {"max": MAX_FIELDS}
        raise ValidationFailed(message, errors={"fields": [message]})
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, raw in enumerate(fields, start=1):
        row = f"fields.{index}"
        if not isinstance(raw, Mapping):
            errors.setdefault(row, []).append(_("Each field is an object with key, label and kind."))
            continue
        key = str(raw.get("key", "")).strip()
        label = " ".join(str(raw.get("label", "")).split())
        kind = str(raw.get("kind", "")).strip()
        help_text = " ".join(str(raw.get("help", "")).split())
        if not KEY_RE.match(key):
            errors.setdefault(row, []).append(
                _("Field %(n)s: the key must be lower-case letters, digits and _, starting with a letter.")
                % {"n": index}
            )
        elif key in seen:
            errors.setdefault(row, []).append(
                _("Field %(n)s: the key %(key)s is used twice.") % {"n": index, "key": key}
            )
        seen.add(key)
        if not label or len(label) > MAX_LABEL:
            errors.setdefault(row, []).append(
                _("Field %(n)s: a label of 1 to %(max)s characters is required.")
                % {"n": index, "max": MAX_LABEL}
            )
        if kind not in FieldKind.values:
            errors.setdefault(row, []).append(
                _("Field %(n)s: unknown kind %(kind)s.") % {"n": index, "kind": kind}
            )
        if len(help_text) > MAX_HELP:
            errors.setdefault(row, []).append(
                _("Field %(n)s: the help text has at most %(max)s characters.")
                % {"n": index, "max": MAX_HELP}
            )
        required = raw.get("required", True)
        if not isinstance(required, bool):
            errors.setdefault(row, []).append(_("Field %(n)s: required is true or false.") % {"n": index})
            required = True
        out.append({"key": key, "label": label, "kind": kind, "required": required, "help": help_text})
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, errors=errors)
    return out


def _amount(spec: FieldSpec, raw: Any, errors: dict[str, list[str]]) -> Any:
    if isinstance(raw, bool):
        errors[spec.key] = [_("%(label)s: enter a number.") % {"label": spec.label}]
        return None
    try:
        value = decimal.Decimal(str(raw).strip())
    except (decimal.InvalidOperation, ValueError):
        errors[spec.key] = [_("%(label)s: enter a number.") % {"label": spec.label}]
        return None
    if not value.is_finite():
        errors[spec.key] = [_("%(label)s: enter a number.") % {"label": spec.label}]
        return None
    if value < 0:
        errors[spec.key] = [_("%(label)s cannot be negative.") % {"label": spec.label}]
        return None
    if value > MAX_AMOUNT:
        errors[spec.key] = [_("%(label)s is too large.") % {"label": spec.label}]
        return None
    if spec.kind == FieldKind.COUNT:
        if value != value.to_integral_value():
            errors[spec.key] = [_("%(label)s: enter a whole number.") % {"label": spec.label}]
            return None
        return int(value)
    quantized = value.quantize(decimal.Decimal(1).scaleb(-NUMBER_PLACES), rounding=decimal.ROUND_HALF_UP)
    if quantized != value:
        errors[spec.key] = [
            _("%(label)s: at most %(places)s decimal places.")
            % {"label": spec.label, "places": NUMBER_PLACES}
        ]
        return None
    return str(quantized.normalize()) if quantized == quantized.to_integral_value() else str(quantized)


def clean_values(specs: Sequence[FieldSpec], values: Mapping[str, Any]) -> dict[str, Any]:
    """Check a unit's answers against the form; return them typed, or raise ValidationFailed per field.

    A key the form does not have is refused (the form was changed since the page was loaded, or the
    caller is confused): nothing is silently dropped.
    """
    errors: dict[str, list[str]] = {}
    known = {spec.key for spec in specs}
    unknown = sorted(str(key) for key in values if key not in known)
    if unknown:
        errors["__all__"] = [
            _("These fields are not on the report form: %(keys)s. Reload the form and fill it in again.")
            % {"keys": ", ".join(unknown)}
        ]
    out: dict[str, Any] = {}
    for spec in specs:
        raw = values.get(spec.key)
        blank = raw is None or (isinstance(raw, str) and not raw.strip())
        if spec.kind == FieldKind.YES_NO:
            if blank:
                if spec.required:
                    errors[spec.key] = [_("%(label)s: answer yes or no.") % {"label": spec.label}]
                continue
            if isinstance(raw, bool):
                out[spec.key] = raw
            elif str(raw).strip().lower() in ("true", "1", "yes", "on"):
                out[spec.key] = True
            elif str(raw).strip().lower() in ("false", "0", "no", "off"):
                out[spec.key] = False
            else:
                errors[spec.key] = [_("%(label)s: answer yes or no.") % {"label": spec.label}]
            continue
        if blank:
            if spec.required:
                errors[spec.key] = [_("%(label)s is required.") % {"label": spec.label}]
            continue
        if spec.kind == FieldKind.TEXT:
            if not isinstance(raw, str):
                errors[spec.key] = [_("%(label)s: enter text.") % {"label": spec.label}]
                continue
            text = raw.strip()
            if len(text) > MAX_TEXT:
                errors[spec.key] = [
                    _("%(label)s has at most %(max)s characters.") % {"label": spec.label, "max": MAX_TEXT}
                ]
                continue
            out[spec.key] = text
            continue
        amount = _amount(spec, raw, errors)
        if amount is not None:
            out[spec.key] = amount
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, errors=errors)
    return out


def display_value(spec: FieldSpec, value: Any) -> str:
    """A stored value as the pages and documents show it."""
    if value is None or value == "":
        return ""
    if spec.kind == FieldKind.YES_NO:
        return _("Yes") if value else _("No")
    return str(value)
