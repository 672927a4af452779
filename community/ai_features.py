"""The community's AI features: short reasons to connect with recommended members, and
suggestions for a member's own profile. Prompts live in
``templates/prompts/community.*/``, the answers of the offline provider in
``community/ai_offline.py``."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from ai import features

# At most this many recommended members get an AI-written reason; the rest keep the
# reason built from their overlaps (community/services/recommendations.py).
MAX_REASONS = 25
REASON_MAX_LENGTH = 160


class ConnectionReason(BaseModel):
    model_config = ConfigDict(extra="forbid")

    member_id: str = Field(
        min_length=1, max_length=36, description="The member_id of the candidate, unchanged."
    )
    reason: str = Field(
        min_length=1,
        max_length=REASON_MAX_LENGTH,
        description="One short sentence, addressed to the reader, on why to connect.",
    )


class ConnectionReasons(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reasons: list[ConnectionReason] = Field(
        min_length=1, max_length=MAX_REASONS, description="One entry per candidate."
    )


class ProfileSuggestion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: Literal["headline", "company", "position", "industry", "display_name", "focus_areas"] = (
        Field(description="The profile field to change.")
    )
    current: str = Field(max_length=300, description="Its current value (empty when unset).")
    suggested: str = Field(
        min_length=1,
        max_length=160,
        description="The new value, within the field's own length limit; focus areas "
        "as a comma-separated list.",
    )
    why: str = Field(min_length=1, max_length=300, description="One sentence: what it improves.")


class ProfileOptimization(BaseModel):
    model_config = ConfigDict(extra="forbid")

    summary: str = Field(
        min_length=1, max_length=600, description="Two or three sentences on the profile."
    )
    suggestions: list[ProfileSuggestion] = Field(min_length=1, max_length=6)
    headline_options: list[Annotated[str, Field(min_length=1, max_length=160)]] = Field(
        min_length=1, max_length=5, description="Alternative headlines, best first."
    )


CONNECTION_REASONS = features.register(
    "community.connection_reasons",
    schema=ConnectionReasons,
    description="One short sentence per recommended member on why to connect; written at "
    "most once a day per member, cached.",
    max_output_tokens=1500,
    on_finish="community.services.recommendations.connection_reasons_finished",
    member_context=True,
    offline="community.ai_offline.connection_reasons",
)

PROFILE_OPTIMIZE = features.register(
    "community.profile_optimize",
    schema=ProfileOptimization,
    description="Concrete suggestions for a member's profile, with headline options.",
    max_output_tokens=1500,
    member_context=True,
    offline="community.ai_offline.profile_optimization",
)
