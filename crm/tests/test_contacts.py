"""Normalisation and blind indexes of contact details (crm/contacts.py)."""

import pytest

from core.exceptions import DomainError
from crm.contacts import clean_text, contact_index, normalise_email, normalise_phone


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+1 415-555-2671", "", "+14155552671"),
        ("(415) 555 2671", "US", "+14155552671"),
        ("415.555.2671", "us", "+14155552671"),
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("+33 6 12 34 56 78", "US", "+33612345678"),
    ],
)
def test_normalise_phone_gives_e164(raw, region, expected):
    assert normalise_phone(raw, region) == expected


@pytest.mark.parametrize(
    ("raw", "region"),
    [
        ("415555", "US"),  # a fragment
        ("(415) 555 2671", ""),  # national, and no region to read it in
        ("+1 000-000-0000", ""),  # possible in length, but no valid number
        ("call me", "US"),
        ("", "US"),
        ("+1" + "5" * 50, ""),
    ],
)
def test_normalise_phone_refuses_what_is_no_valid_number(raw, region):
    with pytest.raises(DomainError) as caught:
        normalise_phone(raw, region, field="referee_phone")

    assert (caught.value.status_code, caught.value.attr) == (400, "referee_phone")


def test_normalise_email_lowercases_and_checks_no_dns():
    assert normalise_email("  Ada.Lovelace@Example.COM ") == "ada.lovelace@example.com"
    # No DNS lookup: a domain that cannot resolve is still a well-formed address.
    assert normalise_email("ada@no-such-domain-4f2a9c.com") == "ada@no-such-domain-4f2a9c.com"


@pytest.mark.parametrize("raw", ["ada", "ada@", "@example.com", "ada@@example.com", "a b@x.com"])
def test_normalise_email_refuses_malformed_addresses(raw):
    with pytest.raises(DomainError) as caught:
        normalise_email(raw)

    assert (caught.value.status_code, caught.value.attr) == (400, "email")


def test_contact_index_mixes_in_the_owner_and_the_field():
    same = contact_index("owner-1", "phone", "+14155552671")

    assert same == contact_index("owner-1", "phone", "+14155552671")
    assert same != contact_index("owner-2", "phone", "+14155552671")
    assert same != contact_index("owner-1", "email", "+14155552671")
    assert contact_index("owner-1", "phone", "") == ""


def test_clean_text_removes_tags_and_encodes_what_html_would_read():
    assert clean_text('<b>Tom</b> & <script>alert("x")</script>Jerry') == "Tom &amp; Jerry"
    assert clean_text("<img src=x onerror=alert(1)>ok") == "ok"
    assert clean_text("") == ""
