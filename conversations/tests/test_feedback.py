"""Ending a practice conversation and its feedback: POST /conversations/{id}/end, GET
/conversations/{id}/feedback, POST /conversations/{id}/feedback/retry."""

import datetime as dt
import json

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from ai.models import Generation
from ai.tests.fake_openai import completion
from analytics.models import Event
from coaching.models import XPAward
from conversations.models import Conversation, Feedback, Message, SkillScore
from conversations.services import conversation_end

pytestmark = pytest.mark.django_db

LINES = [
    ("partner", "Oh, hi! Sorry, was I in your way?"),
    ("member", "Not at all! I was just wondering what you're reading."),
    ("partner", "It's a mystery novel, set in Lisbon."),
    ("member", "Lisbon! I went there last spring and got lost in Alfama for hours."),
    ("partner", "Ha, that's the best way to see it. I'm Maya, by the way."),
    ("member", "Nice to meet you, Maya. Would you mind if I asked what drew you to the book?"),
]


def practice(user, lines=LINES, *, difficulty="yellow", target="romantic", status="active"):
    """A practice conversation of ``user`` with complete ``lines`` (role, text), in order."""
    now = timezone.now()
    conversation = Conversation.objects.create(
        user=user,
        kind=Conversation.Kind.PRACTICE,
        scenario_snapshot={
            "slug": "bookshop",
            "title": "The bookshop",
            "setting": "bookstore",
            "description": "A quiet bookshop on a Saturday.",
            "target": target,
            "premium": False,
        },
        difficulty=difficulty,
        status=status,
        character={"name": "Maya", "opener": lines[0][1] if lines else "Hi."},
        started_at=now - dt.timedelta(minutes=4),
        last_message_at=now,
        member_turns=sum(1 for role, _ in lines if role == "member"),
    )
    for n, (role, content) in enumerate(lines):
        message = Message.objects.create(
            conversation=conversation, role=role, content=content, status="complete"
        )
        Message.objects.filter(pk=message.pk).update(
            created_at=now - dt.timedelta(minutes=4) + dt.timedelta(seconds=10 * n)
        )
    return conversation


def member_message(conversation, text):
    return Message.objects.get(conversation=conversation, role="member", content=text)


def grader_answer(**overrides):
    """The grader's JSON for LINES: one fabricated quote (active_listening), one partner quote
    (emotional_intelligence, left with no evidence) and one quote attributed to the wrong line
    (playful_flirtation)."""

    def dim(key, score, *evidence):
        return {
            "key": key,
            "score": score,
            "rationale": f"{key} rationale",
            "evidence": [
                {"message": ref, "quote": quote, "effect": "positive"} for ref, quote in evidence
            ],
        }

    answer = {
        "dimensions": [
            dim("opening_context", 80, ("u1", "what you're reading")),
            dim(
                "active_listening",
                70,
                ("u3", "what drew you to the book"),
                ("u2", "I love mystery novels"),
            ),
            dim("emotional_intelligence", 90, ("p3", "I'm Maya, by the way")),
            dim("momentum", 75, ("u2", "got  lost in ALFAMA")),
            dim("self_disclosure", 85, ("u2", "I went there last spring")),
            dim("boundary_respect", 95, ("u3", "Would you mind if I asked")),
            dim("playful_flirtation", 40, ("u1", "I went there last spring")),
        ],
        "strengths": ["You noticed the book.", "You shared a story."],
        "improvements": [
            {
                "dimension": "momentum",
                "tip": "Build on their answer.",
                "evidence": "I only read thrillers",
                "try_instead": "What do you like about mysteries?",
            }
        ],
        "key_moments": [
            {"message": "u2", "note": "Your Lisbon story opened things up."},
            {"message": "u9", "note": "Not a line."},
        ],
        "summary": "A warm, curious conversation.",
    }
    answer.update(overrides)
    return json.dumps(answer)


def end(api, conversation, capture, **headers):
    with capture(execute=True):
        return api.post(f"/api/v1/conversations/{conversation.pk}/end", **headers)


def test_end_scores_on_the_server_and_keeps_only_verbatim_member_evidence(
    adult, member_api, fake_openai, django_capture_on_commit_callbacks
):
    # given a yellow, romantic conversation with three member turns and a grader answer
    conversation = practice(adult)
    fake_openai.script(completion(grader_answer()))
    # when the member ends it
    response = end(member_api, conversation, django_capture_on_commit_callbacks)
    # then the grader was queued (202) pointing at the feedback
    assert response.status_code == 202, response.json()
    body = response.json()
    feedback = Feedback.objects.get(conversation=conversation)
    assert body["id"] == str(feedback.pk)
    assert body["status"] == "pending"
    assert body["status_url"].endswith(f"/api/v1/conversations/{conversation.pk}/feedback")
    assert body["generation"]["id"] == str(feedback.generation_id)
    conversation.refresh_from_db()
    assert (conversation.status, conversation.end_reason) == ("ended", "member")
    assert conversation.ended_at is not None
    # and the grader got the transcript with short ids, as data, at a low temperature
    request = fake_openai.received[0].body
    assert request["temperature"] <= 0.3
    prompt = request["messages"][1]["content"]
    assert "[u1] member: Not at all! I was just wondering what you're reading." in prompt
    assert "[p1] partner: Oh, hi! Sorry, was I in your way?" in prompt
    assert "<transcript>" in prompt
    # and the feedback was scored by the server
    feedback.refresh_from_db()
    assert feedback.status == "ready"
    dimensions = feedback.dimensions
    u1 = member_message(conversation, LINES[1][1])
    u2 = member_message(conversation, LINES[3][1])
    u3 = member_message(conversation, LINES[5][1])
    assert dimensions["opening_context"]["evidence"] == [
        {"message_id": str(u1.pk), "quote": "what you're reading", "effect": "positive"}
    ]
    # the fabricated quote is dropped, the real one kept
    assert dimensions["active_listening"]["evidence"] == [
        {"message_id": str(u3.pk), "quote": "what drew you to the book", "effect": "positive"}
    ]
    assert dimensions["active_listening"]["low_confidence"] is False
    # the partner's line is never evidence: clamped to 60, low confidence
    assert dimensions["emotional_intelligence"]["evidence"] == []
    assert dimensions["emotional_intelligence"]["score"] == 60
    assert dimensions["emotional_intelligence"]["low_confidence"] is True
    assert dimensions["momentum"]["evidence"][0]["message_id"] == str(u2.pk)
    # a real quote attributed to the wrong line does not count either
    assert dimensions["playful_flirtation"]["evidence"] == []
    assert dimensions["playful_flirtation"]["score"] == 40
    # yellow: (80*15 + 70*20 + 60*20 + 75*20 + 85*10 + 95*10 + 40*5) / 100 = 73
    assert feedback.overall_score == 73
    assert feedback.band == "Good"
    assert feedback.rubric_version == "2026-12"
    assert feedback.improvements[0]["evidence"] is None
    assert feedback.key_moments == [
        {"message_id": str(u2.pk), "note": "Your Lisbon story opened things up."}
    ]
    # XP once, 20 + 73 // 10
    assert feedback.xp_awarded == 27
    award = XPAward.objects.get(user=adult)
    assert (award.amount, award.source_id) == (27, f"conversation:{conversation.pk}")
    # the skill history is fed from the dimensions
    assert dict(
        SkillScore.objects.filter(conversation=conversation).values_list("skill", "score")
    ) == {
        "conversation_starters": 80,
        "active_listening": 70,
        "empathy": 60,
        "flow_maintenance": 75,
        "storytelling": 85,
        "reading_signals": 95,
        "humor": 40,
    }
    # and analytics has both events
    ended = Event.objects.get(name="conversation_ended")
    assert ended.properties["turns"] == 3
    assert ended.properties["reason"] == "member"
    assert ended.properties["duration_s"] >= 239
    scored = Event.objects.get(name="conversation_scored")
    assert scored.properties["overall"] == 73
    assert scored.properties["band"] == "Good"
    assert scored.properties["xp"] == 27
    assert scored.properties["rubric_version"] == "2026-12"
    assert scored.properties["dimensions"]["emotional_intelligence"] == 60


def test_feedback_reads_back_with_the_documented_shape(
    adult,
    member_api,
    fake_openai,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    # given a scored conversation
    conversation = practice(adult)
    fake_openai.script(completion(grader_answer()))
    end(member_api, conversation, django_capture_on_commit_callbacks)
    # when the member reads its feedback
    with django_assert_max_num_queries(3):
        response = member_api.get(f"/api/v1/conversations/{conversation.pk}/feedback")
    # then it has every documented field, computed by the server
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "id",
        "status",
        "rubric_version",
        "difficulty",
        "overall_score",
        "band",
        "dimensions",
        "strengths",
        "improvements",
        "key_moments",
        "summary",
        "xp_awarded",
        "created_at",
    }
    assert (body["status"], body["overall_score"], body["band"]) == ("ready", 73, "Good")
    assert body["difficulty"] == "yellow"
    assert set(body["dimensions"]) == {
        "opening_context",
        "active_listening",
        "emotional_intelligence",
        "momentum",
        "self_disclosure",
        "boundary_respect",
        "playful_flirtation",
    }
    assert body["dimensions"]["boundary_respect"]["band"] == "Exceptional"
    assert body["strengths"] == ["You noticed the book.", "You shared a story."]
    assert body["xp_awarded"] == 27
    # and the conversation shows its feedback summary
    detail = member_api.get(f"/api/v1/conversations/{conversation.pk}").json()
    assert detail["feedback"] == {"status": "ready", "overall_score": 73, "band": "Good"}
    assert detail["status"] == "ended"


def test_repeat_end_returns_the_same_feedback_and_xp_once(
    adult, member_api, fake_openai, django_capture_on_commit_callbacks
):
    # given a conversation ended and scored once
    conversation = practice(adult)
    fake_openai.script(completion(grader_answer()))
    first = end(member_api, conversation, django_capture_on_commit_callbacks)
    # when the member ends it again
    again = end(member_api, conversation, django_capture_on_commit_callbacks)
    # then the same feedback comes back (200), with no second model call and no more XP
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["status"] == "ready"
    assert len(fake_openai.received) == 1
    assert XPAward.objects.filter(user=adult).count() == 1
    assert Feedback.objects.filter(conversation=conversation).count() == 1
    assert Event.objects.filter(name="conversation_ended").count() == 1


def test_end_replays_an_idempotency_key(
    adult, member_api, fake_openai, django_capture_on_commit_callbacks
):
    # given a first /end sent with an Idempotency-Key
    conversation = practice(adult)
    fake_openai.script(completion(grader_answer()))
    first = end(
        member_api, conversation, django_capture_on_commit_callbacks, HTTP_IDEMPOTENCY_KEY="k-1"
    )
    # when it is sent again with the same key
    replay = end(
        member_api, conversation, django_capture_on_commit_callbacks, HTTP_IDEMPOTENCY_KEY="k-1"
    )
    # then the first answer is replayed
    assert replay.status_code == first.status_code == 202
    assert replay.json() == first.json()
    assert replay.headers["Idempotent-Replayed"] == "true"


def test_under_three_member_turns_is_insufficient_without_a_model_call(
    adult, member_api, fake_openai, django_capture_on_commit_callbacks
):
    # given only two member turns
    conversation = practice(adult, LINES[:4])
    # when the member ends it
    response = end(member_api, conversation, django_capture_on_commit_callbacks)
    # then the feedback is insufficient at once: 200, no score, no XP, no model call
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "insufficient"
    assert body["overall_score"] is None
    assert body["xp_awarded"] == 0
    assert body["dimensions"] == {}
    assert fake_openai.received == []
    assert not XPAward.objects.filter(user=adult).exists()
    assert not Generation.objects.filter(feature="conversations.feedback").exists()
    conversation.refresh_from_db()
    assert conversation.status == "ended"


def test_a_conversation_paused_for_safety_is_not_scored_and_stays_paused(
    adult, member_api, fake_openai, django_capture_on_commit_callbacks
):
    # given a paused conversation with enough turns
    conversation = practice(adult, status="paused")
    # when the member ends it
    response = end(member_api, conversation, django_capture_on_commit_callbacks)
    # then it keeps its status and the feedback is insufficient, with no model call
    assert response.status_code == 200
    assert response.json()["status"] == "insufficient"
    assert fake_openai.received == []
    conversation.refresh_from_db()
    assert conversation.status == "paused"


def test_a_reply_in_flight_is_cancelled_by_end(
    adult, member_api, offline_ai, django_capture_on_commit_callbacks
):
    # given a conversation whose last reply is still queued
    conversation = practice(adult)
    queued = Message.objects.create(conversation=conversation, role="partner", status="queued")
    # when the member ends it
    response = end(member_api, conversation, django_capture_on_commit_callbacks)
    # then the reply is cancelled and the conversation scored
    assert response.status_code == 202
    queued.refresh_from_db()
    assert queued.status == "cancelled"
    assert Feedback.objects.get(conversation=conversation).status == "ready"


def test_offline_grader_quotes_real_member_lines(
    adult, member_api, offline_ai, django_capture_on_commit_callbacks
):
    # given the offline provider and a green conversation
    conversation = practice(adult, difficulty="green")
    # when the member ends it
    response = end(member_api, conversation, django_capture_on_commit_callbacks)
    # then the feedback is ready with verified evidence, and no playful score on green
    assert response.status_code == 202
    feedback = Feedback.objects.get(conversation=conversation)
    assert feedback.status == "ready"
    assert feedback.dimensions["playful_flirtation"]["score"] is None
    scored = [value for value in feedback.dimensions.values() if value["score"] is not None]
    assert len(scored) == 6
    assert all(value["evidence"] and not value["low_confidence"] for value in scored)
    assert 0 <= feedback.overall_score <= 100
    assert feedback.xp_awarded > 0


@pytest.mark.parametrize(
    "replies",
    [
        pytest.param([completion(refusal="I can't help with that.")], id="refusal"),
        pytest.param([completion("not json"), completion('{"summary": "x"}')], id="invalid"),
    ],
)
def test_a_failed_grader_makes_feedback_unavailable_and_retry_scores_it(
    adult, member_api, fake_openai, django_capture_on_commit_callbacks, replies
):
    # given a grader that refuses or answers invalid output (even after the repair)
    conversation = practice(adult)
    fake_openai.script(*replies)
    end(member_api, conversation, django_capture_on_commit_callbacks)
    feedback = Feedback.objects.get(conversation=conversation)
    # then the feedback is unavailable, without XP
    assert feedback.status == "unavailable"
    assert feedback.overall_score is None
    assert not XPAward.objects.filter(user=adult).exists()
    # when the member retries and the grader answers
    fake_openai.script(completion(grader_answer()))
    with django_capture_on_commit_callbacks(execute=True):
        retried = member_api.post(f"/api/v1/conversations/{conversation.pk}/feedback/retry")
    # then a new generation is queued (202) and the feedback gets scored
    assert retried.status_code == 202, retried.json()
    assert retried.json()["id"] == str(feedback.pk)
    assert retried.json()["status"] == "pending"
    # the failed generation ran again: one generation per feedback, cleared with the transcript
    assert retried.json()["generation"]["id"] == str(feedback.generation_id)
    assert Generation.objects.filter(feature="conversations.feedback").count() == 1
    feedback.refresh_from_db()
    assert feedback.status == "ready"
    assert feedback.overall_score == 73
    assert XPAward.objects.filter(user=adult).count() == 1


def test_retry_of_ready_feedback_is_refused(
    adult, member_api, offline_ai, django_capture_on_commit_callbacks
):
    # given scored feedback
    conversation = practice(adult)
    end(member_api, conversation, django_capture_on_commit_callbacks)
    # when the member asks to retry it
    response = member_api.post(f"/api/v1/conversations/{conversation.pk}/feedback/retry")
    # then 409 not_retryable
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "not_retryable"


def test_feedback_before_end_is_not_found(adult, member_api):
    # given a conversation not ended yet
    conversation = practice(adult)
    # when its feedback is read, or retried
    read = member_api.get(f"/api/v1/conversations/{conversation.pk}/feedback")
    retried = member_api.post(f"/api/v1/conversations/{conversation.pk}/feedback/retry")
    # then both are 404
    assert read.status_code == retried.status_code == 404


def test_another_members_conversation_and_a_coach_thread_are_not_found(
    adult, other_member, member_api, offline_ai
):
    # given another member's conversation and the caller's coach thread
    theirs = practice(other_member)
    thread = Conversation.objects.create(user=adult, kind=Conversation.Kind.COACH, status="active")
    # when the caller ends them
    responses = [
        member_api.post(f"/api/v1/conversations/{theirs.pk}/end"),
        member_api.post(f"/api/v1/conversations/{thread.pk}/end"),
        member_api.get(f"/api/v1/conversations/{theirs.pk}/feedback"),
    ]
    # then 404, and nothing changed
    assert [response.status_code for response in responses] == [404, 404, 404]
    theirs.refresh_from_db()
    assert theirs.status == "active"
    assert not Feedback.objects.exists()


def test_feedback_endpoints_need_authentication(api, member):
    # given a conversation and no credentials
    conversation = practice(member)
    # when / then
    assert api.post(f"/api/v1/conversations/{conversation.pk}/end").status_code == 401
    assert api.get(f"/api/v1/conversations/{conversation.pk}/feedback").status_code == 401
    assert api.post(f"/api/v1/conversations/{conversation.pk}/feedback/retry").status_code == 401


@pytest.mark.django_db(transaction=True)
async def test_the_socket_hears_the_end_then_the_feedback_ready(adult, socket_of, offline_ai):
    # given a conversation with enough turns and the member's socket open
    conversation = await database_sync_to_async(practice)(adult)
    socket = await socket_of(adult)
    # when the member ends it (the offline grader answers at once)
    await database_sync_to_async(conversation_end)(user=adult, conversation=conversation)
    # then conversation.updated says ended (feedback pending), then feedback ready
    updates = []
    while not updates or updates[-1]["feedback_status"] != "ready":
        frame = await socket.receive_json_from(timeout=3)
        if frame["type"] == "conversation.updated":
            updates.append(frame["conversation"])
    assert [(update["status"], update["feedback_status"]) for update in updates] == [
        ("ended", "pending"),
        ("ended", "ready"),
    ]
    assert {update["id"] for update in updates} == {str(conversation.pk)}


def test_without_ai_units_end_is_refused_and_changes_nothing(
    adult, member_api, offline_ai, settings, django_capture_on_commit_callbacks
):
    # given a member with no AI units left today
    settings.AI_QUOTAS = {"free": {"*": 0}}
    conversation = practice(adult)
    # when they end a conversation that needs the grader
    response = end(member_api, conversation, django_capture_on_commit_callbacks)
    # then 429 quota_exceeded, and the conversation is still active with no feedback
    assert response.status_code == 429
    assert response.json()["errors"][0]["code"] == "quota_exceeded"
    conversation.refresh_from_db()
    assert conversation.status == "active"
    assert not Feedback.objects.filter(conversation=conversation).exists()
    assert not Event.objects.filter(name="conversation_ended").exists()


def test_the_grader_schema_is_strict_mode_compatible():
    # given the feature's output schema
    from conversations.ai_features import FEEDBACK

    # when it is turned into the strict form structured outputs need
    schema = FEEDBACK.json_schema
    # then every object is closed and the seven keys are an enum
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {
        "dimensions",
        "strengths",
        "improvements",
        "key_moments",
        "summary",
    }
    assert FEEDBACK.temperature <= 0.3
    text = json.dumps(schema)
    assert '"playful_flirtation"' in text
    assert '"additionalProperties": true' not in text
