"""core.realtime: tickets, the frame registry, and fan-out that waits for the commit."""

import ast
import os
import uuid
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers, get_channel_layer
from django.core.cache import cache
from django.db import transaction

from accounts.models import User
from core import realtime


def _unsaved_user() -> User:
    # Tickets only need the primary key, which the model assigns on instantiation.
    return User(email="ada@example.com")


@pytest.fixture
def listener():
    """A channel of the in-memory layer that joined a user's group, and a way to read it."""
    layer = get_channel_layer()
    user_id = uuid.uuid4()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(realtime.group_for(user_id), channel)

    def pending() -> list[dict]:
        queue = layer.channels.get(channel)
        messages = []
        while queue is not None and not queue.empty():
            _expires, message = queue.get_nowait()
            messages.append(message)
        return messages

    yield user_id, pending
    async_to_sync(layer.group_discard)(realtime.group_for(user_id), channel)


# --- tickets -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_ticket_redeems_to_its_user_once(settings):
    # given
    user = User.objects.create_user(email="ada@example.com", password="first passphrase")
    # when
    ticket, ttl = realtime.issue_ws_ticket(user)
    # then
    assert ttl == settings.WS_TICKET_TTL == 60
    assert len(ticket) >= 43
    assert realtime.redeem_ws_ticket(ticket) == user
    assert realtime.redeem_ws_ticket(ticket) is None


@pytest.mark.django_db
@pytest.mark.parametrize("change", ["password", "deactivate"])
def test_a_ticket_fails_once_the_password_changed_or_the_user_left(change):
    # given
    user = User.objects.create_user(email="ada@example.com", password="first passphrase")
    ticket, _ = realtime.issue_ws_ticket(user)
    # when
    if change == "password":
        user.set_password("second passphrase")
    else:
        user.is_active = False
    user.save()
    # then
    assert realtime.redeem_ws_ticket(ticket) is None


def test_every_ticket_is_different():
    user = _unsaved_user()
    assert realtime.issue_ws_ticket(user)[0] != realtime.issue_ws_ticket(user)[0]


def test_a_ticket_expires_with_its_cache_entry():
    # given
    ticket, _ = realtime.issue_ws_ticket(_unsaved_user())
    # when
    cache.delete(f"{realtime.TICKET_PREFIX}{ticket}")
    # then
    assert realtime.redeem_ws_ticket(ticket) is None


@pytest.mark.parametrize("ticket", ["", "unknown", "x" * 129])
def test_unknown_empty_or_oversized_tickets_redeem_to_nothing(ticket):
    assert realtime.redeem_ws_ticket(ticket) is None


# --- frame registry ------------------------------------------------------------------------


def test_ping_is_registered_by_core_events():
    ping = realtime.handler_for("ping")
    assert ping is not None
    assert ping.required == ()
    assert "ping" in realtime.registered_frame_types()


def test_a_frame_type_cannot_be_registered_twice():
    with pytest.raises(ValueError, match="already registered"):
        realtime.frame_handler("ping")(lambda consumer, frame: None)


def test_unknown_frame_types_have_no_handler():
    assert realtime.handler_for("no.such.type") is None


def test_group_names_are_per_user():
    user_id = uuid.UUID("3f0c6a2e-8b7d-4d7e-9a55-2f1d0c9b8a77")
    assert realtime.group_for(user_id) == "user.3f0c6a2e-8b7d-4d7e-9a55-2f1d0c9b8a77"


# --- fan-out after commit ------------------------------------------------------------------


@pytest.mark.django_db
def test_send_to_user_waits_for_the_commit(listener, django_capture_on_commit_callbacks):
    # given
    user_id, pending = listener
    frame = {"type": "notification.new", "id": "n-1"}
    # when
    with django_capture_on_commit_callbacks() as callbacks:
        realtime.send_to_user(user_id, frame)
        # then: nothing is sent while the transaction is open
        assert pending() == []
    for callback in callbacks:
        callback()
    assert pending() == [{"type": "user.frame", "frame": frame}]


@pytest.mark.django_db(transaction=True)
def test_send_to_user_sends_nothing_when_the_transaction_rolls_back(listener):
    # given
    user_id, pending = listener

    # when
    with pytest.raises(RuntimeError), transaction.atomic():
        realtime.send_to_user(user_id, {"type": "notification.new"})
        raise RuntimeError("the write failed")
    # then
    assert pending() == []


@pytest.mark.django_db
def test_asend_now_sends_at_once_without_waiting_for_a_commit(
    listener, django_capture_on_commit_callbacks
):
    # given
    user_id, pending = listener
    frame = {"type": "typing", "from": "u-1", "expires_in": 6}
    # when: inside a transaction that never commits here
    with django_capture_on_commit_callbacks() as callbacks:
        async_to_sync(realtime.asend_now)(user_id, frame)
        # then
        assert pending() == [{"type": "user.frame", "frame": frame}]
    assert callbacks == []


@pytest.mark.django_db
def test_close_user_sockets_sends_the_revoked_code_after_commit(
    listener, django_capture_on_commit_callbacks
):
    # given
    user_id, pending = listener
    # when
    with django_capture_on_commit_callbacks(execute=True):
        realtime.close_user_sockets(user_id)
    # then
    assert pending() == [{"type": "user.close", "code": realtime.CLOSE_REVOKED}]


@pytest.mark.redis
def test_sync_pushes_through_redis_reuse_one_loop_and_follow_the_settings(settings):
    # given
    config = {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [os.environ.get("REDIS_URL", "")], "prefix": "realtime-test"},
    }
    settings.CHANNEL_LAYERS = {"default": config}
    channel_layers.backends = {}
    sender = realtime._Sender()

    # when
    sender.group_send("user.nobody", {"type": "user.frame", "frame": {"type": "ping"}})
    loop, layer = sender._loop, sender._layer
    sender.group_send("user.nobody", {"type": "user.frame", "frame": {"type": "ping"}})
    settings.CHANNEL_LAYERS = {"default": {**config, "CONFIG": {**config["CONFIG"], "prefix": "x"}}}
    sender.group_send("user.nobody", {"type": "user.frame", "frame": {"type": "ping"}})

    # then
    assert sender._loop is loop
    assert sender._layer is not layer
    assert sender._layer.prefix == "x"
    channel_layers.backends = {}


# --- where frames are built ---------------------------------------------------------------

_APPS = (
    "core",
    "accounts",
    "analytics",
    "ai",
    "notifications",
    "billing",
    "community",
    "coaching",
    "conversations",
    "marketplace",
)
_PUSHES = {"send_to_user", "asend_now", "send_frame"}


def _frames_built_in_place() -> list[str]:
    """Pushes given a dict written at the call, and group messages built by hand
    (``"user.frame"``), in the apps' code outside their ``frames.py`` and core/realtime.py."""
    root = Path(__file__).resolve().parents[2]
    found = []
    for app in _APPS:
        for path in sorted((root / app).rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            if "/tests/" in relative or "/migrations/" in relative:
                continue
            if path.name == "frames.py" or relative == "core/realtime.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call):
                    name = getattr(node.func, "attr", getattr(node.func, "id", None))
                    if name in _PUSHES and any(isinstance(arg, ast.Dict) for arg in node.args):
                        found.append(f"{relative}:{node.lineno}")
                if isinstance(node, ast.Dict) and any(
                    isinstance(value, ast.Constant) and value.value == "user.frame"
                    for value in node.values
                ):
                    found.append(f"{relative}:{node.lineno}")
    return found


def test_server_frames_are_built_in_frames_modules_only():
    # then
    assert _frames_built_in_place() == []
