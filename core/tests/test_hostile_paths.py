"""Hostile query strings and paths never give a 500, and the catch-all 404."""

import pytest
from django.test import Client

from .hostile_helpers import (
    NOT_FOUND,
    null_in,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("query", "attr"),
    [("search=a%00b", "search"), ("tier=%00", "tier"), ("a%00b=1", "a\ufffdb")],
)
def test_a_nul_in_a_query_parameter_is_a_400_naming_it(member_api, query, attr):
    # when
    response = member_api.get(f"/api/v1/community/members?{query}")

    # then
    assert response.status_code == 400
    assert response.json() == null_in(attr)


@pytest.mark.postgres
def test_a_nul_in_a_search_never_reaches_postgresql(member_api):
    # when
    response = member_api.get("/api/v1/community/members", {"search": "ada\x00"})

    # then
    assert response.status_code == 400
    assert response.json() == null_in("search")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/billing/payment-intents/pi_1%00/confirm",
        "/api/v1/community/posts/%00",
        "/api/v1/notifications%00",
    ],
)
def test_a_nul_in_a_path_is_a_404(member_api, path):
    # when
    response = member_api.post(path, {}) if "confirm" in path else member_api.get(path)

    # then
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


# --- the catch-all --------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete", "options"])
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/messages/",
        "/api/v1/community/posts/not-a-uuid",
        "/api/v1/no-such-thing",
        "/api/v1/notifications/00000000-0000-0000-0000-00000000000g/read",
    ],
)
def test_an_unrouted_api_path_is_a_json_404_for_every_method(method, path):
    # given: a browser-like client, with the CSRF check Django's test client skips by default
    client = Client(enforce_csrf_checks=True)

    # when
    response = client.generic(method.upper(), path, "{}", content_type="application/json")

    # then
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == NOT_FOUND
