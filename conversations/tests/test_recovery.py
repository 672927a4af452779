"""Replies whose task was lost, or whose worker died, are found by the beat sweep."""

import datetime as dt

import pytest
from django.utils import timezone

from conversations import replay
from conversations.models import Message
from conversations.tasks import recover_stale_replies, run_reply

from .factories import ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db


def age(message: Message, seconds: int) -> None:
    Message.objects.filter(pk=message.pk).update(
        updated_at=timezone.now() - dt.timedelta(seconds=seconds)
    )


def test_a_reply_whose_task_was_lost_is_started_again(
    adult, offline_ai, settings, django_capture_on_commit_callbacks
):
    # given: a turn whose reply task never reached a worker
    settings.CONVERSATIONS_STALE_QUEUED_SECONDS = 60
    conversation = ConversationFactory(user=adult)
    MessageFactory(conversation=conversation, content="Do you come here often?")
    reply = MessageFactory(conversation=conversation, role="partner", status="queued", content="")
    age(reply, 61)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        counts = recover_stale_replies()

    # then
    assert counts == {"restarted": 1, "interrupted": 0, "abandoned": 0}
    reply.refresh_from_db()
    assert reply.status == "complete"
    assert reply.content


def test_a_reply_whose_worker_died_ends_interrupted_with_the_text_it_had(adult, settings):
    # given: a reply streamed three frames, then its worker died
    settings.CONVERSATIONS_STALE_STREAMING_SECONDS = 600
    conversation = ConversationFactory(user=adult)
    MessageFactory(conversation=conversation)
    reply = MessageFactory(
        conversation=conversation, role="partner", status="streaming", content=""
    )
    for seq, delta in enumerate(["Oh, ", "hi ", "there"], start=1):
        replay.append(reply.pk, seq, delta)
    age(reply, 601)

    # when
    counts = recover_stale_replies()

    # then
    assert counts == {"restarted": 0, "interrupted": 1, "abandoned": 0}
    reply.refresh_from_db()
    assert (reply.status, reply.error_code) == ("error", "interrupted")
    assert (reply.content, reply.last_seq) == ("Oh, hi there", 3)


def test_a_redelivered_task_never_streams_a_reply_twice(adult, settings):
    # given: one run claimed the reply long ago and died
    conversation = ConversationFactory(user=adult)
    MessageFactory(conversation=conversation)
    reply = MessageFactory(
        conversation=conversation, role="partner", status="streaming", content=""
    )
    age(reply, settings.CONVERSATIONS_STALE_STREAMING_SECONDS + 1)

    # when: the broker delivers the task again
    result = run_reply(str(reply.pk))

    # then
    assert result is None
    reply.refresh_from_db()
    assert (reply.status, reply.error_code) == ("error", "interrupted")


def test_a_recent_claim_is_left_to_the_run_that_holds_it(adult):
    # given: a run is streaming the reply right now
    conversation = ConversationFactory(user=adult)
    MessageFactory(conversation=conversation)
    reply = MessageFactory(
        conversation=conversation, role="partner", status="streaming", content=""
    )

    # when: a duplicate delivery of its task arrives
    result = run_reply(str(reply.pk))

    # then
    assert result is None
    reply.refresh_from_db()
    assert reply.status == "streaming"


def test_a_practice_conversation_left_idle_is_abandoned(adult, settings):
    # given: one idle for a day and an hour, one active an hour ago, one coach thread
    settings.CONVERSATIONS_ABANDON_AFTER_HOURS = 24
    long_ago = timezone.now() - dt.timedelta(hours=25)
    idle = ConversationFactory(user=adult, last_message_at=long_ago)
    recent = ConversationFactory(user=adult, last_message_at=timezone.now() - dt.timedelta(hours=1))
    thread = ConversationFactory(
        user=adult, kind="coach", scenario=None, difficulty="", last_message_at=long_ago
    )

    # when
    counts = recover_stale_replies()

    # then
    assert counts["abandoned"] == 1
    statuses = {
        c.pk: c.status for c in type(idle).objects.filter(pk__in=[idle.pk, recent.pk, thread.pk])
    }
    assert statuses == {idle.pk: "abandoned", recent.pk: "active", thread.pk: "active"}
