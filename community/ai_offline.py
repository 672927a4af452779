"""The offline answers of the community's AI features (``offline=`` in ai_features.py): a
sentence per recommended member built from what the two share, and suggestions for a
profile built from what the member told us. Same input, same answer; any input, a valid
one (see coaching/ai_offline.py for the conventions)."""

from __future__ import annotations

from typing import Any

from accounts.choices import FocusArea
from ai.offline import Writer, cut, label, listing

from .ai_features import REASON_MAX_LENGTH

HEADLINE_MAX_LENGTH = 160
FIELDS = ("display_name", "headline", "company", "position", "industry")
FIELD_LIMITS = {"position": 120, "industry": 80, "focus_areas": 160}
OPENINGS = (
    "You share the goal “{goal}”",
    "Like you, they chose “{goal}”",
    "You are both working on “{goal}”",
)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _texts(value: Any) -> list[str]:
    items = value if isinstance(value, list) else []
    return [str(item).strip() for item in items if str(item).strip()]


def _lower(text: str) -> str:
    return text if text[:2].isupper() else text[:1].lower() + text[1:]


def connection_reasons(*, inputs: dict[str, Any], context: dict[str, Any] | None) -> dict:
    """One sentence per candidate, addressed to the reader, from the goals, skills and
    industry they share, else from the candidate's headline or position."""
    write = Writer("community.connection_reasons", inputs)
    reasons = []
    for candidate in map(_dict, inputs.get("candidates") or []):
        member_id = str(candidate.get("member_id") or "").strip()[:36]
        if not member_id:
            continue
        goals, skills = (
            _texts(candidate.get("shared_goals")),
            _texts(candidate.get("shared_skills")),
        )
        parts = []
        if goals:
            parts.append(write.pick(OPENINGS).replace("{goal}", cut(goals[0], 50)))
        if skills:
            practice = listing(_lower(skill) for skill in skills[:2])
            parts.append(f"both practise {practice}" if goals else f"You both practise {practice}")
        if candidate.get("same_industry") and candidate.get("industry"):
            industry = cut(candidate["industry"], 40)
            parts.append(
                f"they work in {industry} too" if parts else f"They work in {industry} too"
            )
        if not parts:
            about = label(candidate.get("headline") or candidate.get("position"), 80)
            parts.append(
                f"Worth meeting for their work: “{about}”"
                if about
                else "They are active in the community"
            )
        text = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])}, and {parts[-1]}"
        reasons.append({"member_id": member_id, "reason": _sentence(text, REASON_MAX_LENGTH)})
    if not reasons:
        reasons.append({"member_id": "none", "reason": "No member to introduce yet."})
    return {"reasons": reasons}


def _focus_areas(text: str) -> list[str]:
    """The profile's focus areas (``accounts.choices.FocusArea``) that ``text`` names."""
    text = text.lower()
    return [
        str(name)
        for value, name in FocusArea.choices
        if value.replace("_", " ") in text or str(name).lower() in text
    ]


def _upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _sentence(text: str, limit: int) -> str:
    text = text[:1].upper() + text[1:]
    if len(text) + 1 > limit:
        text = cut(text, limit - 1)
    return text + "."


def profile_optimization(*, inputs: dict[str, Any], context: dict[str, Any] | None) -> dict:
    """A headline first (always), then the empty fields worth filling, each from the
    member's own position, goals, skills and focus; three headline options."""
    profile = _dict(inputs.get("profile"))
    current = {name: str(profile.get(name) or "") for name in FIELDS}
    current["focus_areas"] = ", ".join(_texts(profile.get("focus_areas")))
    goals, skills = _texts(inputs.get("goals")), _texts(inputs.get("skills"))
    focus = label(inputs.get("focus"), 80)
    role = label(current["position"] or current["headline"], 60) or "Professional"
    strengths = listing(_lower(skill) for skill in skills[:2]) or "what you do best"
    aim = label(goals[0], 60) if goals else focus
    options = [
        " | ".join(part for part in (role, _upper(strengths) if skills else "", aim) if part),
        f"{role} focused on {strengths}",
        f"{role}, open to new contacts" + (f": {_lower(aim)}" if aim else ""),
    ]
    options = [cut(option, HEADLINE_MAX_LENGTH) for option in options]
    suggestions = [
        {
            "field": "headline",
            "current": current["headline"][:300],
            "suggested": options[0],
            "why": "A headline that says what you do and what you are after gets the right "
            "members to write.",
        }
    ]
    if not current["position"] and role != "Professional":
        suggestions.append(_suggest("position", current, role, "Members search by position."))
    areas = _focus_areas(" ".join([*goals, *skills, focus]))
    if not current["focus_areas"] and areas:
        suggestions.append(
            _suggest(
                "focus_areas",
                current,
                ", ".join(areas),
                "Focus areas tell members what to ask you.",
            )
        )
    summary = " ".join(
        [
            "Your headline is the first thing members read, so it carries most of the work."
            if current["headline"]
            else "Your profile has no headline yet, which is what members read first.",
            f"Naming {strengths}"
            + (f" and what you are after (“{aim}”)" if aim else "")
            + " helps the right members find you.",
        ]
    )
    return {
        "summary": cut(summary, 600),
        "suggestions": suggestions,
        "headline_options": options,
    }


def _suggest(field: str, current: dict[str, str], value: str, why: str) -> dict[str, str]:
    return {
        "field": field,
        "current": current[field][:300],
        "suggested": cut(value, FIELD_LIMITS[field]) or value[:1],
        "why": why,
    }
