"""Encryption at rest of residents' ID numbers and phones, and keyed hashes to find them again.

The data keys
    A keyring of 256-bit keys, each with a short id. The first key encrypts; every key decrypts,
    so old rows stay readable while ``manage.py rotate_data_key`` re-encrypts them. The keyring is
    ``settings.ZHENWU_DATA_KEYS`` (the environment variable of the same name: ``id:key,id:key``,
    keys in URL-safe base64, newest first). When it is empty (the embedded default), the keyring
    lives in ``var/data_keys`` (one ``id:key`` per line, newest first), generated on first use with
    mode 0600. Keys are never in the database or in a backup: whoever holds a copy of the database
    or a backup without the keys sees only ciphertext.

Ciphertext
    ``enc1:<key id>:<base64(nonce ‖ AES-256-GCM ciphertext ‖ tag)>``. The associated data is the
    column's name (``petitions.petitioner.id_number``), so a value copied into another column
    does not decrypt. An empty value stays empty: whether a phone was given is not a secret, and
    forms and exports treat "" as "not given".

Keyed hashes
    Exact lookup (a resident's earlier matters by ID number) cannot use the ciphertext, which is
    different every time. The lookup column holds HMAC-SHA256 of the normalised value under a key
    derived from a data key (HKDF, separate from the encryption use). Searching computes the hash
    under every key of the ring, so lookups keep working in the middle of a rotation.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import os
import re
import secrets
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

from zhenwu.core.secretfiles import create_once

PREFIX = "enc1"
_KEY_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
_NONCE_BYTES = 12


class DecryptionFailed(Exception):
    """A stored value that no key of the ring opens (a lost key, or a tampered value)."""


@dataclass(frozen=True)
class DataKey:
    id: str
    secret: bytes

    @functools.cached_property
    def aead(self) -> AESGCM:
        return AESGCM(self.secret)

    @functools.cached_property
    def lookup_secret(self) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"zhenwu lookup hash").derive(
            self.secret
        )


def key_file() -> Path:
    return Path(settings.VAR_DIR) / "data_keys"


def new_key_line() -> str:
    """A fresh ``id:key`` entry: the id is the date and four random hex digits."""
    from django.utils import timezone

    key_id = timezone.now().strftime("%Y%m%d") + secrets.token_hex(2)
    return f"{key_id}:{base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()}"


def _parse(entries: Iterable[str], where: str) -> tuple[DataKey, ...]:
    keys: list[DataKey] = []
    for raw in entries:
        entry = raw.strip()
        if not entry or entry.startswith("#"):
            continue
        key_id, sep, encoded = entry.partition(":")
        if not sep or not _KEY_ID_RE.match(key_id):
            raise ImproperlyConfigured(f"{where}: each key is 'id:base64key' with a short id")
        try:
            secret = base64.urlsafe_b64decode(encoded.encode())
        except (binascii.Error, ValueError):
            raise ImproperlyConfigured(f"{where}: key {key_id} is not valid base64") from None
        if len(secret) != 32:
            raise ImproperlyConfigured(f"{where}: key {key_id} must be 32 bytes (256 bits)")
        if any(k.id == key_id for k in keys):
            raise ImproperlyConfigured(f"{where}: key id {key_id} appears twice")
        keys.append(DataKey(key_id, secret))
    if not keys:
        raise ImproperlyConfigured(f"{where}: no data key")
    return tuple(keys)


@functools.cache
def keyring() -> tuple[DataKey, ...]:
    """The data keys, current first."""
    configured = getattr(settings, "ZHENWU_DATA_KEYS", "")
    if configured:
        return _parse(configured.split(","), "ZHENWU_DATA_KEYS")
    path = key_file()
    create_once(path, new_key_line() + "\n")
    return _parse(path.read_text().splitlines(), str(path))


def keys_from_file() -> bool:
    """True when the keyring is var/data_keys rather than the ZHENWU_DATA_KEYS setting."""
    return not getattr(settings, "ZHENWU_DATA_KEYS", "")


def add_key_to_file() -> DataKey:
    """Put a new key first in var/data_keys (the old ones stay, to read older values)."""
    path = key_file()
    lines = [line for line in path.read_text().splitlines() if line.strip()] if path.exists() else []
    fresh = new_key_line()
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".data_keys-")
    with os.fdopen(fd, "w") as fh:
        fh.write("\n".join([fresh, *lines]) + "\n")
    os.replace(temporary, path)  # atomic: readers see the old file or the new one
    keyring.cache_clear()
    return _parse([fresh], "new key")[0]


def key_ids() -> list[str]:
    """The ids of the configured keys, current first (for backup manifests and checks)."""
    return [key.id for key in keyring()]


def current_key() -> DataKey:
    return keyring()[0]


@receiver(setting_changed)
def _reset_keyring(*, setting: str, **kwargs: object) -> None:
    if setting in {"ZHENWU_DATA_KEYS", "VAR_DIR"}:
        keyring.cache_clear()


def is_encrypted(value: str) -> bool:
    return value.startswith(PREFIX + ":")


def key_id_of(value: str) -> str | None:
    """The id of the key that encrypted ``value``, or None for an empty or plain value."""
    if not is_encrypted(value):
        return None
    return value.split(":", 2)[1]


def encrypt(plaintext: str, *, context: str) -> str:
    if plaintext == "":
        return ""
    key = current_key()
    nonce = secrets.token_bytes(_NONCE_BYTES)
    sealed = key.aead.encrypt(nonce, plaintext.encode(), context.encode())
    return f"{PREFIX}:{key.id}:{base64.b64encode(nonce + sealed).decode()}"


def decrypt(stored: str, *, context: str) -> str:
    """The plaintext of a stored value. A value without the prefix is returned as it is: rows
    written before encryption are readable until ``rotate_data_key`` (or the migration) seals them."""
    if not is_encrypted(stored):
        return stored
    _prefix, key_id, encoded = stored.split(":", 2)
    key = next((k for k in keyring() if k.id == key_id), None)
    if key is None and keys_from_file():
        # Another process may have added a key to var/data_keys (rotate_data_key): read it again.
        keyring.cache_clear()
        key = next((k for k in keyring() if k.id == key_id), None)
    if key is None:
        raise DecryptionFailed(f"no data key with id {key_id!r} is configured")
    try:
        blob = base64.b64decode(encoded.encode(), validate=True)
        return key.aead.decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], context.encode()).decode()
    except (binascii.Error, ValueError, InvalidTag):
        raise DecryptionFailed(f"a value sealed with key {key_id!r} does not open") from None


def lookup_hash(value: str, *, kind: str, key: DataKey | None = None) -> str:
    """HMAC-SHA256 of a normalised value under ``key`` (the current one by default); "" for ""."""
    if value == "":
        return ""
    key = key or current_key()
    message = kind.encode() + b"\x00" + value.encode()
    return hmac.new(key.lookup_secret, message, hashlib.sha256).hexdigest()


def lookup_hashes(value: str, *, kind: str) -> list[str]:
    """The hash of ``value`` under every key of the ring: what a lookup searches for."""
    if value == "":
        return []
    return [lookup_hash(value, kind=kind, key=key) for key in keyring()]
