"""Races that only a real database can show: the unique constraints, not checks made first,
decide them (docs/ARCHITECTURE.md, Transactions)."""

import pytest

from accounts.tests.factories import UserFactory
from community.models import Conversation, Message
from community.services.messages import message_send
from core.tests.concurrency import at_once
from notifications.models import ScheduledNotification

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_concurrent_sends_with_the_same_client_id_store_one_message():
    # given
    ada, bob = UserFactory(), UserFactory()

    def send():
        return message_send(sender=ada, recipient_id=bob.pk, content="Once", client_id="same")

    # when
    results = at_once([send, send, send])

    # then
    assert all(isinstance(result, tuple) for result in results), results
    assert sorted(created for _, created in results) == [False, False, True]
    assert len({message.pk for message, _ in results}) == 1
    assert Message.objects.count() == 1
    assert Conversation.objects.count() == 1
    assert ScheduledNotification.objects.count() == 1


def test_two_members_writing_first_at_once_share_one_conversation():
    # given
    ada, bob = UserFactory(), UserFactory()

    # when
    results = at_once(
        [
            lambda: message_send(sender=ada, recipient_id=bob.pk, content="Hi Bob"),
            lambda: message_send(sender=bob, recipient_id=ada.pk, content="Hi Ada"),
        ]
    )

    # then
    assert all(isinstance(result, tuple) for result in results), results
    conversation = Conversation.objects.get()
    assert Message.objects.filter(conversation=conversation).count() == 2
    assert conversation.last_message_id in {message.pk for message, _ in results}
