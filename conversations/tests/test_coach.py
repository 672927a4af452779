"""The AI coach over REST: asking, threads and their titles, renames, lists, deletion."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.helpers import client_for
from ai.models import Generation
from ai.tests.fake_openai import streamed
from conversations.models import Conversation, Message
from conversations.services.coach import thread_create, title_finished

from .api_helpers import API, active_conversation, ask, error_of

pytestmark = pytest.mark.django_db

COACH = f"{API}/coach"


def test_asking_without_a_thread_starts_one_and_titles_it_after_the_answer(
    member, member_api, offline_ai, django_capture_on_commit_callbacks
):
    # when
    response = ask(
        member_api, django_capture_on_commit_callbacks, "How do I negotiate a raise at work?"
    )

    # then
    assert response.status_code == 202, response.json()
    body = response.json()
    thread = Conversation.objects.get(pk=body["thread"]["id"])
    assert (thread.kind, thread.status, thread.user) == ("coach", "active", member)
    assert body["thread"] == {"id": str(thread.pk), "title": ""}
    assert body["status"] == "queued"
    assert body["duplicate"] is False
    assert body["status_url"].endswith(f"{COACH}/threads/{thread.pk}/messages/{body['id']}")
    assert body["message"]["content"] == "How do I negotiate a raise at work?"
    answer = Message.objects.get(pk=body["id"])
    assert (answer.status, bool(answer.content)) == ("complete", True)
    thread.refresh_from_db()
    title = Generation.objects.get(feature="conversations.coach_title")
    assert title.input["question"] == "How do I negotiate a raise at work?"
    assert thread.title == title.output["title"]
    assert thread.title.startswith("How do I negotiate a raise")
    assert thread.title_source == "auto"


def test_the_coach_streams_from_the_provider(
    member, member_api, fake_openai, django_capture_on_commit_callbacks
):
    # given: the answer, then the title
    from ai.tests.fake_openai import completion

    fake_openai.script(
        streamed(["Start with ", "your wins."]), completion('{"title": "Asking for a raise"}')
    )

    # when
    response = ask(member_api, django_capture_on_commit_callbacks, "How do I ask for a raise?")

    # then
    answer = member_api.get(response.json()["status_url"]).json()
    assert (answer["status"], answer["content"]) == ("complete", "Start with your wins.")
    assert answer["usage"] == {"tokens_in": 12, "tokens_out": 7, "estimated": False}
    thread = member_api.get(f"{COACH}/threads/{response.json()['thread']['id']}").json()
    assert thread["title"] == "Asking for a raise"


def test_a_member_rename_is_never_replaced(
    member, member_api, offline_ai, django_capture_on_commit_callbacks
):
    # given: a titled thread
    first = ask(member_api, django_capture_on_commit_callbacks, "How do I plan my week?")
    thread_id = first.json()["thread"]["id"]
    title_generation = Generation.objects.get(feature="conversations.coach_title")

    # when
    renamed = member_api.patch(f"{COACH}/threads/{thread_id}", {"title": "Weekly plan"})
    put = member_api.put(f"{COACH}/threads/{thread_id}", {"title": "My week"})
    title_finished(generation=title_generation)  # a late title arrives
    later = ask(member_api, django_capture_on_commit_callbacks, "And my month?", thread=thread_id)

    # then
    assert renamed.status_code == 200
    assert renamed.json()["title"] == "Weekly plan"
    assert renamed.json()["title_source"] == "member"
    assert put.status_code == 200
    assert later.status_code == 202
    assert later.json()["thread"] == {"id": thread_id, "title": "My week"}
    thread = Conversation.objects.get(pk=thread_id)
    assert (thread.title, thread.title_source) == ("My week", "member")
    assert Generation.objects.filter(feature="conversations.coach_title").count() == 1


def test_a_rename_needs_a_title(member, member_api, offline_ai):
    thread = thread_create(user=member)

    response = member_api.patch(f"{COACH}/threads/{thread.pk}", {"title": ""})

    assert response.status_code == 400
    assert error_of(response)["attr"] == "title"


def test_asking_in_an_existing_thread(
    member, member_api, offline_ai, django_capture_on_commit_callbacks
):
    # given
    first = ask(member_api, django_capture_on_commit_callbacks, "What is a SMART goal?")
    thread_id = first.json()["thread"]["id"]

    # when
    second = ask(
        member_api, django_capture_on_commit_callbacks, "Give me an example.", thread=thread_id
    )

    # then
    assert second.status_code == 202
    assert second.json()["thread"]["id"] == thread_id
    assert Conversation.objects.count() == 1
    assert Message.objects.filter(conversation_id=thread_id).count() == 4
    assert Message.objects.get(pk=second.json()["id"]).status == "complete"
    assert Generation.objects.filter(feature="conversations.coach_title").count() == 1


def test_a_resent_client_id_finds_its_thread(
    member, member_api, offline_ai, django_capture_on_commit_callbacks
):
    # given
    first = ask(member_api, django_capture_on_commit_callbacks, "Hello coach", client_id="q-1")

    # when
    again = ask(member_api, django_capture_on_commit_callbacks, "Hello coach", client_id="q-1")

    # then
    assert again.json()["duplicate"] is True
    assert again.json()["thread"]["id"] == first.json()["thread"]["id"]
    assert Conversation.objects.count() == 1
    assert Message.objects.count() == 2


def test_a_refused_question_leaves_no_empty_thread(member, member_api, offline_ai):
    response = member_api.post(f"{COACH}/ask", {"content": "I will kill you"})

    assert response.status_code == 400
    assert error_of(response)["code"] == "moderation_blocked"
    assert not Conversation.objects.exists()


def test_another_members_thread_is_a_404(member, other_member, offline_ai):
    # given
    thread = thread_create(user=member)
    message = Message.objects.create(
        conversation=thread, role="member", content="Mine", status="complete"
    )
    theirs = client_for(other_member)
    base = f"{COACH}/threads/{thread.pk}"

    # when
    responses = [
        theirs.post(f"{COACH}/ask", {"content": "Hi", "thread": str(thread.pk)}),
        theirs.get(base),
        theirs.patch(base, {"title": "Stolen"}),
        theirs.put(base, {"title": "Stolen"}),
        theirs.delete(base),
        theirs.get(f"{base}/messages"),
        theirs.get(f"{base}/messages/{message.pk}"),
        theirs.post(f"{base}/messages/{message.pk}/cancel"),
    ]

    # then
    assert [r.status_code for r in responses] == [404] * 8
    thread.refresh_from_db()
    assert thread.title == ""
    assert thread.messages.count() == 1


def test_a_practice_conversation_is_not_a_thread(adult, member_api, offline_ai):
    conversation = active_conversation(adult)

    assert member_api.get(f"{COACH}/threads/{conversation.pk}").status_code == 404
    assert (
        member_api.post(
            f"{COACH}/ask", {"content": "Hi", "thread": str(conversation.pk)}
        ).status_code
        == 404
    )


def test_the_coach_needs_a_member(api):
    assert api.post(f"{COACH}/ask", {"content": "Hi"}).status_code == 401
    assert api.get(f"{COACH}/threads").status_code == 401


def test_threads_are_listed_by_last_activity_and_searched(
    member, member_api, other_member, offline_ai, django_capture_on_commit_callbacks
):
    # given
    first = ask(member_api, django_capture_on_commit_callbacks, "Negotiation basics please")
    ask(member_api, django_capture_on_commit_callbacks, "Morning routine ideas")
    thread_create(user=other_member)
    first_id = first.json()["thread"]["id"]
    ask(member_api, django_capture_on_commit_callbacks, "More on that", thread=first_id)

    # when
    listed = member_api.get(f"{COACH}/threads").json()["results"]
    found = member_api.get(f"{COACH}/threads?search=ROUTINE").json()["results"]

    # then
    assert [row["title"] for row in listed] == [
        "Negotiation basics please",
        "Morning routine ideas",
    ]
    assert listed[0]["id"] == first_id
    assert [row["message_count"] for row in listed] == [4, 2]
    assert set(listed[0]) >= {"id", "title", "last_message_at", "message_count"}
    assert [row["title"] for row in found] == ["Morning routine ideas"]


def test_a_thread_with_its_messages_and_their_routes(
    member, member_api, offline_ai, django_capture_on_commit_callbacks
):
    # given
    asked = ask(member_api, django_capture_on_commit_callbacks, "How do I stay focused?")
    thread_id = asked.json()["thread"]["id"]
    base = f"{COACH}/threads/{thread_id}"
    queued = Message.objects.create(conversation_id=thread_id, role="partner", status="queued")

    # when
    detail = member_api.get(base).json()
    listed = member_api.get(f"{base}/messages").json()["results"]
    one = member_api.get(f"{base}/messages/{asked.json()['id']}")
    cancelled = member_api.post(f"{base}/messages/{queued.pk}/cancel")
    unchanged = member_api.post(f"{base}/messages/{asked.json()['id']}/cancel")

    # then
    assert [m["role"] for m in detail["messages"]] == ["member", "partner", "partner"]
    assert detail["message_count"] == 3
    assert detail["messages_next"] is None
    assert [m["id"] for m in listed] == [m["id"] for m in reversed(detail["messages"])]
    assert one.status_code == 200
    assert one.json()["status"] == "complete"
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    assert (unchanged.status_code, unchanged.json()["status"]) == (200, "complete")
    practice_only = member_api.post(f"{base}/messages", {"content": "Hi"})
    assert practice_only.status_code == 405


def test_deleting_a_thread(member, member_api, offline_ai, django_capture_on_commit_callbacks):
    # given
    asked = ask(member_api, django_capture_on_commit_callbacks, "How do I stay focused?")
    thread_id = asked.json()["thread"]["id"]
    generation_ids = list(Generation.objects.values_list("pk", flat=True))
    assert len(generation_ids) == 2  # the answer and the title

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = member_api.delete(f"{COACH}/threads/{thread_id}")

    # then
    assert response.status_code == 204
    assert not Conversation.objects.exists()
    assert not Message.objects.exists()
    for generation in Generation.objects.all():
        assert (generation.input, generation.output) == (None, None)
        assert generation.content_cleared_at is not None
    assert member_api.get(f"{COACH}/threads/{thread_id}").status_code == 404


def test_listing_threads_takes_the_same_queries_for_twenty(
    member, member_api, offline_ai, django_assert_max_num_queries
):
    # given: what one thread takes
    def make(number: int) -> None:
        thread = thread_create(user=member)
        Message.objects.create(
            conversation=thread, role="member", content=f"Q{number}", status="complete"
        )

    make(0)
    with CaptureQueriesContext(connection) as one:
        member_api.get(f"{COACH}/threads")
    for number in range(1, 20):
        make(number)

    # when / then
    with django_assert_max_num_queries(len(one)):
        response = member_api.get(f"{COACH}/threads")
    assert len(response.json()["results"]) == 20
    assert {row["message_count"] for row in response.json()["results"]} == {1}


def test_an_empty_search_lists_every_thread(member, member_api, offline_ai):
    thread_create(user=member)

    response = member_api.get(f"{COACH}/threads?search=")

    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


def test_a_thread_whose_first_answer_failed_is_titled_after_its_first_answer(
    member, member_api, fake_openai, django_capture_on_commit_callbacks
):
    # given: the first answer fails
    from ai.tests.fake_openai import completion, error

    fake_openai.script(
        error(500), streamed(["Block your mornings."]), completion('{"title": "Deep work"}')
    )
    first = ask(member_api, django_capture_on_commit_callbacks, "How do I get deep work done?")
    thread_id = first.json()["thread"]["id"]
    assert Message.objects.get(pk=first.json()["id"]).status == "error"

    # when
    second = ask(member_api, django_capture_on_commit_callbacks, "Any tips?", thread=thread_id)

    # then
    assert Message.objects.get(pk=second.json()["id"]).status == "complete"
    assert Conversation.objects.get(pk=thread_id).title == "Deep work"
    title_input = Generation.objects.get(feature="conversations.coach_title").input
    assert (title_input["question"], title_input["answer"]) == ("Any tips?", "Block your mornings.")
