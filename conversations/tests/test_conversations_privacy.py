"""Export, erasure and retention of conversations, their messages and generations."""

import datetime as dt

import pytest
from django.utils import timezone

from ai.models import Generation
from conversations.models import Conversation, Message, SafetyEvent
from core import privacy as core_privacy

from .api_helpers import active_conversation, send, start
from .factories import ScenarioFactory

pytestmark = pytest.mark.django_db


def test_an_export_holds_the_members_conversations_and_messages(
    adult, member_api, other_member, offline_ai, django_capture_on_commit_callbacks
):
    # given
    started = start(member_api, django_capture_on_commit_callbacks, ScenarioFactory())
    conversation = Conversation.objects.get(pk=started.json()["id"])
    send(member_api, django_capture_on_commit_callbacks, conversation, "Hello, is it free?", "c1")
    theirs = active_conversation(other_member)

    # when
    data = core_privacy.export_user(adult)["data"]

    # then
    conversations = data["conversations.conversation"]
    assert [row["id"] for row in conversations] == [str(conversation.pk)]
    assert conversations[0]["character"] == conversation.character
    assert conversations[0]["kind"] == "practice"
    messages = data["conversations.message"]
    assert len(messages) == 3
    assert {row["conversation_id"] for row in messages} == {str(conversation.pk)}
    assert {"content": "Hello, is it free?", "client_id": "c1", "role": "member"}.items() <= next(
        row for row in messages if row["role"] == "member"
    ).items()
    assert str(theirs.pk) not in str(data)


def test_erasure_removes_the_members_conversations(
    adult, member_api, other_member, offline_ai, django_capture_on_commit_callbacks
):
    # given
    started = start(member_api, django_capture_on_commit_callbacks, ScenarioFactory())
    conversation = Conversation.objects.get(pk=started.json()["id"])
    send(member_api, django_capture_on_commit_callbacks, conversation, "I will kill you")
    send(member_api, django_capture_on_commit_callbacks, conversation, "Hello!")
    theirs = active_conversation(other_member)

    # when
    core_privacy.erase_user(adult)

    # then
    assert list(Conversation.objects.all()) == [theirs]
    assert list(Message.objects.values_list("conversation_id", flat=True)) == [theirs.pk]
    assert not SafetyEvent.objects.exists()
    assert not Generation.objects.exists()


def test_retention_purges_old_transcripts_and_clears_their_generations(
    adult, member_api, settings, offline_ai, django_capture_on_commit_callbacks
):
    # given: an old conversation (last message past retention) and a recent one
    settings.CONVERSATIONS_TRANSCRIPT_RETENTION_DAYS = 30
    old = active_conversation(adult)
    send(member_api, django_capture_on_commit_callbacks, old, "An old hello")
    Conversation.objects.filter(pk=old.pk).update(
        last_message_at=timezone.now() - dt.timedelta(days=31)
    )
    old_generation = old.messages.exclude(generation=None).get().generation
    recent = active_conversation(adult)
    send(member_api, django_capture_on_commit_callbacks, recent, "A new hello")
    recent_generation = recent.messages.exclude(generation=None).get().generation

    # when
    counts = core_privacy.purge_expired()

    # then
    assert counts["conversations.message"] == 3
    assert not old.messages.exists()
    assert Conversation.objects.filter(pk=old.pk).exists()
    assert recent.messages.count() == 3
    old_generation.refresh_from_db()
    assert (old_generation.input, old_generation.output) == (None, None)
    assert old_generation.content_cleared_at is not None
    recent_generation.refresh_from_db()
    assert recent_generation.content_cleared_at is None
    assert recent_generation.input is not None


def test_retention_spares_a_reply_in_flight(adult, settings):
    # given
    settings.CONVERSATIONS_TRANSCRIPT_RETENTION_DAYS = 30
    old = active_conversation(adult, last_message_at=timezone.now() - dt.timedelta(days=31))
    queued = Message.objects.create(conversation=old, role="partner", status="queued")

    # when
    core_privacy.purge_expired()

    # then
    assert list(old.messages.all()) == [queued]


def test_retention_clears_a_coach_threads_title_generation_too(
    member, member_api, settings, offline_ai, django_capture_on_commit_callbacks
):
    # given: a coach thread past retention, titled from its first question and answer
    from .api_helpers import ask

    settings.CONVERSATIONS_TRANSCRIPT_RETENTION_DAYS = 30
    asked = ask(member_api, django_capture_on_commit_callbacks, "How do I stay focused?")
    thread_id = asked.json()["thread"]["id"]
    Conversation.objects.filter(pk=thread_id).update(
        last_message_at=timezone.now() - dt.timedelta(days=31)
    )
    assert Generation.objects.count() == 2  # the answer and the title

    # when
    core_privacy.purge_expired()

    # then: no generation keeps the question or the answer
    assert not Message.objects.filter(conversation_id=thread_id).exists()
    for generation in Generation.objects.all():
        assert (generation.input, generation.output) == (None, None), generation.feature
