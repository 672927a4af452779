"""Messaging and the plan over REST: sending needs ``community.messaging`` (premium);
receiving, reading and the lists are open on every plan."""

import pytest

from accounts.tests.helpers import client_for
from billing.services import grant_end
from community.models import Conversation, Message

from .factories import MessageFactory
from .messages_helpers import SEND, THREADS, UNREAD, history_url, read_url

pytestmark = pytest.mark.django_db

PLAN_REQUIRED = {
    "type": "client_error",
    "errors": [
        {
            "code": "plan_required",
            "detail": "This needs the premium plan; see GET /api/v1/billing/plans to upgrade.",
            "attr": None,
        }
    ],
}


def test_a_member_without_the_messaging_plan_cannot_send(member_api, other_member):
    # when
    response = member_api.post(SEND, {"recipient": str(other_member.pk), "content": "Hi"})

    # then
    assert response.status_code == 403
    assert response.json() == PLAN_REQUIRED
    assert Message.objects.count() == Conversation.objects.count() == 0


def test_the_plan_is_checked_before_the_body(member_api):
    # when
    response = member_api.post(SEND, {"recipient": "not-a-uuid"})

    # then
    assert response.status_code == 403
    assert response.json() == PLAN_REQUIRED


def test_a_grant_allows_sending_at_once_and_its_end_refuses_again(
    member, member_api, other_member, grant_plan
):
    # given: the free plan was looked up (and cached)
    body = {"recipient": str(other_member.pk), "content": "Hi"}
    assert member_api.post(SEND, body).status_code == 403

    # when
    grant = grant_plan(member)
    allowed = member_api.post(SEND, body)
    grant_end(grant=grant)
    refused = member_api.post(SEND, body)

    # then
    assert (allowed.status_code, refused.status_code) == (201, 403)
    assert refused.json() == PLAN_REQUIRED
    assert list(Message.objects.values_list("sender", "content")) == [(member.pk, "Hi")]


def test_a_member_whose_plan_ended_still_reads_what_they_were_sent(
    member, other_member, grant_plan
):
    # given: member wrote while premium, other_member answered, then the grant ended
    grant = grant_plan(member)
    assert (
        client_for(member).post(SEND, {"recipient": str(other_member.pk), "content": "Hi"})
    ).status_code == 201
    answer = MessageFactory(sender=other_member, recipient=member, content="Hello")
    grant_end(grant=grant)
    api = client_for(member)

    # when
    threads = api.get(THREADS)
    history = api.get(history_url(other_member.pk))
    unread = api.get(UNREAD)
    read = api.put(read_url(answer.pk))

    # then
    assert [r.status_code for r in (threads, history, unread, read)] == [200] * 4
    assert threads.json()["results"][0]["last_message"]["id"] == str(answer.pk)
    assert [m["content"] for m in history.json()["results"]] == ["Hello", "Hi"]
    assert unread.json()["total"] == 1
    assert read.json()["status"] == "read"
