"""The coaching app's AI features, each declared once. Prompts live in
``templates/prompts/coaching.*/``, the answers of the offline provider in
``coaching/ai_offline.py``. Other parts of the app append their features below."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from ai import features

# --- assessment analysis ------------------------------------------------------------------

SUGGESTED_GOALS_MAX = 5


class SuggestedGoal(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200, description="A short goal, imperative.")
    description: str = Field(
        max_length=600, description="One to three sentences: what and why, for this member."
    )
    confidence: float = Field(
        ge=0, le=1, description="How well the goal fits the assessment, 0 to 1."
    )


class AssessmentAnalysis(BaseModel):
    model_config = ConfigDict(extra="forbid")

    summary: str = Field(
        min_length=1, max_length=1200, description="Three to five sentences on the member."
    )
    strengths: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        min_length=1, max_length=6
    )
    growth_areas: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        min_length=1, max_length=6
    )
    archetype_insight: str = Field(
        min_length=1, max_length=800, description="What the archetype means for this member."
    )
    ai_learning_advice: str = Field(
        min_length=1,
        max_length=800,
        description="How to learn AI given their interest and learning style.",
    )
    suggested_goals: list[SuggestedGoal] = Field(
        min_length=1, max_length=SUGGESTED_GOALS_MAX, description="Best first."
    )


ASSESSMENT_ANALYSIS = features.register(
    "coaching.assessment_analysis",
    schema=AssessmentAnalysis,
    description="An analysis of a submitted assessment: strengths, growth areas, the "
    "archetype, advice on learning AI, and suggested goals.",
    max_output_tokens=2000,
    on_finish="coaching.services.assessment.assessment_analysis_finished",
    member_context=True,
    offline="coaching.ai_offline.assessment_analysis",
)

# --- development plans --------------------------------------------------------------------

PLAN_PHASES_MAX = 6
PLAN_MILESTONES_MAX = 5
PLAN_ACTIONS_MAX = 6
PLAN_RECOMMENDATIONS_MAX = 5
PLAN_DUE_IN_DAYS_MAX = 365


class PlanActionDraft(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200, description="A concrete step, imperative.")
    description: str = Field(max_length=600, description="How to do it, in one to three sentences.")
    due_in_days: int = Field(
        ge=0, le=PLAN_DUE_IN_DAYS_MAX, description="Days after the plan's start it is due."
    )


class PlanMilestoneDraft(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200, description="An outcome to reach.")
    description: str = Field(max_length=600)
    due_in_days: int = Field(
        ge=0, le=PLAN_DUE_IN_DAYS_MAX, description="Days after the plan's start it is reached."
    )
    actions: list[PlanActionDraft] = Field(min_length=1, max_length=PLAN_ACTIONS_MAX)


class PlanPhaseDraft(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    description: str = Field(max_length=800)
    milestones: list[PlanMilestoneDraft] = Field(min_length=1, max_length=PLAN_MILESTONES_MAX)


class PlanRecommendationDraft(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["goal", "action"] = Field(
        description="goal: a new goal for the member; action: one more step for this plan."
    )
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(max_length=600)
    confidence: float = Field(ge=0, le=1, description="How well it fits the member, 0 to 1.")


class DevelopmentPlanDraft(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    summary: str = Field(min_length=1, max_length=1500, description="Two to four sentences.")
    phases: list[PlanPhaseDraft] = Field(
        min_length=1, max_length=PLAN_PHASES_MAX, description="In the order they are done."
    )
    recommendations: list[PlanRecommendationDraft] = Field(
        max_length=PLAN_RECOMMENDATIONS_MAX, description="Best first; may be empty."
    )


DEVELOPMENT_PLAN = features.register(
    "coaching.development_plan",
    schema=DevelopmentPlanDraft,
    cost=2,
    description="A development plan (phases, milestones, actions with due dates) from the "
    "latest assessment and the member's active goals, with recommendations.",
    max_output_tokens=6000,
    on_finish="coaching.services.plans.plan_generation_finished",
    entitlement="coaching.plans",
    member_context=True,
    offline="coaching.ai_offline.development_plan",
)


# --- AI tools: roadmap, brand, content, document --------------------------------------------
# Each tool's output is stored as an Artifact's ``content`` (coaching/services/tools.py);
# edits are validated against the same schema, so an edited artifact still exports.

TOOL_TITLE_MAX = 200
TOOL_TEXT_MAX = 600
TOOL_BODY_MAX = 5000
TOOL_ITEM_MAX = 200
CONTENT_CHANNELS = ("linkedin", "blog", "newsletter", "x")
DOCUMENT_TYPES = ("cv", "cover_letter", "bio", "proposal")

ToolItem = Annotated[str, Field(min_length=1, max_length=TOOL_ITEM_MAX)]


class RoadmapStage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=TOOL_TITLE_MAX)
    duration_weeks: int = Field(ge=1, le=156, description="How long the stage takes.")
    goals: list[ToolItem] = Field(min_length=1, max_length=8)
    skills: list[ToolItem] = Field(min_length=1, max_length=10)
    resources: list[ToolItem] = Field(
        max_length=10, description="Courses, books, communities; names, no invented URLs."
    )


class Roadmap(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=TOOL_TITLE_MAX)
    summary: str = Field(min_length=1, max_length=1200)
    stages: list[RoadmapStage] = Field(min_length=1, max_length=12)


class BrandPillar(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    description: str = Field(min_length=1, max_length=TOOL_TEXT_MAX)


class Brand(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=TOOL_TITLE_MAX)
    positioning: str = Field(min_length=1, max_length=800)
    tagline: str = Field(min_length=1, max_length=160)
    voice: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        min_length=1, max_length=6, description="Adjectives or short phrases."
    )
    audiences: list[ToolItem] = Field(min_length=1, max_length=5)
    pillars: list[BrandPillar] = Field(min_length=1, max_length=6)
    bio_short: str = Field(min_length=1, max_length=280)
    bio_long: str = Field(min_length=1, max_length=2000)


class Content(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=TOOL_TITLE_MAX)
    channel: Literal[CONTENT_CHANNELS] = Field(description="Where it will be published.")  # type: ignore[valid-type]
    hook: str = Field(min_length=1, max_length=300, description="The opening line.")
    body: str = Field(min_length=1, max_length=TOOL_BODY_MAX)
    call_to_action: str = Field(min_length=1, max_length=300)
    hashtags: list[Annotated[str, Field(min_length=1, max_length=60)]] = Field(max_length=10)


class DocumentSection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    heading: str = Field(min_length=1, max_length=TOOL_TITLE_MAX)
    body: str = Field(min_length=1, max_length=TOOL_BODY_MAX)


class Document(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=TOOL_TITLE_MAX)
    doc_type: Literal[DOCUMENT_TYPES] = Field(description="The kind of document.")  # type: ignore[valid-type]
    sections: list[DocumentSection] = Field(min_length=1, max_length=15)


TOOL_ROADMAP = features.register(
    "coaching.tool_roadmap",
    schema=Roadmap,
    description="A career roadmap: stages with their duration, goals, skills and resources.",
    max_output_tokens=4000,
    on_finish="coaching.services.tools.artifact_generation_finished",
    entitlement="coaching.tools",
    member_context=True,
    offline="coaching.ai_offline.roadmap",
)
TOOL_BRAND = features.register(
    "coaching.tool_brand",
    schema=Brand,
    description="A personal brand: positioning, tagline, voice, audiences, pillars and bios.",
    max_output_tokens=3000,
    on_finish="coaching.services.tools.artifact_generation_finished",
    entitlement="coaching.tools",
    member_context=True,
    offline="coaching.ai_offline.brand",
)
TOOL_CONTENT = features.register(
    "coaching.tool_content",
    schema=Content,
    description="A piece of content for one channel: hook, body, call to action, hashtags.",
    max_output_tokens=3000,
    on_finish="coaching.services.tools.artifact_generation_finished",
    entitlement="coaching.tools",
    member_context=True,
    offline="coaching.ai_offline.content",
)
TOOL_DOCUMENT = features.register(
    "coaching.tool_document",
    schema=Document,
    description="A career document (CV, cover letter, bio, proposal) in sections.",
    max_output_tokens=5000,
    on_finish="coaching.services.tools.artifact_generation_finished",
    entitlement="coaching.tools",
    member_context=True,
    offline="coaching.ai_offline.document",
)

# Artifact.Kind value -> (feature, schema).
TOOL_FEATURES = {
    "roadmap": TOOL_ROADMAP,
    "brand": TOOL_BRAND,
    "content": TOOL_CONTENT,
    "document": TOOL_DOCUMENT,
}
