"""Moderation of what members write, before a model sees it.

With ``AI_MODERATION_API_KEY`` set, OpenAI's ``/moderations`` endpoint decides, at
``AI_MODERATION_BASE_URL`` with ``AI_MODERATION_MODEL``: a key and URL of its own, because the
chat endpoint may be OpenRouter, Gemini, vLLM or Ollama, none of which has one. Without a
key a small local rule set decides: a few unambiguous patterns per category, the same answer
for the same text, meant to catch the clearest cases on a laptop or when no moderation
provider is paid for, not to replace one.

The categories are OpenAI's names whichever source answered, so callers map one vocabulary.
An unreachable provider raises :class:`ModerationUnavailable` (503
``moderation_unavailable``): whether to refuse the text then (fail closed) or let it through
is the caller's decision, not ours.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import openai
from django.conf import settings

from core.exceptions import ServiceUnavailable

from ..providers.openai_compatible import client_for

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)

SELF_HARM = "self-harm"
SEXUAL_MINORS = "sexual/minors"
THREATS = "harassment/threatening"

# The local rule set. Each pattern is matched case-insensitively against the text; self-harm
# and threats on the text as a whole, sexual content involving minors when a word for a
# minor and a sexual word meet in one sentence (either alone is ordinary conversation).
_SELF_HARM = [
    r"\b(?:kill|hurt|harm|cut)\s+myself\b",
    r"\bsuicid(?:e|al)\b",
    r"\b(?:want|going|plan(?:ning)?)\s+to\s+die\b",
    r"\bend\s+(?:my\s+life|it\s+all)\b",
]
_THREATS = [
    r"\bi(?:'ll|\s+will|'m\s+going\s+to|\s+am\s+going\s+to|'m\s+gonna|\s+am\s+gonna)\s+"
    r"(?:kill|hurt|stab|shoot|beat\s+up|rape)\s+(?:you|u|him|her|them)\b",
    r"\byou(?:'re|\s+are)\s+(?:going\s+to|gonna)\s+die\b",
    r"\bi\s+know\s+where\s+you\s+live\b",
]
_MINOR = (
    r"\b(?:child|children|kid|kids|minor|minors|underage|under-age|preteen|pre-teen|"
    r"(?:1[0-7]|[1-9])\s*(?:yo|y/o|years?\s+old|year-old))\b"
)
_SEXUAL = r"\b(?:sex|sexual|sexy|nude|nudes|naked|porn\w*|explicit|erotic)\b"

_PATTERNS = {
    SELF_HARM: [re.compile(p, re.IGNORECASE) for p in _SELF_HARM],
    THREATS: [re.compile(p, re.IGNORECASE) for p in _THREATS],
}
_MINOR_RE = re.compile(_MINOR, re.IGNORECASE)
_SEXUAL_RE = re.compile(_SEXUAL, re.IGNORECASE)
_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True)
class ModerationResult:
    flagged: bool
    categories: list[str] = field(default_factory=list)
    source: Literal["provider", "local"] = "local"


class ModerationUnavailable(ServiceUnavailable):
    code = "moderation_unavailable"

    def __init__(self) -> None:
        super().__init__("Moderation is unavailable right now; try again shortly.")


def moderate(*, text: str, user: User) -> ModerationResult:
    """Whether ``text``, written by ``user``, breaks the rules, and in which categories
    (sorted). Raises ``ModerationUnavailable`` when the configured provider cannot answer.
    The text is never logged; a flag is, with the member's id and the categories."""
    result = _by_provider(text) if settings.AI_MODERATION_API_KEY else _by_rules(text)
    if result.flagged:
        logger.info(
            "Moderation (%s) flagged a text of user %s: %s",
            result.source,
            user.pk,
            ", ".join(result.categories),
        )
    return result


def moderate_locally(text: str) -> ModerationResult:
    """The local rule set alone, whatever is configured: cheap enough to run in a request
    before anything is stored, ahead of the provider's check where the work is queued."""
    return _by_rules(text)


def _by_rules(text: str) -> ModerationResult:
    categories = [
        category
        for category, patterns in _PATTERNS.items()
        if any(pattern.search(text) for pattern in patterns)
    ]
    if any(
        _MINOR_RE.search(sentence) and _SEXUAL_RE.search(sentence)
        for sentence in _SENTENCES.split(text)
    ):
        categories.append(SEXUAL_MINORS)
    return ModerationResult(flagged=bool(categories), categories=sorted(categories), source="local")


def _by_provider(text: str) -> ModerationResult:
    client = client_for(
        settings.AI_MODERATION_BASE_URL,
        settings.AI_MODERATION_API_KEY,
        float(settings.AI_MODERATION_TIMEOUT),
    )
    try:
        response = client.moderations.create(model=settings.AI_MODERATION_MODEL, input=text)
        [result] = response.results
        flags = result.categories.model_dump(by_alias=True)
    except (openai.OpenAIError, ValueError) as exc:
        # ValueError: a body that is not a moderation (a proxy's page, no single result).
        logger.warning("Moderation provider failed: %s", exc.__class__.__name__)
        raise ModerationUnavailable() from exc
    categories = sorted(name for name, hit in flags.items() if hit)
    return ModerationResult(
        flagged=bool(result.flagged or categories), categories=categories, source="provider"
    )
