"""OwnedQuerysetMixin: a viewset over the caller's rows cannot reach anyone else's."""

import pytest
from rest_framework.test import APIClient

from accounts.models import Consent
from accounts.tests.factories import UserFactory
from accounts.tests.helpers import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.urls("core.tests.urls")]


@pytest.fixture
def owner():
    return UserFactory()


@pytest.fixture
def stranger():
    return UserFactory()


def test_the_list_holds_only_the_callers_rows(owner, stranger):
    # given
    mine = Consent.objects.create(user=owner, kind="terms", granted=True)
    Consent.objects.create(user=stranger, kind="terms", granted=True)

    # when
    response = client_for(owner).get("/owned/")

    # then
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [str(mine.id)]


def test_another_users_row_is_a_404_and_stays(owner, stranger):
    # given
    theirs = Consent.objects.create(user=stranger, kind="terms", granted=True)
    client = client_for(owner)

    # when
    read = client.get(f"/owned/{theirs.id}/")
    delete = client.delete(f"/owned/{theirs.id}/")

    # then
    assert (read.status_code, delete.status_code) == (404, 404)
    assert read.json()["errors"][0]["code"] == "not_found"
    assert Consent.objects.filter(pk=theirs.pk).exists()


def test_the_owner_comes_from_the_request_not_the_body(owner, stranger):
    response = client_for(owner).post(
        "/owned/", {"kind": "marketing", "granted": True, "user": str(stranger.id)}
    )

    assert response.status_code == 201
    assert Consent.objects.get(pk=response.json()["id"]).user == owner


def test_anonymous_callers_get_401():
    assert APIClient().get("/owned/").status_code == 401
