"""The conversations app's AI features. Prompts live in ``templates/prompts/conversations.*/``,
the answers of the offline provider in ``conversations/ai_offline.py``."""

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ai import features

SITUATION_MAX = 800
PARTNER_HINT_MAX = 300
OPENER_MAX = 200
CONTEXT_TIP_MAX = 200
OPENERS_MAX = 4
CONTEXT_TIPS_MAX = 5


class ScenarioContext(BaseModel):
    model_config = ConfigDict(extra="forbid")

    situation: str = Field(
        min_length=1,
        max_length=SITUATION_MAX,
        description="Two to four sentences, second person: where the member is, what is "
        "going on around them, and who they might talk to.",
    )
    partner_hint: str = Field(
        min_length=1,
        max_length=PARTNER_HINT_MAX,
        description="One or two sentences on how the other person is likely to respond at "
        "this difficulty.",
    )
    suggested_openers: list[Annotated[str, Field(min_length=1, max_length=OPENER_MAX)]] = Field(
        min_length=1, max_length=OPENERS_MAX, description="Natural first lines, best first."
    )
    tips: list[Annotated[str, Field(min_length=1, max_length=CONTEXT_TIP_MAX)]] = Field(
        min_length=1, max_length=CONTEXT_TIPS_MAX, description="Short, concrete advice."
    )


# Cost 1 under the plan's "*" entry of AI_QUOTAS: a free member can read the context of
# every difficulty of several scenarios a day without touching other features' units.
SCENARIO_CONTEXT = features.register(
    "conversations.scenario_context",
    schema=ScenarioContext,
    cost=1,
    description="The situation of a practice scenario at a difficulty: the scene, how the "
    "other person is likely to respond, suggested openers and tips.",
    max_output_tokens=800,
    temperature=0.7,
    member_context=True,
    offline="conversations.ai_offline.scenario_context",
)


# --- the practice partner's character -----------------------------------------------------

NAME_MAX = 40
SHORT_MAX = 80
LINE_MAX = 200
CHARACTER_OPENER_MAX = 300
TRAITS_MAX = 5
INTERESTS_MAX = 5
ShortText = Annotated[str, Field(min_length=1, max_length=SHORT_MAX)]


class Mood(StrEnum):
    RELAXED = "relaxed"
    CHEERFUL = "cheerful"
    CURIOUS = "curious"
    FOCUSED = "focused"
    BUSY = "busy"
    DISTRACTED = "distracted"
    TIRED = "tired"
    RESERVED = "reserved"


class BodyLanguage(StrEnum):
    OPEN = "open"
    NEUTRAL = "neutral"
    CLOSED = "closed"


class Character(BaseModel):
    """The AI character of a practice conversation: always an adult, described by what they
    do and how they talk, never by their body."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=NAME_MAX, description="A first name.")
    age: int = Field(ge=18, le=90, description="An adult's age.")
    occupation: str = Field(min_length=1, max_length=SHORT_MAX)
    appearance: str = Field(
        min_length=1,
        max_length=LINE_MAX,
        description="Clothes and what they carry, in one sentence; nothing about their body.",
    )
    activity: str = Field(
        min_length=1, max_length=LINE_MAX, description="What they are doing when approached."
    )
    personality: str = Field(min_length=1, max_length=LINE_MAX)
    traits: list[ShortText] = Field(min_length=1, max_length=TRAITS_MAX)
    interests: list[ShortText] = Field(min_length=1, max_length=INTERESTS_MAX)
    mood: Mood
    speaking_style: str = Field(min_length=1, max_length=LINE_MAX)
    body_language: BodyLanguage
    opener: str = Field(
        min_length=1,
        max_length=CHARACTER_OPENER_MAX,
        description="Their first line, in character, answering nothing yet: the conversation "
        "starts with it.",
    )


CHARACTER = features.register(
    "conversations.character",
    schema=Character,
    cost=1,
    description="The AI character of a practice conversation: an adult with a name, "
    "personality, interests, mood and an opening line, fitted to the scenario and difficulty.",
    max_output_tokens=700,
    temperature=0.9,
    on_finish="conversations.services.practice.character_finished",
    offline="conversations.ai_offline.character",
)

# --- streamed replies ---------------------------------------------------------------------

PARTNER = features.register(
    "conversations.partner",
    cost=1,
    description="The practice partner's next turn, in character, streamed.",
    max_output_tokens=300,
    temperature=0.9,
)

COACH = features.register(
    "conversations.coach",
    cost=1,
    description="The AI coach's answer in a coach thread, streamed; it knows the member's "
    "assessment, goals and plan.",
    max_output_tokens=1200,
    temperature=0.5,
    member_context=True,
)

# --- coach thread titles ------------------------------------------------------------------

TITLE_MAX = 60


class CoachTitle(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(
        min_length=1,
        max_length=TITLE_MAX,
        description="Three to six words naming the thread's subject, no quotes, no period.",
    )


COACH_TITLE = features.register(
    "conversations.coach_title",
    schema=CoachTitle,
    cost=1,
    description="A short title for a coach thread, from its first question and answer.",
    max_output_tokens=40,
    temperature=0.2,
    on_finish="conversations.services.coach.title_finished",
    offline="conversations.ai_offline.coach_title",
)

# --- feedback on a practice conversation ----------------------------------------------------

FEEDBACK_TEXT_MAX = 400
FEEDBACK_QUOTE_MAX = 300
FEEDBACK_ITEM_MAX = 300
FEEDBACK_SUMMARY_MAX = 800
FEEDBACK_EVIDENCE_MAX = 3
FEEDBACK_LIST_MAX = 5
# A line of the transcript as the grader sees it: "u3" (the member's third line), "p2".
MESSAGE_REF_PATTERN = r"^[up][0-9]{1,3}$"


class FeedbackDimension(StrEnum):
    OPENING_CONTEXT = "opening_context"
    ACTIVE_LISTENING = "active_listening"
    EMOTIONAL_INTELLIGENCE = "emotional_intelligence"
    MOMENTUM = "momentum"
    SELF_DISCLOSURE = "self_disclosure"
    BOUNDARY_RESPECT = "boundary_respect"
    PLAYFUL_FLIRTATION = "playful_flirtation"


class EvidenceEffect(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"


class FeedbackEvidence(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str = Field(
        pattern=MESSAGE_REF_PATTERN,
        description='The id of the member\'s line it comes from ("u2"); never a partner line.',
    )
    quote: str = Field(
        min_length=1,
        max_length=FEEDBACK_QUOTE_MAX,
        description="Words copied exactly from that line, nothing added.",
    )
    effect: EvidenceEffect


class FeedbackDimensionScore(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: FeedbackDimension
    score: int | None = Field(
        ge=0, le=100, description="0-100; null when the transcript gives nothing to judge."
    )
    rationale: str = Field(max_length=FEEDBACK_TEXT_MAX)
    evidence: list[FeedbackEvidence] = Field(max_length=FEEDBACK_EVIDENCE_MAX)


class FeedbackImprovement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dimension: FeedbackDimension
    tip: str = Field(min_length=1, max_length=FEEDBACK_ITEM_MAX)
    evidence: str | None = Field(
        max_length=FEEDBACK_QUOTE_MAX,
        description="The member's words it is about, copied exactly, or null.",
    )
    try_instead: str = Field(max_length=FEEDBACK_ITEM_MAX)


class FeedbackKeyMoment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str = Field(pattern=MESSAGE_REF_PATTERN)
    note: str = Field(min_length=1, max_length=FEEDBACK_ITEM_MAX)


class FeedbackReport(BaseModel):
    """The grader's answer. The server keeps only evidence quoted verbatim from the member's
    own lines and computes the overall score, bands and XP itself (conversations.scoring)."""

    model_config = ConfigDict(extra="forbid")

    dimensions: list[FeedbackDimensionScore] = Field(
        min_length=len(FeedbackDimension),
        max_length=len(FeedbackDimension),
        description="Each of the seven dimensions exactly once.",
    )
    strengths: list[Annotated[str, Field(min_length=1, max_length=FEEDBACK_ITEM_MAX)]] = Field(
        max_length=FEEDBACK_LIST_MAX
    )
    improvements: list[FeedbackImprovement] = Field(max_length=FEEDBACK_LIST_MAX)
    key_moments: list[FeedbackKeyMoment] = Field(max_length=FEEDBACK_LIST_MAX)
    summary: str = Field(min_length=1, max_length=FEEDBACK_SUMMARY_MAX)

    @model_validator(mode="after")
    def _each_dimension_once(self) -> "FeedbackReport":
        keys = [dimension.key for dimension in self.dimensions]
        if sorted(keys) != sorted(FeedbackDimension):
            raise ValueError("dimensions must list each of the seven keys exactly once")
        return self


FEEDBACK = features.register(
    "conversations.feedback",
    schema=FeedbackReport,
    cost=1,
    description="Scores of a finished practice conversation on seven dimensions, with "
    "evidence quoted from the member's lines, strengths, improvements and key moments.",
    max_output_tokens=2500,
    temperature=0.2,
    on_finish="conversations.services.feedback.feedback_finished",
    offline="conversations.ai_offline.feedback",
)
