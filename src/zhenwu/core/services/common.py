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


def sequence_next(model: type[models.Model], **key: object) -> int:
    """The next value of a per-key counter row (``model`` has a ``last`` field, unique on ``key``).

    Incremented in the database (``last = last + 1``) inside the caller's transaction, so two
    registrations at once never get the same number; the first use creates the row, and a creation
    lost to a concurrent one increments that row instead. Used for the registration numbers of
    petitions, disputes, hazards and incidents (2026-HB-000123, 2026-HB-TJ0001, …).
    """
    from django.db import IntegrityError, transaction
    from django.db.models import F

    rows = model._default_manager.filter(**key)
    for _attempt in range(3):
        if rows.update(last=F("last") + 1):
            last: int = rows.values_list("last", flat=True).get()
            return last
        try:
            with transaction.atomic():
                model._default_manager.create(**key, last=1)
            return 1
        except IntegrityError:  # created by a concurrent registration: increment it instead
            continue
    raise RuntimeError(f"could not allocate the next {model.__name__} for {key}")
