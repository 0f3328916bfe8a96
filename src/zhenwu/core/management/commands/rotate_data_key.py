"""Re-encrypt residents' ID numbers and phones with the current data key (core/crypto.py).

Rotation, embedded mode (keyring in var/data_keys)::

    manage.py rotate_data_key --generate   # new key first in var/data_keys, then re-encrypt

Running processes pick the new key up by themselves (an unknown key id makes them read the file
again). With ZHENWU_DATA_KEYS: put a new key first in the variable (``--generate`` prints one),
restart every process, then run ``manage.py rotate_data_key``. Each batch is one transaction, so
an interrupted run is simply run again. An old key may leave the keyring once no row uses it (the
command says so) and no backup you keep was written under it.
"""

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import TextField
from django.db.models.functions import Cast

from zhenwu.core import crypto
from zhenwu.core.fields import encrypted_fields, reseal


class Command(BaseCommand):
    help = "Re-encrypt ID numbers and phones with the current data key; --generate adds a new key first."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--generate", action="store_true", help="Add a new key and make it current.")
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, generate: bool, batch_size: int, **options: Any) -> None:
        if generate:
            if not crypto.keys_from_file():
                raise CommandError(
                    "The keyring comes from ZHENWU_DATA_KEYS. Put this new key first in it, restart "
                    "every zhenwu process, then run rotate_data_key without --generate:\n"
                    + crypto.new_key_line()
                )
            key = crypto.add_key_to_file()
            self.stdout.write(f"New data key {key.id} added first to {crypto.key_file()}.")
        current = crypto.current_key().id
        self.stdout.write(f"Re-encrypting with key {current}.")
        for model in apps.get_models():
            if encrypted_fields(model):
                written = reseal(model, batch_size=batch_size)
                self.stdout.write(f"  {model._meta.label}: {written} rows re-encrypted")
        in_use = self._keys_in_use()
        for key_id in crypto.key_ids():
            rows = in_use.get(key_id, 0)
            if key_id == current:
                self.stdout.write(f"Key {key_id} (current): {rows} values.")
            elif rows:
                self.stdout.write(self.style.WARNING(f"Key {key_id}: still {rows} values."))
            else:
                self.stdout.write(
                    f"Key {key_id}: no longer used by the database; remove it once no backup you keep "
                    "was written under it."
                )

    def _keys_in_use(self) -> dict[str, int]:
        """Values per key id, read from the ciphertext prefix ``enc1:<id>:`` of every value."""
        counts: dict[str, int] = {}
        for model in apps.get_models():
            for field in encrypted_fields(model):
                raw = Cast(field.name, TextField())  # the stored text, not decrypted
                values = model._default_manager.annotate(_raw=raw).values_list("_raw", flat=True)
                for value in values.iterator(chunk_size=2000):
                    if value and (found := crypto.key_id_of(value)):
                        counts[found] = counts.get(found, 0) + 1
        return counts
