"""Hostile cursors never give a 500 (core.pagination): every cursor-paginated list, found
from the URL resolver."""

import base64
import json

import pytest

from community.tests.factories import PostFactory
from conversations.tests.factories import ConversationFactory
from crm.tests.factories import CustomerFactory
from marketplace.tests.factories import CoachFactory

from .hostile_helpers import (
    CURSOR_LISTS,
    INVALID_CURSOR,
    fill,
    null_in,
)

pytestmark = pytest.mark.django_db


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


BAD_CURSORS = [
    "cD0yMDI0",  # p=2024
    _b64("p=not a time"),
    _b64("p=2024-01-01 00:00:00+00:00&o=-1"),
    _b64("r=yes"),
    _b64("p=\x00"),
    "%%%not-base64",
    "w6k=",  # not ASCII once decoded
]


@pytest.fixture
def cursor_list_path(member, other_member):
    """A concrete path of a cursor-paginated route; routes whose parameters must name a
    real object get one here."""
    real = {
        "api/v1/community/posts/<uuid:pk>/comments": lambda: {"pk": PostFactory().pk},
        "api/v1/messages/conversation/<uuid:user_id>": lambda: {"user_id": other_member.pk},
        "api/v1/conversations/<uuid:pk>/messages": lambda: {
            "pk": ConversationFactory(user=member).pk
        },
        "api/v1/conversations/coach/threads/<uuid:pk>/messages": lambda: {
            "pk": ConversationFactory(
                user=member, kind="coach", scenario=None, difficulty="", character=None
            ).pk
        },
        "api/v1/marketplace/coaches/<uuid:pk>/feedback": lambda: {"pk": CoachFactory().pk},
        "api/v1/crm/customers/<uuid:pk>/interactions": lambda: {
            "pk": CustomerFactory(owner=member).pk
        },
    }

    def path_of(route: str) -> str:
        return fill(route, real[route]() if route in real else None)

    return path_of


@pytest.mark.parametrize("route", CURSOR_LISTS)
@pytest.mark.parametrize("cursor", BAD_CURSORS)
def test_a_cursor_that_does_not_fit_is_a_400_on_every_cursor_list(
    member_api, cursor_list_path, route, cursor
):
    # given: the route is a cursor-paginated list
    path = cursor_list_path(route)
    listed = member_api.get(path)
    assert listed.status_code == 200, f"{route}: give it a real object in cursor_list_path"
    assert set(listed.json()) == {"next", "previous", "results"}

    # when
    response = member_api.get(path, {"cursor": cursor})

    # then
    assert response.status_code == 400
    assert response.json() == INVALID_CURSOR


@pytest.mark.postgres
def test_a_crafted_cursor_never_reaches_postgresql(member_api):
    # when
    response = member_api.get("/api/v1/notifications", {"cursor": "cD0yMDI0"})

    # then
    assert response.status_code == 400
    assert response.json() == INVALID_CURSOR


@pytest.mark.postgres
@pytest.mark.usefixtures("premium_member")  # sending a message needs the premium plan
def test_a_nul_in_a_message_never_reaches_postgresql(member_api, other_member):
    # when
    response = member_api.post(
        "/api/v1/messages",
        json.dumps({"recipient": str(other_member.pk), "content": "hi\x00"}),
        content_type="application/json",
    )

    # then
    assert response.status_code == 400
    assert response.json() == null_in("content")
