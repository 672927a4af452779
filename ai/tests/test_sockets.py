"""The user's sockets hear of AI work: ai.generation.updated when a generation ends, and
ai.token frames while a reply streams."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction

from ai import services
from ai.ai_features import ASSISTANT, TEXT_SUMMARY
from ai.models import Generation
from config.asgi import application
from core import realtime

from .fake_openai import streamed

pytestmark = pytest.mark.django_db(transaction=True)

MESSAGES = [{"role": "user", "content": "How do I open a negotiation?"}]


async def open_socket(user) -> WebsocketCommunicator:
    ticket, _ = await database_sync_to_async(realtime.issue_ws_ticket)(user)
    communicator = WebsocketCommunicator(application, f"/ws/?ticket={ticket}")
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def frames_until_updated(socket) -> list[dict]:
    frames = []
    while not frames or frames[-1]["type"] != "ai.generation.updated":
        frames.append(await socket.receive_json_from(timeout=3))
    return frames


def updated_frame(generation_id) -> dict:
    generation = Generation.objects.get(pk=generation_id)
    return {
        "type": "ai.generation.updated",
        "generation": {
            "id": str(generation.pk),
            "feature": generation.feature,
            "status": generation.status,
            "error": generation.error,
            "finished_at": generation.finished_at.isoformat(),
        },
    }


async def test_the_socket_hears_when_a_generation_finishes(member, other_member):
    # given
    socket = await open_socket(member)
    bystander = await open_socket(other_member)

    # when: committed, then run by eager Celery after the commit
    generation = await database_sync_to_async(services.generate)(
        user=member, feature=TEXT_SUMMARY.name, inputs={"text": "Tea is grown on hills."}
    )

    # then
    frame = await socket.receive_json_from(timeout=3)
    assert frame == await database_sync_to_async(updated_frame)(generation.pk)
    assert frame["generation"]["status"] == "succeeded"
    assert await bystander.receive_nothing(timeout=0.1)
    await socket.disconnect()
    await bystander.disconnect()


async def test_a_streamed_reply_reaches_the_socket_token_by_token(member, fake_openai):
    # given
    socket = await open_socket(member)
    fake_openai.script(streamed(["Start ", "with ", "a ", "question."], chunk_delay=0.01))

    # when
    generation = await database_sync_to_async(services.stream_to_user)(
        user=member, feature=ASSISTANT.name, messages=MESSAGES, flush_interval=0
    )

    # then
    frames = await frames_until_updated(socket)
    token = {"type": "ai.token", "generation": str(generation.pk)}
    assert frames == [
        {**token, "delta": "Start "},
        {**token, "delta": "with "},
        {**token, "delta": "a "},
        {**token, "delta": "question."},
        await database_sync_to_async(updated_frame)(generation.pk),
    ]
    assert generation.output == {"text": "Start with a question."}
    await socket.disconnect()


async def test_pieces_held_back_are_sent_before_the_update(member):
    # given: the offline reply arrives at once, within one flush interval
    socket = await open_socket(member)

    # when
    generation = await services.astream_to_user(
        user=member, feature=ASSISTANT.name, messages=MESSAGES, flush_interval=60
    )

    # then
    frames = await frames_until_updated(socket)
    assert frames == [
        {"type": "ai.token", "generation": str(generation.pk), "delta": generation.output["text"]},
        await database_sync_to_async(updated_frame)(generation.pk),
    ]
    assert generation.output["text"].endswith("You said: How do I open a negotiation?")
    await socket.disconnect()


def test_streaming_to_sockets_refuses_to_run_inside_a_transaction(member):
    with pytest.raises(RuntimeError, match="outside a transaction"), transaction.atomic():
        services.stream_to_user(user=member, feature=ASSISTANT.name, messages=MESSAGES)
    assert Generation.objects.count() == 0
