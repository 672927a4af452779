"""Ending a practice conversation and scoring it (docs/API.md, ``/conversations/{id}/end``).

:func:`conversation_end` ends the conversation and creates its one ``Feedback`` row:

- ``insufficient`` at once (no model call, no score, no XP) under ``MIN_MEMBER_TURNS``
  complete member turns, or when the conversation was paused by the safety checks;
- otherwise ``pending``, with a ``conversations.feedback`` generation queued: the grader
  gets the transcript with short ids (``u1``, ``p1``) and the scenario snapshot; the map
  from short id to message id stays in the generation's input.

A reply still queued or streaming is cancelled first (``replies.reply_cancel``): ending a
conversation is the member's way of stopping it. A repeat ``/end`` returns the feedback that
exists and changes nothing.

:func:`feedback_finished` (``on_finish`` of the feature) keeps only evidence quoted from the
member's own lines, scores on the server (``conversations.scoring``), awards XP once
(``coaching.services.award_xp``, source ``conversation:<id>``) and records the skill scores;
a failed generation makes the feedback ``unavailable``, which :func:`feedback_retry` queues
again.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from ai import selectors as ai_selectors
from ai import services as ai_services
from analytics.services import track
from coaching.services.progress import award_xp
from core import realtime
from core.exceptions import Conflict

from .. import frames, scoring
from ..ai_features import FEEDBACK
from ..models import Conversation, Feedback, Message, SkillScore
from .replies import reply_cancel

if TYPE_CHECKING:
    from accounts.models import User
    from ai.models import Generation

logger = logging.getLogger(__name__)

MIN_MEMBER_TURNS = 3
END_REASON_MEMBER = "member"
XP_REASON = "Practice conversation scored"
# What the grader reads: each line cut to LINE_CHARS, the transcript to TRANSCRIPT_CHARS
# (the earliest lines first: the opening is graded too).
LINE_CHARS = 1000
TRANSCRIPT_CHARS = 40_000
# Statuses a member's /end leaves as they are.
KEPT_STATUSES = (
    Conversation.Status.PAUSED,
    Conversation.Status.ENDED,
    Conversation.Status.ABANDONED,
    Conversation.Status.FAILED,
)


def xp_source(conversation: Conversation) -> str:
    return f"conversation:{conversation.pk}"


@dataclass(frozen=True)
class Ended:
    feedback: Feedback
    # True when this call queued the grader (answer 202); False: answer 200 with it.
    queued: bool


def _member_turns(conversation: Conversation) -> int:
    return Message.objects.filter(
        conversation=conversation, role=Message.Role.MEMBER, status=Message.Status.COMPLETE
    ).count()


def grader_inputs(conversation: Conversation) -> dict[str, Any]:
    """The generation's input: the transcript with short ids (and their message ids), the
    scenario snapshot and the difficulty."""
    rows = Message.objects.filter(
        conversation=conversation, status=Message.Status.COMPLETE
    ).order_by("created_at", "id")
    transcript = []
    counters = {Message.Role.MEMBER: 0, Message.Role.PARTNER: 0}
    budget = TRANSCRIPT_CHARS
    for message in rows.only("id", "role", "content"):
        content = " ".join(message.content.split())[:LINE_CHARS]
        # The transcript sits between <transcript> tags: a line cannot close them.
        content = content.replace("</transcript", "< /transcript")
        if not content or message.role not in counters:
            continue
        budget -= len(content)
        if budget < 0:
            break
        counters[message.role] += 1
        prefix = "u" if message.role == Message.Role.MEMBER else "p"
        transcript.append(
            {
                "ref": f"{prefix}{counters[message.role]}",
                "role": message.role,
                "content": content,
                "message_id": str(message.pk),
            }
        )
    snapshot = conversation.scenario_snapshot or {}
    character = conversation.character or {}
    return {
        "scenario": {
            "title": snapshot.get("title", ""),
            "setting": snapshot.get("setting", ""),
            "description": snapshot.get("description", ""),
            "target": snapshot.get("target", ""),
        },
        "partner_name": character.get("name", ""),
        "difficulty": conversation.difficulty or "green",
        "playful_applies": scoring.playful_applies(conversation.difficulty, snapshot.get("target")),
        "transcript": transcript,
    }


def _duration_s(conversation: Conversation) -> int | None:
    if conversation.started_at is None or conversation.ended_at is None:
        return None
    return max(0, int((conversation.ended_at - conversation.started_at).total_seconds()))


def _announce(conversation: Conversation) -> None:
    realtime.send_to_user(conversation.user_id, frames.conversation_updated(conversation))


def conversation_end(*, user: User, conversation: Conversation) -> Ended:
    """End ``conversation`` (a practice conversation of ``user``) and ask for its
    feedback; the feedback that exists when it was ended before. Raises the gateway's
    ``QuotaExceeded`` (nothing changes then: end again once units are back)."""
    for reply in Message.objects.filter(
        conversation=conversation, status__in=Message.IN_FLIGHT
    ).select_related("conversation"):
        reply_cancel(reply)
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        existing = Feedback.objects.filter(conversation=conversation).first()
        if existing is not None:
            return Ended(feedback=existing, queued=False)
        now = timezone.now()
        paused = conversation.status == Conversation.Status.PAUSED
        if conversation.status not in KEPT_STATUSES:
            conversation.status = Conversation.Status.ENDED
            conversation.end_reason = END_REASON_MEMBER
            conversation.ended_at = now
            conversation.save(update_fields=["status", "end_reason", "ended_at", "updated_at"])
        elif conversation.ended_at is None:
            conversation.ended_at = now
            conversation.save(update_fields=["ended_at", "updated_at"])
        turns = _member_turns(conversation)
        graded = turns >= MIN_MEMBER_TURNS and not paused
        feedback = Feedback.objects.create(
            conversation=conversation,
            status=Feedback.Status.PENDING if graded else Feedback.Status.INSUFFICIENT,
            rubric_version=scoring.RUBRIC_VERSION,
            difficulty=conversation.difficulty,
        )
        track(
            "conversation_ended",
            user,
            conversation_id=str(conversation.pk),
            turns=turns,
            duration_s=_duration_s(conversation),
            reason=conversation.end_reason or conversation.status,
        )
        # Announced before the generation is queued: both wait for the commit, in order, so
        # "ended, feedback pending" never arrives after "feedback ready".
        _announce(conversation)
        if graded:
            feedback.generation = ai_services.generate(
                user=user, feature=FEEDBACK.name, inputs=grader_inputs(conversation)
            )
            feedback.save(update_fields=["generation", "updated_at"])
    return Ended(feedback=feedback, queued=graded)


def feedback_retry(*, feedback: Feedback) -> Feedback:
    """Queue the grader again for ``unavailable`` feedback (409 ``not_retryable``
    otherwise); the feedback turns ``pending``. Raises the gateway's ``QuotaExceeded``."""
    with transaction.atomic():
        feedback = (
            Feedback.objects.select_for_update().select_related("conversation").get(pk=feedback.pk)
        )
        if feedback.status != Feedback.Status.UNAVAILABLE:
            raise Conflict(
                f"Only unavailable feedback can be retried; this one is {feedback.status}.",
                code="not_retryable",
            )
        conversation = feedback.conversation
        feedback.status = Feedback.Status.PENDING
        feedback.save(update_fields=["status", "updated_at"])
        conversation.feedback = feedback
        _announce(conversation)
        feedback.generation = _regenerate(feedback)
        feedback.save(update_fields=["generation", "updated_at"])
        track(
            "conversation_feedback_retried",
            conversation.user,
            conversation_id=str(conversation.pk),
            generation_id=str(feedback.generation.pk),
        )
    return feedback


def _regenerate(feedback: Feedback) -> Generation:
    """The failed generation run again when it still has its input (one generation per
    feedback: deleting the conversation clears what it carried); a new one otherwise."""
    previous = feedback.generation
    if (
        previous is not None
        and previous.status == ai_selectors.FAILED
        and previous.input is not None
        and previous.content_cleared_at is None
    ):
        return ai_services.generation_retry(generation=previous)
    conversation = feedback.conversation
    return ai_services.generate(
        user=conversation.user, feature=FEEDBACK.name, inputs=grader_inputs(conversation)
    )


def feedback_finished(*, generation: Generation) -> None:
    """``on_finish`` of ``conversations.feedback``: score the grader's answer on the server,
    or make the feedback ``unavailable`` when the generation failed. Runs in the transaction
    that records the generation."""
    feedback = (
        Feedback.objects.select_for_update()
        .select_related("conversation__user")
        .filter(generation=generation, status=Feedback.Status.PENDING)
        .first()
    )
    if feedback is None:
        return
    conversation = feedback.conversation
    scored = None
    if generation.status == ai_selectors.SUCCEEDED and generation.output:
        inputs = generation.input or {}
        try:
            scored = scoring.score_report(
                generation.output,
                transcript=inputs.get("transcript") or [],
                difficulty=feedback.difficulty or conversation.difficulty,
                target=(conversation.scenario_snapshot or {}).get("target"),
            )
        except (TypeError, ValueError, KeyError, AttributeError):
            logger.exception("Feedback %s: the grader's answer could not be scored", feedback.pk)
    if scored is None:
        feedback.status = Feedback.Status.UNAVAILABLE
        feedback.save(update_fields=["status", "updated_at"])
    elif scored.overall is None:
        feedback.status = Feedback.Status.INSUFFICIENT
        feedback.summary = scored.summary
        feedback.save(update_fields=["status", "summary", "updated_at"])
    else:
        _store_scores(feedback, scored)
    conversation.feedback = feedback
    _announce(conversation)


def _store_scores(feedback: Feedback, scored: scoring.Scored) -> None:
    conversation = feedback.conversation
    user = conversation.user
    feedback.status = Feedback.Status.READY
    feedback.rubric_version = scoring.RUBRIC_VERSION
    feedback.dimensions = scored.dimensions
    feedback.overall_score = scored.overall
    feedback.band = scored.band
    feedback.strengths = scored.strengths
    feedback.improvements = scored.improvements
    feedback.key_moments = scored.key_moments
    feedback.summary = scored.summary
    if scored.xp and feedback.xp_awarded == 0:
        award = award_xp(
            user=user, amount=scored.xp, reason=XP_REASON, source_id=xp_source(conversation)
        )
        if award is not None:
            feedback.xp_awarded = award.amount
    feedback.save()
    SkillScore.objects.bulk_create(
        [
            SkillScore(
                user=user,
                conversation=conversation,
                skill=scoring.SKILL_OF_DIMENSION[key],
                score=value["score"],
            )
            for key, value in scored.dimensions.items()
            if value["score"] is not None
        ],
        ignore_conflicts=True,
    )
    track(
        "conversation_scored",
        user,
        conversation_id=str(conversation.pk),
        overall=scored.overall,
        band=scored.band,
        dimensions=scored.scores(),
        rubric_version=scoring.RUBRIC_VERSION,
        xp=feedback.xp_awarded,
        capped=scored.capped,
        dropped_evidence=scored.dropped_evidence,
    )


# --- skill history ---------------------------------------------------------------------------


def skill_history(
    *, user: User, skill: str | None = None, days: int = 90, now: dt.datetime | None = None
) -> dict[str, Any]:
    """The member's scores per skill over the last ``days`` days, oldest first, in one
    query: every skill practice scores (``scoring.SKILLS``), or ``skill`` alone."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=days)
    skills = [skill] if skill else list(scoring.SKILLS)
    rows = (
        SkillScore.objects.filter(user=user, skill__in=skills, created_at__gte=since)
        .order_by("created_at", "id")
        .values_list("skill", "score", "conversation_id", "created_at")
    )
    points: dict[str, list[dict[str, Any]]] = {name: [] for name in skills}
    for name, score, conversation_id, created_at in rows:
        points[name].append(
            {"conversation_id": conversation_id, "score": score, "created_at": created_at}
        )
    result = []
    for name in skills:
        series = points[name]
        scores = [point["score"] for point in series]
        result.append(
            {
                "skill": name,
                "latest": scores[-1] if scores else None,
                "best": max(scores) if scores else None,
                "trend": scores[-1] - scores[0] if len(scores) >= 2 else None,
                "points": series,
            }
        )
    return {"date_range": days, "since": since, "skills": result}
