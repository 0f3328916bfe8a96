"""Helpers shared by services."""

from collections.abc import Iterable
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import models

from zhenwu.core.exceptions import ValidationFailed

M = TypeVar("M", bound=models.Model)


def validated(obj: M, *, exclude: Iterable[str] | None = None, constraints: bool = True) -> M:
    """Run ``full_clean`` and turn Django's ValidationError into the domain's ValidationFailed."""
    try:
        obj.full_clean(
            exclude=list(exclude) if exclude else None,
            validate_unique=constraints,
            validate_constraints=constraints,
        )
    except ValidationError as exc:
        raise ValidationFailed.from_django(exc) from None
    return obj
