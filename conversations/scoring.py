"""The scoring of a practice conversation, done by the server from the grader's answer
(``conversations.feedback``): pure functions, no database, so every rule is unit-tested.

The grader proposes a 0-100 score per dimension with evidence quoted from the transcript;
the server decides what counts:

- evidence stays only when its quote is found (whitespace-normalised, case-insensitive) in
  the member line it names; a partner line never counts, whatever the grader says;
- a scored dimension left without evidence is clamped to ``LOW_CONFIDENCE_CAP`` and marked
  ``low_confidence``;
- ``playful_flirtation`` is not scored on green, nor on a scenario that is not romantic;
- the overall score is the weighted mean (``WEIGHTS``, per difficulty) of the scored
  dimensions, capped at ``BOUNDARY_CAPPED_OVERALL`` when boundary respect is below
  ``BOUNDARY_MIN``; the band follows from it (``BANDS``). The grader's own totals are
  never read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

RUBRIC_VERSION = "2026-12"

OPENING_CONTEXT = "opening_context"
ACTIVE_LISTENING = "active_listening"
EMOTIONAL_INTELLIGENCE = "emotional_intelligence"
MOMENTUM = "momentum"
SELF_DISCLOSURE = "self_disclosure"
BOUNDARY_RESPECT = "boundary_respect"
PLAYFUL_FLIRTATION = "playful_flirtation"
DIMENSIONS = (
    OPENING_CONTEXT,
    ACTIVE_LISTENING,
    EMOTIONAL_INTELLIGENCE,
    MOMENTUM,
    SELF_DISCLOSURE,
    BOUNDARY_RESPECT,
    PLAYFUL_FLIRTATION,
)

# Weight of each dimension per difficulty; None: not scored at that difficulty.
WEIGHTS: dict[str, dict[str, int | None]] = {
    "green": {
        OPENING_CONTEXT: 20,
        ACTIVE_LISTENING: 25,
        EMOTIONAL_INTELLIGENCE: 15,
        MOMENTUM: 20,
        SELF_DISCLOSURE: 10,
        BOUNDARY_RESPECT: 10,
        PLAYFUL_FLIRTATION: None,
    },
    "yellow": {
        OPENING_CONTEXT: 15,
        ACTIVE_LISTENING: 20,
        EMOTIONAL_INTELLIGENCE: 20,
        MOMENTUM: 20,
        SELF_DISCLOSURE: 10,
        BOUNDARY_RESPECT: 10,
        PLAYFUL_FLIRTATION: 5,
    },
    "red": {
        OPENING_CONTEXT: 10,
        ACTIVE_LISTENING: 15,
        EMOTIONAL_INTELLIGENCE: 20,
        MOMENTUM: 20,
        SELF_DISCLOSURE: 10,
        BOUNDARY_RESPECT: 10,
        PLAYFUL_FLIRTATION: 15,
    },
}
DEFAULT_DIFFICULTY = "green"

LOW_CONFIDENCE_CAP = 60
BOUNDARY_MIN = 50
BOUNDARY_CAPPED_OVERALL = 49

BANDS = (
    (90, "Exceptional"),
    (80, "Excellent"),
    (70, "Good"),
    (60, "Developing"),
    (50, "Needs practice"),
    (0, "Learning mode"),
)

XP_BASE = 20

# The onboarding skill (accounts.choices.Skill) each dimension feeds.
SKILL_OF_DIMENSION = {
    OPENING_CONTEXT: "conversation_starters",
    ACTIVE_LISTENING: "active_listening",
    EMOTIONAL_INTELLIGENCE: "empathy",
    MOMENTUM: "flow_maintenance",
    SELF_DISCLOSURE: "storytelling",
    BOUNDARY_RESPECT: "reading_signals",
    PLAYFUL_FLIRTATION: "humor",
}
SKILLS = tuple(SKILL_OF_DIMENSION.values())

MEMBER = "member"
_SPACES = re.compile(r"\s+")
# What a grader wraps a quote in: quotation marks, ellipses.
_WRAPPING = " \t\n\"'“”‘’«»….`"


def band_for(score: int | None) -> str | None:
    if score is None:
        return None
    for floor, name in BANDS:
        if score >= floor:
            return name
    return BANDS[-1][1]


def normalise(text: str) -> str:
    return _SPACES.sub(" ", text or "").strip().casefold()


def quote_in(quote: str, content: str) -> bool:
    """``quote`` appears in ``content``, ignoring case, runs of whitespace and the quotation
    marks or ellipsis around it."""
    needle = normalise((quote or "").strip(_WRAPPING))
    return bool(needle) and needle in normalise(content)


def playful_applies(difficulty: str, target: str | None) -> bool:
    return difficulty != "green" and target == "romantic"


def weights_for(difficulty: str) -> dict[str, int | None]:
    return WEIGHTS.get(difficulty, WEIGHTS[DEFAULT_DIFFICULTY])


def overall_score(scores: dict[str, int | None], difficulty: str) -> tuple[int | None, bool]:
    """The weighted mean of the scored dimensions (rounded half up), and whether the
    boundary cap applied."""
    weights = weights_for(difficulty)
    total = weight_sum = 0
    for key, score in scores.items():
        weight = weights.get(key)
        if score is None or not weight:
            continue
        total += weight * score
        weight_sum += weight
    if not weight_sum:
        return None, False
    # Rounded half up (62.5 -> 63), in integers: no float, no banker's rounding.
    overall = (2 * total + weight_sum) // (2 * weight_sum)
    boundary = scores.get(BOUNDARY_RESPECT)
    capped = boundary is not None and boundary < BOUNDARY_MIN
    if capped:
        overall = min(overall, BOUNDARY_CAPPED_OVERALL)
    return overall, capped


def xp_for(overall: int | None, *, capped: bool) -> int:
    """``XP_BASE`` for a scored conversation, plus a tenth of the score when boundaries were
    respected; nothing when nothing was scored."""
    if overall is None:
        return 0
    return XP_BASE + (0 if capped else overall // 10)


@dataclass(frozen=True)
class Line:
    ref: str
    role: str
    content: str
    message_id: str


@dataclass
class Scored:
    dimensions: dict[str, dict[str, Any]]
    overall: int | None
    band: str
    capped: bool
    xp: int
    strengths: list[str] = field(default_factory=list)
    improvements: list[dict[str, Any]] = field(default_factory=list)
    key_moments: list[dict[str, Any]] = field(default_factory=list)
    summary: str = ""
    dropped_evidence: int = 0

    def scores(self) -> dict[str, int | None]:
        return {key: value["score"] for key, value in self.dimensions.items()}


def lines_of(transcript: list[dict[str, Any]]) -> dict[str, Line]:
    """The transcript of the generation's input, by short id."""
    lines = {}
    for item in transcript or []:
        if not isinstance(item, dict) or not item.get("ref"):
            continue
        lines[str(item["ref"])] = Line(
            ref=str(item["ref"]),
            role=str(item.get("role", "")),
            content=str(item.get("content", "")),
            message_id=str(item.get("message_id", "")),
        )
    return lines


def _verified(evidence: list[dict[str, Any]], lines: dict[str, Line]) -> list[dict[str, Any]]:
    kept = []
    for item in evidence or []:
        line = lines.get(str(item.get("message", "")))
        quote = str(item.get("quote") or "")
        if line is None or line.role != MEMBER or not quote_in(quote, line.content):
            continue
        kept.append(
            {
                "message_id": line.message_id,
                "quote": quote.strip(_WRAPPING),
                "effect": item.get("effect", "positive"),
            }
        )
    return kept


def _score(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return max(0, min(100, value))


def score_report(
    report: dict[str, Any],
    *,
    transcript: list[dict[str, Any]],
    difficulty: str,
    target: str | None,
) -> Scored:
    """The server's scoring of the grader's ``report`` (the feature's validated output)
    against the ``transcript`` it was given."""
    lines = lines_of(transcript)
    proposed = {}
    for item in report.get("dimensions") or []:
        key = item.get("key")
        if key in DIMENSIONS and key not in proposed:
            proposed[key] = item
    playful = playful_applies(difficulty, target)
    dimensions: dict[str, dict[str, Any]] = {}
    dropped = 0
    for key in DIMENSIONS:
        item = proposed.get(key, {})
        score = _score(item.get("score"))
        if key == PLAYFUL_FLIRTATION and not playful:
            score = None
        evidence = _verified(item.get("evidence") or [], lines) if score is not None else []
        dropped += len(item.get("evidence") or []) - len(evidence) if score is not None else 0
        low_confidence = score is not None and not evidence
        if low_confidence:
            score = min(score, LOW_CONFIDENCE_CAP)
        dimensions[key] = {
            "score": score,
            "band": band_for(score),
            "rationale": str(item.get("rationale") or "") if score is not None else "",
            "evidence": evidence,
            "low_confidence": low_confidence,
        }
    scores = {key: value["score"] for key, value in dimensions.items()}
    overall, capped = overall_score(scores, difficulty)
    member_lines = [line for line in lines.values() if line.role == MEMBER]
    improvements = []
    for item in report.get("improvements") or []:
        if item.get("dimension") == PLAYFUL_FLIRTATION and not playful:
            continue
        quote = item.get("evidence")
        if quote and not any(quote_in(quote, line.content) for line in member_lines):
            quote = None
        improvements.append(
            {
                "dimension": item.get("dimension"),
                "tip": item.get("tip", ""),
                "evidence": quote.strip(_WRAPPING) if quote else None,
                "try_instead": item.get("try_instead", ""),
            }
        )
    key_moments = [
        {"message_id": lines[item["message"]].message_id, "note": item.get("note", "")}
        for item in report.get("key_moments") or []
        if item.get("message") in lines
    ]
    return Scored(
        dimensions=dimensions,
        overall=overall,
        band=band_for(overall) or "",
        capped=capped,
        xp=xp_for(overall, capped=capped),
        strengths=[str(text) for text in report.get("strengths") or []],
        improvements=improvements,
        key_moments=key_moments,
        summary=str(report.get("summary") or ""),
        dropped_evidence=dropped,
    )
