"""Hostile bodies never give a 500 (core.parsers, core.middleware): every write endpoint,
found from the URL resolver (so a new one is covered without touching this file), is sent
them."""

import pytest
from rest_framework.test import APIClient

from .hostile_helpers import (
    CURSOR_LISTS,
    DEEP_BODY,
    HUGE_BODY,
    NUL_BODY,
    REFUSED_BEFORE_READING,
    TOO_DEEP,
    TOO_LARGE,
    WRITES,
    fill,
    null_in,
)

pytestmark = pytest.mark.django_db


def test_the_generated_routes_include_the_known_ones():
    assert len(WRITES) >= 48
    assert ("api/v1/auth/login", "post") in WRITES
    assert ("api/v1/stripe/webhook/<uuid:uuid>/", "post") in WRITES
    assert ("api/v1/community/members/<uuid:pk>/tier", "patch") in WRITES
    assert "api/v1/notifications" in CURSOR_LISTS
    assert "api/v1/messages/conversation/<uuid:user_id>" in CURSOR_LISTS


@pytest.fixture(params=["member", "anonymous"])
def caller(request, member_api) -> APIClient:
    return member_api if request.param == "member" else APIClient()


def _send(client, method: str, path: str, body: str):
    return getattr(client, method)(path, data=body, content_type="application/json")


def _assert_refused_before_reading(response):
    """An answer that never needed the body: a success of an endpoint that takes none
    (ws-ticket), or a refusal in the envelope for another reason (401, 403, 404, 503, or a
    400 about the caller's state, like onboarding/complete's pending steps)."""
    if response.status_code in (200, 201, 202, 204):
        return
    assert response.status_code in {400, *REFUSED_BEFORE_READING}, response.content[:300]
    body = response.json()
    assert body["type"] in ("client_error", "validation_error", "server_error")
    assert body["errors"]
    assert all(set(error) == {"code", "detail", "attr"} for error in body["errors"])


# --- bodies sent to every write endpoint ----------------------------------------------------


@pytest.mark.parametrize(("route", "method"), WRITES)
def test_a_deeply_nested_body_is_a_400_on_every_write_endpoint(caller, route, method):
    # when
    response = _send(caller, method, fill(route), DEEP_BODY)

    # then: refused by the parser, or answered without reading the body; never a 500
    if not (response.status_code == 400 and response.json() == TOO_DEEP):
        _assert_refused_before_reading(response)


@pytest.mark.parametrize(("route", "method"), WRITES)
def test_a_body_over_the_limit_is_a_413_on_every_write_endpoint(caller, route, method):
    # when
    response = _send(caller, method, fill(route), HUGE_BODY)

    # then
    assert response.status_code == 413
    assert response.json() == TOO_LARGE


@pytest.mark.parametrize(("route", "method"), WRITES)
def test_a_nul_character_is_a_400_naming_the_field_on_every_write_endpoint(caller, route, method):
    # when
    response = _send(caller, method, fill(route), NUL_BODY)

    # then: refused by the parser, or answered without reading the body; never a 500
    if not (response.status_code == 400 and response.json() == null_in("content")):
        _assert_refused_before_reading(response)
