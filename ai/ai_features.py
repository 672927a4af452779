"""The gateway's own features: a text summary (structured output) and a general assistant
(a streamed reply). Other apps declare theirs in their own ``ai_features.py``."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from . import features


class TextSummary(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=120, description="A short, specific title.")
    bullets: list[Annotated[str, Field(min_length=1, max_length=400)]] = Field(
        min_length=1, max_length=10, description="The key points, one sentence each."
    )


TEXT_SUMMARY = features.register(
    "ai.text_summary",
    schema=TextSummary,
    description="A title and the key points of a text.",
    max_output_tokens=1200,
)

ASSISTANT = features.register(
    "ai.assistant",
    description="A reply of the platform's assistant in a conversation, streamed.",
    max_output_tokens=1200,
    member_context=True,
)
