"""Model fields that keep residents' ID numbers and phones encrypted in the database.

``EncryptedCharField`` reads and writes plain text in Python and stores ciphertext (see
``core/crypto.py``); it validates ``max_length`` on the plain text and keeps a text column,
because the ciphertext is longer. It refuses every query lookup but ``isnull``: a filter on a
ciphertext can never match, and a silently empty result would be worse than an error. Exact
lookup goes through a ``LookupHashField`` beside it, kept up to date on every save (also with
``update_fields``, through ``LookupHashMixin``) and on ``bulk_create``.
"""

from collections.abc import Callable, Iterable
from typing import Any

from django.db import models, transaction
from django.db.models.functions import Cast
from django.db.models.lookups import Lookup

from zhenwu.core import crypto
from zhenwu.core.validators import normalize_id_number


def _normalize_phone(value: str) -> str:
    return value.strip()


#: How each kind of value is normalised before hashing, so "43010219900101123x " finds "…123X".
NORMALIZERS: dict[str, Callable[[str], str]] = {
    "id_number": normalize_id_number,
    "phone": _normalize_phone,
}


def lookup_values(value: str, *, kind: str) -> list[str]:
    """What a ``<field>_hash__in=`` filter needs to find ``value`` (under every key of the ring)."""
    return crypto.lookup_hashes(NORMALIZERS[kind](value or ""), kind=kind)


class EncryptedCharField(models.CharField):
    description = "Text encrypted at rest (AES-256-GCM)"

    def contribute_to_class(self, cls: type[models.Model], name: str, private_only: bool = False) -> None:
        super().contribute_to_class(cls, name, private_only=private_only)
        self.context = f"{cls._meta.app_label}.{cls._meta.model_name}.{name}"

    def get_internal_type(self) -> str:
        return "TextField"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None:
            return None
        return crypto.decrypt(value, context=self.context)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value or crypto.is_encrypted(value):
            return value
        return crypto.encrypt(value, context=self.context)

    def get_lookup(self, lookup_name: str) -> type[Lookup] | None:
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        return None  # Django then raises FieldError "Unsupported lookup"


class LookupHashField(models.CharField):
    """The keyed hash of another field's value, for exact lookup. Never edited by hand."""

    description = "Keyed hash of another field, for exact lookup"

    def __init__(self, *args: Any, source: str, kind: str, **kwargs: Any) -> None:
        self.source = source
        self.kind = kind
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs["kind"] = self.kind
        return name, path, args, kwargs

    def compute(self, instance: models.Model) -> str:
        plain = getattr(instance, self.source) or ""
        return crypto.lookup_hash(NORMALIZERS[self.kind](plain), kind=self.kind)

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = self.compute(model_instance)
        setattr(model_instance, self.attname, value)
        return value


class LookupHashMixin(models.Model):
    """Saving with ``update_fields`` that name a hashed field also saves its hash."""

    class Meta:
        abstract = True

    def save(self, *args: Any, update_fields: Iterable[str] | None = None, **kwargs: Any) -> None:
        if update_fields is not None:
            names = set(update_fields)
            names |= {
                f.name for f in hash_fields(type(self)) if f.source in names
            }  # the hash follows its source
            update_fields = names
        super().save(*args, update_fields=update_fields, **kwargs)


def encrypted_fields(model: type[models.Model]) -> list[EncryptedCharField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedCharField)]


def hash_fields(model: type[models.Model]) -> list[LookupHashField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, LookupHashField)]


def reseal(model: type[models.Model], *, batch_size: int = 500, everything: bool = False) -> int:
    """Re-encrypt ``model``'s encrypted fields with the current key and recompute their hashes.

    Rows already sealed with the current key (and hashed with it) are left alone unless
    ``everything``; plain values (written before encryption) are sealed. Returns the rows written.
    Each batch is one transaction, so a long rotation can be stopped and run again.
    """
    sealed = encrypted_fields(model)
    hashed = hash_fields(model)
    if not sealed:
        return 0
    current = crypto.current_key().id
    raw_names = {f.name: f"_raw_{f.name}" for f in sealed}
    written = 0
    last_pk: Any = None
    while True:
        batch = model._default_manager.order_by("pk")
        if last_pk is not None:
            batch = batch.filter(pk__gt=last_pk)
        rows = list(
            batch.only("pk", *(f.name for f in sealed + hashed)).annotate(
                **{raw: Cast(name, models.TextField()) for name, raw in raw_names.items()}
            )[:batch_size]
        )
        if not rows:
            return written
        last_pk = rows[-1].pk
        stale = []
        for row in rows:
            outdated = any(
                getattr(row, raw) and crypto.key_id_of(getattr(row, raw)) != current
                for raw in raw_names.values()
            ) or any(getattr(row, f.attname) != f.compute(row) for f in hashed)
            if everything or outdated:
                for f in hashed:
                    setattr(row, f.attname, f.compute(row))
                stale.append(row)
        if stale:
            with transaction.atomic():
                model._default_manager.bulk_update(stale, [f.name for f in sealed + hashed])
            written += len(stale)


def unseal(model: type[models.Model], *, batch_size: int = 500) -> int:
    """Write ``model``'s encrypted fields back as plain text (reversing the encryption migration)."""
    sealed = encrypted_fields(model)
    written = 0
    for row in model._default_manager.only("pk", *(f.name for f in sealed)).iterator(chunk_size=batch_size):
        plain = {f.name: models.Value(getattr(row, f.attname) or "", models.TextField()) for f in sealed}
        model._default_manager.filter(pk=row.pk).update(**plain)
        written += 1
    return written


def sealing_operation(app_label: str, model_name: str) -> Any:
    """A migration operation that encrypts the rows written before a field became encrypted."""
    from django.db.migrations import RunPython

    def forward(apps: Any, schema_editor: Any) -> None:
        reseal(apps.get_model(app_label, model_name))

    def backward(apps: Any, schema_editor: Any) -> None:
        unseal(apps.get_model(app_label, model_name))

    return RunPython(forward, backward, elidable=False)
