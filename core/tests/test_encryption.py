"""Field encryption: values at rest are ciphertext, keys rotate without losing data, and the
blind index matches equal values only under the same key."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import Profile, User
from core.encryption import DecryptionError, blind_index, decrypt, encrypt, rotate

PHONE = "+1 555 0100"


@pytest.fixture
def key_a() -> str:
    return Fernet.generate_key().decode()


@pytest.fixture
def key_b() -> str:
    return Fernet.generate_key().decode()


def _make_profile(email: str, phone: str = PHONE) -> Profile:
    user = User.objects.create_user(email=email, password="pw-not-used-here")
    profile, _ = Profile.objects.update_or_create(user=user, defaults={"phone": phone})
    return profile


def _stored_phone(profile: Profile) -> str:
    """The phone column as the database holds it, bypassing the field's decryption."""
    table = connection.ops.quote_name(Profile._meta.db_table)
    column = connection.ops.quote_name(Profile._meta.get_field("phone").column)
    pk_column = connection.ops.quote_name(Profile._meta.pk.column)
    pk = Profile._meta.pk.get_db_prep_value(profile.pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE {pk_column} = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_a_value_survives_the_round_trip():
    # when
    token = encrypt(PHONE)

    # then
    assert decrypt(token) == PHONE


def test_ciphertext_hides_the_value_and_differs_each_time():
    # when
    first = encrypt(PHONE)
    second = encrypt(PHONE)

    # then
    assert PHONE not in first
    assert first != second
    assert decrypt(first) == decrypt(second) == PHONE


def test_a_value_stays_readable_through_a_key_rotation(settings, key_a, key_b):
    # given
    settings.FIELD_ENCRYPTION_KEYS = [key_a]
    token = encrypt(PHONE)

    # when: the new key goes in front of the old one
    settings.FIELD_ENCRYPTION_KEYS = [key_b, key_a]
    readable_during_rotation = decrypt(token)
    rotated = rotate(token)

    # then: the rotated value needs the new key alone, the old one needs the old key
    settings.FIELD_ENCRYPTION_KEYS = [key_b]
    assert readable_during_rotation == PHONE
    assert decrypt(rotated) == PHONE
    with pytest.raises(DecryptionError):
        decrypt(token)


def test_a_value_under_a_dropped_key_cannot_be_read(settings, key_a, key_b):
    # given
    settings.FIELD_ENCRYPTION_KEYS = [key_a]
    token = encrypt(PHONE)

    # when
    settings.FIELD_ENCRYPTION_KEYS = [key_b]

    # then
    with pytest.raises(DecryptionError):
        decrypt(token)
    with pytest.raises(DecryptionError):
        rotate(token)


def test_the_blind_index_ignores_spacing_and_case():
    # when / then
    assert blind_index(" +1 555 0100 ") == blind_index("+15550100")
    assert blind_index("Ada@Example.com") == blind_index("ada@example.com")
    assert blind_index("+15550100") != blind_index("+15550101")


def test_the_blind_index_depends_on_its_key(settings):
    # given
    settings.BLIND_INDEX_KEY = "first-key"
    under_first = blind_index(PHONE)

    # when
    settings.BLIND_INDEX_KEY = "second-key"
    under_second = blind_index(PHONE)

    # then
    assert under_first != under_second
    assert len(under_first) == len(under_second) == 64
    assert "5550100" not in under_first


@pytest.mark.django_db
def test_an_encrypted_field_stores_ciphertext_and_reads_plaintext():
    # given
    profile = _make_profile("ada@example.com")

    # when
    stored = _stored_phone(profile)
    read_back = Profile.objects.get(pk=profile.pk).phone

    # then
    assert stored != PHONE
    assert "555" not in stored
    assert decrypt(stored) == PHONE
    assert read_back == PHONE


@pytest.mark.django_db
def test_an_empty_value_is_stored_as_it_is():
    # given
    profile = _make_profile("ada@example.com", phone="")

    # when / then
    assert _stored_phone(profile) == ""
    assert Profile.objects.get(pk=profile.pk).phone == ""


@pytest.mark.django_db
def test_the_rotation_command_moves_every_value_to_the_first_key(settings, key_a, key_b):
    # given: three values under the old key, one empty value, a batch size below the count
    settings.FIELD_ENCRYPTION_KEYS = [key_a]
    profiles = [_make_profile(f"member{n}@example.com", phone=f"+1 555 010{n}") for n in range(3)]
    _make_profile("nophone@example.com", phone="")
    updated_at = {p.pk: p.updated_at for p in Profile.objects.all()}
    settings.FIELD_ENCRYPTION_KEYS = [key_b, key_a]
    out = StringIO()

    # when
    call_command("rotate_encryption_keys", "--batch-size=2", stdout=out)

    # then: readable with the new key alone, and nothing else about the rows changed
    settings.FIELD_ENCRYPTION_KEYS = [key_b]
    assert sorted(Profile.objects.values_list("phone", flat=True)) == [
        "",
        "+1 555 0100",
        "+1 555 0101",
        "+1 555 0102",
    ]
    assert [decrypt(_stored_phone(p)) for p in profiles] == [p.phone for p in profiles]
    assert {p.pk: p.updated_at for p in Profile.objects.all()} == updated_at
    lines = out.getvalue().splitlines()
    assert "  accounts.profile (phone): 3 rows re-encrypted" in lines
    assert lines[-1] == "3 rows re-encrypted."


@pytest.mark.django_db
def test_a_dry_run_counts_and_changes_nothing(settings, key_a, key_b):
    # given
    settings.FIELD_ENCRYPTION_KEYS = [key_a]
    profile = _make_profile("ada@example.com")
    stored_before = _stored_phone(profile)
    settings.FIELD_ENCRYPTION_KEYS = [key_b, key_a]
    out = StringIO()

    # when
    call_command("rotate_encryption_keys", "--dry-run", stdout=out)

    # then
    assert _stored_phone(profile) == stored_before
    lines = out.getvalue().splitlines()
    assert "  accounts.profile (phone): 1 row would be re-encrypted" in lines
    assert lines[-1] == "1 row would be re-encrypted."


@pytest.mark.django_db
def test_the_rotation_command_stops_at_a_value_no_key_opens(settings, key_a, key_b):
    # given
    settings.FIELD_ENCRYPTION_KEYS = [key_a]
    profile = _make_profile("ada@example.com")
    stored_before = _stored_phone(profile)
    settings.FIELD_ENCRYPTION_KEYS = [key_b]

    # when
    with pytest.raises(CommandError) as raised:
        call_command("rotate_encryption_keys", stdout=StringIO())

    # then
    assert str(raised.value) == (
        "accounts.profile (phone): a stored value opens with none of the configured keys; "
        "put back the key it was written with and run the command again."
    )
    assert _stored_phone(profile) == stored_before
