"""Hostile socket frames (core.consumers with core.parsers): refused with an error frame
naming the field, like REST refuses the same body, and the socket lives on."""

import pytest
from channels.layers import get_channel_layer

from accounts.tests.factories import UserFactory
from core import realtime

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def socket(socket_of):
    return socket_of


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def other_user(db):
    return UserFactory()


async def assert_still_open(communicator):
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=1) == {"type": "pong"}


async def test_a_deeply_nested_frame_is_an_error_frame_and_the_socket_lives_on(socket, user):
    # given
    communicator = await socket(user)

    # when
    await communicator.send_to(text_data="[" * 1000 + "]" * 1000)

    # then
    assert await communicator.receive_json_from(timeout=1) == {
        "type": "error",
        "code": "nesting_too_deep",
        "detail": "JSON nested more than 32 levels deep is not accepted.",
        "attr": None,
    }
    await assert_still_open(communicator)


async def test_a_frame_nested_just_past_the_limit_names_no_field(socket, user):
    # given
    communicator = await socket(user)

    # when
    await communicator.send_to(text_data='{"type": "ping", "x": ' + "[" * 40 + "]" * 40 + "}")

    # then
    assert (await communicator.receive_json_from(timeout=1))["code"] == "nesting_too_deep"
    await assert_still_open(communicator)


@pytest.mark.parametrize(
    ("content", "code", "detail"),
    [
        ("a\\u0000b", "null_characters_not_allowed", "Null characters are not allowed."),
        (
            "a\\ud800b",
            "surrogate_characters_not_allowed",
            "Surrogate characters are not allowed: U+D800.",
        ),
    ],
)
async def test_nul_or_a_lone_surrogate_in_a_message_is_an_error_frame_naming_content(
    socket, user, other_user, content, code, detail
):
    # given
    communicator = await socket(user)
    # The escape is written out: json.dumps would not make a lone surrogate's.
    frame = (
        f'{{"type": "message.send", "recipient": "{other_user.pk}", '
        f'"content": "{content}", "client_id": "c-1"}}'
    )

    # when
    await communicator.send_to(text_data=frame)

    # then
    assert await communicator.receive_json_from(timeout=1) == {
        "type": "error",
        "code": code,
        "detail": detail,
        "attr": "content",
        "client_id": "c-1",
    }
    await assert_still_open(communicator)


async def test_the_socket_leaves_its_group_after_a_hostile_frame(socket, user):
    # given
    communicator = await socket(user)
    await communicator.send_to(text_data="[" * 1000 + "]" * 1000)
    await communicator.receive_json_from(timeout=1)

    # when
    await communicator.disconnect()

    # then
    layer = get_channel_layer()
    assert layer.groups.get(realtime.group_for(user.pk), {}) == {}
