import re

from django.core import mail
from rest_framework.test import APIClient

from accounts.services import tokens_for

# The key in a link to the front end (``?key=...``) or to the platform's own pages
# (``/account/verify-email/<key>``, ``/account/reset-password/<key>``).
KEY_IN_LINK = r"(?:key=|/account/(?:verify-email|reset-password)/)([\w:\-]+)"


def key_from_last_email(pattern: str = KEY_IN_LINK) -> str:
    """The key in the most recent email's text body (verification or password reset)."""
    match = re.search(pattern, mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def bearer(access: str) -> APIClient:
    """A client that sends ``access`` as its bearer token."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def client_for(user) -> APIClient:
    """A client signed in as ``user`` with a fresh token pair."""
    return bearer(tokens_for(user=user)["access"])


def errors_of(response) -> list[dict]:
    return [{"code": e["code"], "attr": e["attr"]} for e in response.json()["errors"]]
