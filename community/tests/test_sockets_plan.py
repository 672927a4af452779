"""Messaging and the plan over the socket: ``message.send`` needs ``community.messaging``
(premium), checked on every frame, so a change of plan applies to an open socket."""

import pytest
from channels.db import database_sync_to_async

from billing.services import grant_end

from .sockets_helpers import assert_nothing_more, receive, receive_each, send_frame, stored

pytestmark = pytest.mark.django_db(transaction=True)

DETAIL = "This needs the premium plan; see GET /api/v1/billing/plans to upgrade."


def plan_required(client_id="c-1") -> dict:
    return {
        "type": "error",
        "code": "plan_required",
        "detail": DETAIL,
        "attr": None,
        "client_id": client_id,
    }


async def test_a_member_without_the_messaging_plan_gets_an_error_frame(sockets, ada, bob):
    # given: bob is on the free plan
    bob_socket, ada_socket = await sockets(bob), await sockets(ada)

    # when
    await bob_socket.send_json_to(send_frame(ada, "Hi Ada", "c-1"))

    # then: refused, nothing stored, and the socket stays open
    assert await receive(bob_socket) == plan_required("c-1")
    assert await stored() == []
    await assert_nothing_more(bob_socket)
    await assert_nothing_more(ada_socket)


async def test_the_plan_is_checked_before_the_frames_fields(sockets, ada, bob):
    # given
    socket = await sockets(bob)

    # when
    await socket.send_json_to(send_frame(ada, "   ", "c-2"))

    # then
    assert await receive(socket) == plan_required("c-2")


async def test_a_grant_applies_to_an_open_socket_and_so_does_its_end(sockets, ada, bob, grant_plan):
    # given: bob's socket is open on the free plan, which was looked up (and cached)
    bob_socket, ada_socket = await sockets(bob), await sockets(ada)
    await bob_socket.send_json_to(send_frame(ada, "Refused", "c-1"))
    assert await receive(bob_socket) == plan_required("c-1")

    # when: staff grant him premium, without his socket reconnecting
    grant = await database_sync_to_async(grant_plan)(bob)
    assert (await receive(bob_socket))["type"] == "billing.plan.updated"
    await bob_socket.send_json_to(send_frame(ada, "Allowed", "c-2"))

    # then
    assert (await receive(ada_socket))["message"]["content"] == "Allowed"
    answers = await receive_each(bob_socket, "message.ack", "message.delivered")
    assert answers["message.ack"]["client_id"] == "c-2"

    # when: the grant ends
    await database_sync_to_async(grant_end)(grant=grant)
    assert (await receive(bob_socket))["type"] == "billing.plan.updated"
    await bob_socket.send_json_to(send_frame(ada, "Refused again", "c-3"))

    # then
    assert await receive(bob_socket) == plan_required("c-3")
    assert [message.content for message in await stored()] == ["Allowed"]
    await assert_nothing_more(bob_socket)
    await assert_nothing_more(ada_socket)


async def test_a_refused_frame_spends_none_of_the_messaging_budget(
    sockets, ada, bob, grant_plan, settings
):
    # given: one message a minute, and a refused attempt
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "messaging": "1/min",
        },
    }
    socket = await sockets(bob)
    await socket.send_json_to(send_frame(ada, client_id="c-1"))
    assert (await receive(socket))["code"] == "plan_required"
    await database_sync_to_async(grant_plan)(bob)
    assert (await receive(socket))["type"] == "billing.plan.updated"

    # when
    await socket.send_json_to(send_frame(ada, client_id="c-2"))

    # then
    assert (await receive(socket))["type"] == "message.ack"
