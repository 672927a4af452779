"""The socket at /ws/: authentication, origin check and routing."""

import pytest
from channels.db import database_sync_to_async
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import User
from core import realtime

from .websocket_helpers import assert_refused_unauthorized

pytestmark = pytest.mark.django_db(transaction=True)


async def test_ticket_opens_the_socket_and_ping_answers_pong(connect, user):
    # given
    communicator = await connect(user)
    # when
    await communicator.send_json_to({"type": "ping", "ts": 1712345678901})
    # then
    assert await communicator.receive_json_from(timeout=1) == {"type": "pong", "ts": 1712345678901}
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=1) == {"type": "pong"}


async def test_a_ticket_works_only_once(sockets, user):
    # given
    ticket, _ = await database_sync_to_async(realtime.issue_ws_ticket)(user)
    first = sockets(f"/ws/?ticket={ticket}")
    assert await first.connect() == (True, None)
    # when / then
    await assert_refused_unauthorized(sockets(f"/ws/?ticket={ticket}"))
    await first.send_json_to({"type": "ping"})
    assert await first.receive_json_from(timeout=1) == {"type": "pong"}


async def test_an_expired_ticket_is_refused(sockets, user, settings):
    # given: a TTL of 0 seconds makes the cache drop the ticket at once
    settings.WS_TICKET_TTL = 0
    ticket, ttl = await database_sync_to_async(realtime.issue_ws_ticket)(user)
    assert ttl == 0
    # when / then
    await assert_refused_unauthorized(sockets(f"/ws/?ticket={ticket}"))


async def test_an_unknown_ticket_is_refused(sockets):
    await assert_refused_unauthorized(sockets("/ws/?ticket=not-a-ticket"))


async def test_a_ticket_of_a_user_deactivated_since_is_refused(sockets, user):
    # given
    ticket, _ = await database_sync_to_async(realtime.issue_ws_ticket)(user)
    await User.objects.filter(pk=user.pk).aupdate(is_active=False)
    # when / then
    await assert_refused_unauthorized(sockets(f"/ws/?ticket={ticket}"))


async def test_bearer_subprotocol_opens_the_socket_and_never_echoes_the_token(sockets, user):
    # given
    token = str(AccessToken.for_user(user))
    communicator = sockets("/ws/", subprotocols=["bearer", token])
    # when
    connected, subprotocol = await communicator.connect()
    # then
    assert (connected, subprotocol) == (True, "bearer")
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=1) == {"type": "pong"}


async def test_a_bad_jwt_is_refused(sockets):
    communicator = sockets("/ws/", subprotocols=["bearer", "not.a.jwt"])
    await assert_refused_unauthorized(communicator, subprotocol="bearer")


async def test_bearer_without_a_token_is_refused(sockets):
    await assert_refused_unauthorized(sockets("/ws/", subprotocols=["bearer"]), "bearer")


async def test_a_jwt_of_an_inactive_user_is_refused(sockets, user):
    # given
    token = str(AccessToken.for_user(user))
    await User.objects.filter(pk=user.pk).aupdate(is_active=False)
    # when / then
    communicator = sockets("/ws/", subprotocols=["bearer", token])
    await assert_refused_unauthorized(communicator, subprotocol="bearer")


async def test_a_jwt_issued_before_a_password_change_is_refused(sockets, user):
    # given
    token = str(AccessToken.for_user(user))

    def change_password():
        user.set_password("another-long-password")
        user.save()

    await database_sync_to_async(change_password)()
    # when / then
    communicator = sockets("/ws/", subprotocols=["bearer", token])
    await assert_refused_unauthorized(communicator, subprotocol="bearer")


async def test_no_credentials_are_refused(sockets):
    await assert_refused_unauthorized(sockets("/ws/"))


async def test_a_jwt_in_the_url_is_ignored(sockets, user):
    token = str(AccessToken.for_user(user))
    await assert_refused_unauthorized(sockets(f"/ws/?token={token}"))


async def test_a_refused_socket_ignores_frames(sockets):
    # given
    communicator = sockets("/ws/")
    await assert_refused_unauthorized(communicator)
    # when
    await communicator.send_json_to({"type": "ping"})
    # then
    assert await communicator.receive_nothing(timeout=0.1)


# --- origin and routing ------------------------------------------------------------------


@pytest.mark.parametrize(
    "origin",
    ["https://evil.example", "https://localhost.evil.example", "null", "http://[broken"],
)
async def test_a_foreign_or_malformed_origin_is_refused_before_authentication(
    sockets, user, origin
):
    # given
    ticket, _ = await database_sync_to_async(realtime.issue_ws_ticket)(user)
    refused = sockets(f"/ws/?ticket={ticket}", headers=[(b"origin", origin.encode())])
    # when / then: refused at the handshake, and the ticket was not spent
    assert await refused.connect() == (False, 1000)
    assert await sockets(f"/ws/?ticket={ticket}").connect() == (True, None)


async def test_own_hosts_and_cors_origins_are_accepted(sockets, user, settings):
    # given
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
    for origin, accepted in [
        (b"http://localhost:8000", True),
        (b"https://app.example.com", True),
        (b"http://app.example.com", False),
        (b"https://app.example.com:99999999", False),
    ]:
        ticket, _ = await database_sync_to_async(realtime.issue_ws_ticket)(user)
        communicator = sockets(f"/ws/?ticket={ticket}", headers=[(b"origin", origin)])
        # when
        connected, _ = await communicator.connect()
        # then
        assert connected is accepted, origin


async def test_an_unknown_path_is_refused_cleanly(sockets):
    assert await sockets("/ws/other/").connect() == (False, 1000)
    assert await sockets("/elsewhere").connect() == (False, 1000)
