"""Live refresh of open availability views (docs/API.md, the marketplace frames): a socket
that sent ``availability.watch {coach}`` hears ``availability.changed {coach}`` after each
committed change of that coach's calendar, until ``availability.unwatch`` or it closes."""

import datetime as dt

import pytest
import time_machine
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from accounts.tests.factories import UserFactory
from config.asgi import application
from core import realtime
from marketplace.services.sessions import enrolment_create, session_cancel, session_create
from marketplace.services.watch import availability_changed, watch_group

from .factories import CoachFactory, CourseFactory, WeeklyRuleFactory

pytestmark = pytest.mark.django_db(transaction=True)

NOW = dt.datetime(2027, 1, 1, 12, 0, tzinfo=dt.UTC)  # a Friday
MONDAY = dt.datetime(2027, 1, 4, 14, 0, tzinfo=dt.UTC)  # 09:00 in New York


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


async def open_socket(user=None) -> WebsocketCommunicator:
    user = user or await database_sync_to_async(UserFactory)()
    ticket, _ = await database_sync_to_async(realtime.issue_ws_ticket)(user)
    communicator = WebsocketCommunicator(application, f"/ws/?ticket={ticket}")
    assert await communicator.connect() == (True, None)
    return communicator


async def receive(socket) -> dict:
    return await socket.receive_json_from(timeout=1)


async def assert_nothing_more(socket) -> None:
    """Nothing is waiting on the socket but the answer to a ping."""
    await socket.send_json_to({"type": "ping"})
    assert await receive(socket) == {"type": "pong"}


def a_coach():
    coach = CoachFactory()
    WeeklyRuleFactory(coach=coach, weekday=0)
    return coach


async def watch(socket, coach) -> None:
    await socket.send_json_to({"type": "availability.watch", "coach": str(coach.pk)})
    assert await receive(socket) == {"type": "availability.watch.ack", "coach": str(coach.pk)}


def changed(coach) -> dict:
    return {"type": "availability.changed", "coach": str(coach.pk)}


async def test_a_watcher_hears_of_a_change_and_others_do_not():
    # given
    coach = await database_sync_to_async(a_coach)()
    other_coach = await database_sync_to_async(a_coach)()
    watcher, bystander, elsewhere = await open_socket(), await open_socket(), await open_socket()
    await watch(watcher, coach)
    await watch(elsewhere, other_coach)

    # when
    await database_sync_to_async(availability_changed)(coach.pk)

    # then
    assert await receive(watcher) == changed(coach)
    for socket in (watcher, bystander, elsewhere):
        await assert_nothing_more(socket)
        await socket.disconnect()


async def test_watching_twice_hears_once_and_unwatching_stops_it():
    # given
    coach = await database_sync_to_async(a_coach)()
    socket = await open_socket()
    await watch(socket, coach)
    await watch(socket, coach)

    # when
    await database_sync_to_async(availability_changed)(coach.pk)
    heard = await receive(socket)
    await socket.send_json_to({"type": "availability.unwatch", "coach": str(coach.pk)})
    unwatched = await receive(socket)
    await database_sync_to_async(availability_changed)(coach.pk)

    # then
    assert heard == changed(coach)
    assert unwatched == {"type": "availability.unwatch.ack", "coach": str(coach.pk)}
    await assert_nothing_more(socket)
    await socket.disconnect()


async def test_session_and_seat_writes_tell_the_watchers():
    # given
    coach = await database_sync_to_async(a_coach)()
    course = await database_sync_to_async(CourseFactory)(coach=coach, kind="group", capacity=2)
    member = await database_sync_to_async(UserFactory)()
    socket = await open_socket()
    await watch(socket, coach)

    # when / then: scheduled, a seat taken, the session cancelled
    session = await database_sync_to_async(session_create)(coach=coach, course=course, start=MONDAY)
    assert await receive(socket) == changed(coach)
    await database_sync_to_async(enrolment_create)(user=member, session=session)
    assert await receive(socket) == changed(coach)
    await database_sync_to_async(session_cancel)(coach=coach, session=session)
    assert await receive(socket) == changed(coach)
    await assert_nothing_more(socket)
    await socket.disconnect()


@pytest.mark.parametrize("value", ["not-a-uuid", "00000000-0000-0000-0000-000000000000", 7])
async def test_an_unknown_coach_cannot_be_watched(value):
    # given
    socket = await open_socket()

    # when
    await socket.send_json_to({"type": "availability.watch", "coach": value, "client_id": "w1"})

    # then: refused, and the socket stays open
    frame = await receive(socket)
    assert (frame["type"], frame["code"], frame["attr"], frame["client_id"]) == (
        "error",
        "not_found",
        "coach",
        "w1",
    )
    await assert_nothing_more(socket)
    await socket.disconnect()


async def test_an_unpublished_coach_cannot_be_watched():
    # given
    coach = await database_sync_to_async(CoachFactory)(published=False)
    socket = await open_socket()

    # when
    await socket.send_json_to({"type": "availability.watch", "coach": str(coach.pk)})

    # then
    frame = await receive(socket)
    assert (frame["type"], frame["code"], frame["attr"]) == ("error", "not_found", "coach")
    await socket.disconnect()


async def test_a_watch_frame_needs_a_coach():
    # given
    socket = await open_socket()

    # when
    await socket.send_json_to({"type": "availability.watch"})

    # then
    frame = await receive(socket)
    assert (frame["type"], frame["code"]) == ("error", "invalid_frame")
    await socket.disconnect()


async def test_a_socket_watches_a_bounded_number_of_coaches(settings):
    # given
    settings.WS_MAX_NAMED_GROUPS = 1
    first = await database_sync_to_async(a_coach)()
    second = await database_sync_to_async(a_coach)()
    socket = await open_socket()
    await watch(socket, first)

    # when
    await socket.send_json_to({"type": "availability.watch", "coach": str(second.pk)})

    # then
    frame = await receive(socket)
    assert (frame["type"], frame["code"]) == ("error", "too_many_groups")
    await database_sync_to_async(availability_changed)(second.pk)
    await assert_nothing_more(socket)
    await socket.disconnect()


async def test_a_closed_socket_leaves_the_coachs_group():
    # given
    coach = await database_sync_to_async(a_coach)()
    socket = await open_socket()
    await watch(socket, coach)
    layer = get_channel_layer()
    assert len(layer.groups.get(watch_group(coach.pk), {})) == 1

    # when
    await socket.disconnect()

    # then
    assert layer.groups.get(watch_group(coach.pk), {}) == {}
