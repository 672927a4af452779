"""Races are settled by the database: two registrations of one address at the same moment
give one account and one field error, never a 500 or two accounts."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts.models import User

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BODY = {
    "email": "race@example.com",
    "password": "a sturdy passphrase 42",
    "confirm_password": "a sturdy passphrase 42",
    "agreed_to_terms": True,
    "agreed_to_privacy": True,
}


def test_two_simultaneous_registrations_of_one_email_make_one_account():
    # given
    barrier = threading.Barrier(2)
    responses = []

    def register(address: str) -> None:
        client = APIClient(REMOTE_ADDR=address)
        barrier.wait()
        try:
            responses.append(client.post("/api/v1/auth/register", BODY))
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(f"10.0.0.{n}",)) for n in (1, 2)]

    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # then
    assert sorted(r.status_code for r in responses) == [201, 400]
    refused = next(r for r in responses if r.status_code == 400)
    assert refused.json()["errors"] == [
        {"code": "unique", "detail": "An account with this email already exists.", "attr": "email"}
    ]
    assert User.objects.filter(email="race@example.com").count() == 1
