"""Field encryption at rest (Fernet, via ``cryptography``) and blind indexes for lookups.

Keys come from ``FIELD_ENCRYPTION_KEYS``, newest first: values are encrypted with the first
key and decrypted with whichever listed key fits, so a key is rotated by putting the new one
in front, running ``manage.py rotate_encryption_keys``, then dropping the old one.

An encrypted column cannot be searched, so a field that needs exact lookups keeps a
``blind_index`` beside it: a keyed HMAC of the normalised value (``BLIND_INDEX_KEY``), equal
for equal inputs and useless without the key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


class DecryptionError(Exception):
    """No configured key opens the value (a key was dropped before rotation finished)."""


def _development_key(purpose: str) -> bytes:
    # Laptop only: production.py refuses to start without real keys.
    digest = hashlib.sha256(f"{purpose}:{settings.SECRET_KEY}".encode()).digest()
    return base64.urlsafe_b64encode(digest)


@lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def _current_fernet() -> MultiFernet:
    keys = tuple(settings.FIELD_ENCRYPTION_KEYS) or (_development_key("field-encryption").decode(),)
    return _fernet(keys)


def encrypt(plaintext: str) -> str:
    return _current_fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _current_fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise _undecryptable() from exc


def rotate(token: str) -> str:
    """Re-encrypt ``token`` with the first key."""
    try:
        return _current_fernet().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise _undecryptable() from exc


def _undecryptable() -> DecryptionError:
    return DecryptionError("No configured FIELD_ENCRYPTION_KEYS entry decrypts this value.")


def normalise(value: str) -> str:
    return "".join(value.split()).lower()


def blind_index(value: str) -> str:
    """A keyed hash of ``value`` for exact-match lookups on an encrypted field."""
    key = settings.BLIND_INDEX_KEY.encode() or _development_key("blind-index")
    return hmac.new(key, normalise(value).encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; reads and writes plain ``str`` in Python.

    Empty strings are stored as they are (there is nothing to hide), so ``blank=True``
    fields stay cheap and filterable for emptiness.
    """

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)
