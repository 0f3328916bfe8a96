"""One error hierarchy for the domain (STYLE.md §9).

A service raises a ``DomainError``; the web layer shows ``message`` (translated) as a form or page
error, the API returns ``{"code", "message", "errors"}`` with ``status``. Nothing else leaks out.
"""

from typing import ClassVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A refusal of the domain with a stable code, a translatable message and optional field errors."""

    status: ClassVar[int] = 400
    default_code: ClassVar[str] = "invalid"
    default_message: ClassVar[str | Promise] = _("The request is not valid.")

    def __init__(
        self,
        message: "str | Promise | None" = None,
        *,
        code: str | None = None,
        errors: dict[str, list[str]] | None = None,
    ) -> None:
        self.message = message if message is not None else self.default_message
        self.code = code or self.default_code
        self.errors = errors or {}
        super().__init__(str(self.message))

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": str(self.message),
            "errors": {k: [str(m) for m in v] for k, v in self.errors.items()},
        }


class ValidationFailed(DomainError):
    status = 400
    default_code = "validation_failed"
    default_message = _("Some fields are not valid.")

    @classmethod
    def from_django(cls, exc: ValidationError) -> "ValidationFailed":
        """Wrap a django.core.exceptions.ValidationError, keeping its per-field messages."""
        if hasattr(exc, "error_dict"):
            errors = {
                ("__all__" if k == NON_FIELD_ERRORS else k): [str(m) for m in v]
                for k, v in exc.message_dict.items()
            }
        else:
            errors = {"__all__": [str(m) for m in exc.messages]}
        first = next(iter(errors.values()))[0]
        return cls(first, errors=errors)


class PermissionRefused(DomainError):
    status = 403
    default_code = "permission_denied"
    default_message = _("You do not have permission to do this.")


class NotFound(DomainError):
    status = 404
    default_code = "not_found"
    default_message = _("The object does not exist or is not visible to you.")


class Conflict(DomainError):
    status = 409
    default_code = "conflict"
    default_message = _("The object was changed by someone else; reload and try again.")


class InvalidTransition(Conflict):
    default_code = "invalid_transition"
    default_message = _("This action is not allowed in the current state.")


class UnknownCalendarYear(DomainError):
    """The deadline engine has no holiday data for a year and refuses to guess."""

    status = 400
    default_code = "unknown_calendar_year"
    default_message = _("The statutory holidays of this year are not known yet.")
