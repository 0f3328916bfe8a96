"""Residents' ID numbers and phones are ciphertext in the database and found again by keyed hash."""

import base64
import os
import stat
import threading
from io import StringIO

import pytest
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection

from zhenwu.core import crypto
from zhenwu.core.fields import lookup_values, reseal, unseal
from zhenwu.mediation.models import DisputeParty
from zhenwu.petitions.models import Petitioner
from zhenwu.petitions.selectors import petitioner_history
from zhenwu.petitions.tests.factories import ID_A, register

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


def _raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608 -- test constants
        return str(cursor.fetchone()[0])


def _key(letter: str) -> str:
    return base64.urlsafe_b64encode(letter.encode() * 32).decode()


def test_the_column_holds_ciphertext_and_the_model_plain_text():
    person = Petitioner.objects.create(name="张三", id_number=ID_A, phone=PHONE)
    stored_id = _raw("petitions_petitioner", "id_number", person.pk)
    stored_phone = _raw("petitions_petitioner", "phone", person.pk)
    assert stored_id.startswith("enc1:test2:")
    assert ID_A not in stored_id and ID_A[-6:] not in stored_id
    assert PHONE not in stored_phone
    person.refresh_from_db()
    assert (person.id_number, person.phone) == (ID_A, PHONE)
    assert Petitioner.objects.values_list("id_number", flat=True).get(pk=person.pk) == ID_A


def test_the_same_value_encrypts_differently_each_time():
    first = Petitioner.objects.create(name="甲", id_number=ID_A)
    second = Petitioner.objects.create(name="乙", id_number=ID_A)
    raw = {_raw("petitions_petitioner", "id_number", p.pk) for p in (first, second)}
    assert len(raw) == 2
    # ... while the lookup hash is the same, which is what finds the resident again.
    assert first.id_number_hash == second.id_number_hash != ""


def test_an_empty_value_stays_empty_and_has_no_hash():
    person = Petitioner.objects.create(name="王五")
    assert _raw("petitions_petitioner", "id_number", person.pk) == ""
    assert person.id_number_hash == ""
    assert lookup_values("", kind="id_number") == []


def test_filtering_on_the_ciphertext_is_refused_rather_than_silently_empty():
    with pytest.raises(FieldError):
        list(Petitioner.objects.filter(id_number=ID_A))
    with pytest.raises(FieldError):
        list(Petitioner.objects.filter(phone__contains="138"))
    assert Petitioner.objects.filter(id_number__isnull=True).count() == 0


def test_lookup_normalises_and_finds_the_residents_history(world):
    matter, _code = register(world.user("office"), world.township, id_number=ID_A)
    lower = ID_A[:-1] + ID_A[-1].lower() + " "
    found = petitioner_history(user=world.user("office"), id_number=lower)
    assert list(found) == [matter]
    assert Petitioner.objects.filter(id_number_hash__in=lookup_values(lower, kind="id_number")).exists()


def test_saving_with_update_fields_keeps_the_hash_in_step():
    person = Petitioner.objects.create(name="赵六", id_number="")
    person.id_number = ID_A
    person.save(update_fields=["id_number"])
    person.refresh_from_db()
    assert person.id_number_hash == lookup_values(ID_A, kind="id_number")[0]


def test_bulk_create_hashes_too():
    (person,) = Petitioner.objects.bulk_create([Petitioner(name="孙七", id_number=ID_A)])
    assert Petitioner.objects.get(pk=person.pk).id_number_hash == lookup_values(ID_A, kind="id_number")[0]
    assert _raw("petitions_petitioner", "id_number", person.pk).startswith("enc1:")


def test_a_value_copied_into_another_column_does_not_open():
    person = Petitioner.objects.create(name="钱八", id_number=ID_A, phone=PHONE)
    stolen = _raw("petitions_petitioner", "phone", person.pk)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE petitions_petitioner SET id_number = %s WHERE id = %s", [stolen, person.pk])
    with pytest.raises(crypto.DecryptionFailed) as failure:
        Petitioner.objects.get(pk=person.pk)
    assert PHONE not in str(failure.value)


def test_a_tampered_value_does_not_open():
    person = Petitioner.objects.create(name="周九", id_number=ID_A)
    stored = _raw("petitions_petitioner", "id_number", person.pk)
    blob = bytearray(base64.b64decode(stored.split(":", 2)[2]))
    blob[-1] ^= 1
    tampered = "enc1:test2:" + base64.b64encode(bytes(blob)).decode()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE petitions_petitioner SET id_number = %s WHERE id = %s", [tampered, person.pk])
    with pytest.raises(crypto.DecryptionFailed):
        Petitioner.objects.get(pk=person.pk)


def test_values_under_an_older_key_still_open_and_are_found(settings):
    settings.ZHENWU_DATA_KEYS = f"old:{_key('o')}"
    person = Petitioner.objects.create(name="吴十", id_number=ID_A, phone=PHONE)
    settings.ZHENWU_DATA_KEYS = f"new:{_key('n')},old:{_key('o')}"
    assert Petitioner.objects.get(pk=person.pk).phone == PHONE
    assert Petitioner.objects.filter(id_number_hash__in=lookup_values(ID_A, kind="id_number")).count() == 1
    settings.ZHENWU_DATA_KEYS = f"new:{_key('n')}"  # the old key removed too early
    with pytest.raises(crypto.DecryptionFailed, match="old"):
        Petitioner.objects.get(pk=person.pk)


def test_dispute_parties_are_encrypted_too(world):
    from zhenwu.mediation.tests.factories import make_dispute

    party = make_dispute(world).parties.get(id_number_hash__in=lookup_values(ID_A, kind="id_number"))
    assert _raw("mediation_disputeparty", "id_number", party.pk).startswith("enc1:")
    assert PHONE not in _raw("mediation_disputeparty", "phone", party.pk)
    assert (party.id_number, party.phone) == (ID_A, PHONE)
    assert DisputeParty.objects.get(pk=party.pk).id_number == ID_A


@pytest.mark.parametrize(
    "value",
    ["nocolon", "bad id!:" + _key("a"), "k:notbase64!!", "k:" + base64.urlsafe_b64encode(b"short").decode()],
)
def test_a_malformed_keyring_is_a_configuration_error(settings, value):
    settings.ZHENWU_DATA_KEYS = value
    with pytest.raises(ImproperlyConfigured):
        crypto.keyring()


def test_the_embedded_keyring_is_made_once_private_and_stable(settings, tmp_path):
    settings.ZHENWU_DATA_KEYS = ""
    settings.VAR_DIR = tmp_path
    results: list[list[str]] = []

    def read() -> None:
        crypto.keyring.cache_clear()
        results.append(crypto.key_ids())

    threads = [threading.Thread(target=read) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({tuple(r) for r in results}) == 1  # every thread read the same single key
    path = tmp_path / "data_keys"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["data_keys"]  # no temporary file left behind
    crypto.keyring.cache_clear()
    assert crypto.key_ids() == results[0]


def test_rotation_with_the_embedded_keyring(settings, tmp_path):
    settings.ZHENWU_DATA_KEYS = ""
    settings.VAR_DIR = tmp_path
    people = [Petitioner.objects.create(name=f"居民{i}", id_number=ID_A, phone=PHONE) for i in range(3)]
    first = crypto.current_key().id
    out = StringIO()
    call_command("rotate_data_key", "--generate", "--batch-size", "2", stdout=out)
    second = crypto.current_key().id
    assert second != first and crypto.key_ids() == [second, first]
    for person in people:
        assert _raw("petitions_petitioner", "id_number", person.pk).startswith(f"enc1:{second}:")
        assert Petitioner.objects.get(pk=person.pk).phone == PHONE
    hashes = lookup_values(ID_A, kind="id_number")
    assert Petitioner.objects.filter(id_number_hash=hashes[0]).count() == 3  # rehashed under the new key
    assert f"Key {first}: no longer used" in out.getvalue()
    # A second run has nothing left to do.
    again = StringIO()
    call_command("rotate_data_key", stdout=again)
    assert "petitions.Petitioner: 0 rows re-encrypted" in again.getvalue()


def test_a_process_with_an_old_keyring_reads_values_under_a_key_added_since(settings, tmp_path):
    settings.ZHENWU_DATA_KEYS = ""
    settings.VAR_DIR = tmp_path
    old_line = f"old:{_key('o')}"
    (tmp_path / "data_keys").write_text(old_line + "\n")
    assert crypto.key_ids() == ["old"]  # this process has read (and cached) the keyring
    # Another process (rotate_data_key) puts a new key first and seals a value with it.
    (tmp_path / "data_keys").write_text(f"new:{_key('n')}\n{old_line}\n")
    newer = crypto.DataKey("new", b"n" * 32)
    nonce = b"\x01" * 12
    sealed = newer.aead.encrypt(nonce, PHONE.encode(), b"petitions.petitioner.phone")
    person = Petitioner.objects.create(name="郑一")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE petitions_petitioner SET phone = %s WHERE id = %s",
            ["enc1:new:" + base64.b64encode(nonce + sealed).decode(), person.pk],
        )
    assert Petitioner.objects.get(pk=person.pk).phone == PHONE
    assert crypto.key_ids() == ["new", "old"]


def test_rotation_with_an_environment_keyring_prints_a_key_to_add(settings):
    with pytest.raises(CommandError) as refusal:
        call_command("rotate_data_key", "--generate", stdout=StringIO())
    line = str(refusal.value).strip().splitlines()[-1]
    settings.ZHENWU_DATA_KEYS = line + "," + settings.ZHENWU_DATA_KEYS
    assert crypto.current_key().id == line.split(":")[0]


def test_rows_written_before_encryption_are_sealed_by_the_migration_step():
    person = Petitioner.objects.create(name="冯二", id_number=ID_A, phone=PHONE)
    assert unseal(Petitioner) >= 1  # back to plain text, as before the migration
    assert _raw("petitions_petitioner", "phone", person.pk) == PHONE
    with connection.cursor() as cursor:
        cursor.execute("UPDATE petitions_petitioner SET id_number_hash = '' WHERE id = %s", [person.pk])
    assert Petitioner.objects.get(pk=person.pk).phone == PHONE  # plain values still read
    assert reseal(Petitioner) >= 1
    assert _raw("petitions_petitioner", "phone", person.pk).startswith("enc1:test2:")
    assert Petitioner.objects.get(pk=person.pk).id_number_hash == lookup_values(ID_A, kind="id_number")[0]
