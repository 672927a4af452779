"""The conversations app's AI features. Prompts live in ``templates/prompts/conversations.*/``,
the answers of the offline provider in ``conversations/ai_offline.py``."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

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
