"""dj-stripe's checks that read the database run only when a database is asked for."""

import pytest
from django.core.checks import run_checks
from djstripe.models import WebhookEndpoint


def test_checks_without_a_database_do_not_touch_it():
    # no database access is allowed here: a query would fail the test
    assert [e.id for e in run_checks() if e.id.startswith("djstripe")] == []


@pytest.mark.django_db
def test_with_the_database_an_endpoint_without_secret_is_reported():
    WebhookEndpoint.objects.create(
        id="we_nosecret",
        livemode=False,
        secret="",
        url="https://example.com/hook",
        enabled_events=["*"],
        api_version="",
    )

    ids = [e.id for e in run_checks(databases=["default"]) if e.id.startswith("djstripe")]

    assert "djstripe.W005" in ids
