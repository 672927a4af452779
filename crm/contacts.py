"""Contact details, normalised once at write and matched exactly.

Every email and phone (customers, referees, imports, WhatsApp's ``wa_id``) goes through
here: a phone becomes E.164 (``is_valid_number``, not merely possible), an email its
normalised, lower-cased form. The blind index mixes in the owner and the field, so equal
values of two members, or an email equal to a phone, never share an index; and since only
whole normalised values are indexed, a fragment matches nothing.
"""

from __future__ import annotations

import nh3
import phonenumbers
from email_validator import EmailNotValidError, validate_email

from core.encryption import blind_index
from core.exceptions import DomainError

PHONE_MAX_LENGTH = 40
EMAIL_MAX_LENGTH = 254


def normalise_phone(raw: str, region: str = "", *, field: str = "phone") -> str:
    """``raw`` in E.164; a national number is read in ``region`` (ISO 3166 alpha-2).
    Raises a 400 ``invalid`` naming ``field`` when it is no valid number."""
    raw = (raw or "").strip()
    if not raw or len(raw) > PHONE_MAX_LENGTH:
        raise DomainError("Enter a valid phone number.", attr=field)
    try:
        number = phonenumbers.parse(raw, (region or "").upper() or None)
    except phonenumbers.NumberParseException:
        detail = "Enter a valid phone number."
        if not region and not raw.startswith("+"):
            detail = "Enter the number with its country code (+...), or set a default region."
        raise DomainError(detail, attr=field) from None
    if not phonenumbers.is_valid_number(number):
        raise DomainError("Enter a valid phone number.", attr=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(raw: str, *, field: str = "email") -> str:
    """``raw`` normalised and lower-cased. No DNS lookup (``check_deliverability=False``).
    Raises a 400 ``invalid`` naming ``field``."""
    raw = (raw or "").strip()
    if not raw or len(raw) > EMAIL_MAX_LENGTH:
        raise DomainError("Enter a valid email address.", attr=field)
    try:
        result = validate_email(raw, check_deliverability=False)
    except EmailNotValidError as exc:
        raise DomainError(str(exc), attr=field) from None
    return result.normalized.lower()


def contact_index(owner_id, field: str, value: str) -> str:
    """The blind index of a normalised ``value`` of ``field`` (email, phone) for one owner;
    empty for an empty value."""
    if not value:
        return ""
    return blind_index(f"crm:{field}:{owner_id}:{value}")


def clean_text(text: str) -> str:
    """Free text made HTML-safe: every tag removed, ``&`` and ``<`` entity-encoded.
    Store the result as it is; never unescape it."""
    if not text:
        return ""
    return nh3.clean(text, tags=set())
