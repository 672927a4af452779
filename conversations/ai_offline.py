"""The offline answers of the conversations app's AI features (``offline=`` in
ai_features.py): what a laptop without an AI key shows, written from the scenario and the
difficulty so it reads like a scene-setter, not filler. Same input, same answer; odd input
falls back to sensible defaults (see coaching/ai_offline.py for the conventions)."""

from __future__ import annotations

from typing import Any

from ai.offline import Writer, cut, label

from .ai_features import (
    CHARACTER_OPENER_MAX,
    CONTEXT_TIP_MAX,
    CONTEXT_TIPS_MAX,
    OPENER_MAX,
    PARTNER_HINT_MAX,
    SITUATION_MAX,
    TITLE_MAX,
)

MOODS = {
    "green": (
        "They look relaxed and glance up with a smile now and then",
        "They seem in no hurry and open to a chat",
    ),
    "yellow": (
        "They are friendly enough but clearly in the middle of something",
        "They look a little distracted, checking the time once or twice",
    ),
    "red": (
        "They seem absorbed and give off a polite do-not-disturb air",
        "They have headphones around their neck and keep to themselves",
    ),
}
PARTNER_HINTS = {
    "green": "Expect warm, easy answers: they will pick up on almost any friendly opening.",
    "yellow": "Expect short answers at first: they warm up if you are light and show you "
    "noticed something specific.",
    "red": "Expect a brief, guarded reply: respect it, keep it low-pressure, and be ready "
    "to let it go gracefully.",
}
OPENERS = {
    "coffee_shop": (
        "That looks good. Is it worth ordering next time?",
        "Sorry to interrupt, do you know if they have oat milk here?",
        "Is this your usual spot? I'm trying to find a good place to work from.",
    ),
    "bookstore": (
        "I've been meaning to read that one. Is it as good as people say?",
        "Any chance you could recommend something from this shelf?",
        "I can never decide between two books. Which would you pick?",
    ),
    "park": (
        "Your dog has the best energy. What's their name?",
        "Do you know if the café by the lake is open today?",
        "Perfect day for it, isn't it? Do you come here often?",
    ),
    "gym": (
        "Are you using this after me, or can we share sets?",
        "That looks like a good routine. How long have you been doing it?",
        "Quick question: do you know how to adjust this machine?",
    ),
    "museum": (
        "I can't work out what this one means. What do you make of it?",
        "Have you seen the new exhibition upstairs yet?",
        "Do you have a favourite piece here? I'm looking for a recommendation.",
    ),
}
GENERIC_OPENERS = (
    "Hi, sorry to bother you. Can I ask you something quick?",
    "This place is busier than I expected. Is it always like this?",
    "I'm new around here. Any recommendations?",
)
GENERIC_TIPS = (
    "Start from something you can both see.",
    "Ask an open question, then really listen to the answer.",
    "Notice their body language and match their energy.",
)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def scenario_context(*, inputs: dict[str, Any], context: dict[str, Any] | None) -> dict:
    """The scene from the scenario's title, place and description; the partner's mood and
    the hint from the difficulty; openers for the place; the scenario's own tips first."""
    scenario = inputs.get("scenario") if isinstance(inputs.get("scenario"), dict) else {}
    difficulty = _text(inputs.get("difficulty"))
    difficulty = difficulty if difficulty in MOODS else "green"
    write = Writer("conversations.scenario_context", inputs)
    title = label(scenario.get("title"), 80) or "A chance meeting"
    place = label(scenario.get("setting_label"), 40).lower()
    where = f"at {'an' if place[0] in 'aeiou' else 'a'} {place}" if place else "out in public"
    description = cut(_text(scenario.get("description")), 400)
    situation = " ".join(
        part
        for part in (
            f"{title}: you are {where}.",
            description,
            f"{write.pick(MOODS[difficulty])}.",
        )
        if part
    )
    openers = OPENERS.get(_text(scenario.get("setting")), GENERIC_OPENERS)
    given = inputs.get("tips") if isinstance(inputs.get("tips"), list) else []
    tips = [cut(_text(tip), CONTEXT_TIP_MAX) for tip in given if _text(tip)]
    tips += [tip for tip in GENERIC_TIPS if tip not in tips]
    return {
        "situation": cut(situation, SITUATION_MAX),
        "partner_hint": cut(PARTNER_HINTS[difficulty], PARTNER_HINT_MAX),
        "suggested_openers": [cut(opener, OPENER_MAX) for opener in openers],
        "tips": tips[:CONTEXT_TIPS_MAX],
    }


NAMES = ("Alex", "Sam", "Jordan", "Maya", "Theo", "Nina", "Leo", "Priya", "Omar", "Clara")
PEOPLE = {
    "coffee_shop": ("barista on a break", "reading a paperback by the window"),
    "bookstore": ("teacher", "browsing the fiction shelves"),
    "park": ("landscape architect", "walking a friendly dog along the path"),
    "gym": ("physiotherapist", "stretching between sets"),
    "museum": ("graphic designer", "studying a large painting"),
}
GENERIC_PERSON = ("engineer", "waiting for a friend who is running late")
CHARACTER_BY_DIFFICULTY = {
    "green": ("cheerful", "open", "Warm and easy-going; enjoys meeting new people."),
    "yellow": ("busy", "neutral", "Friendly but focused on getting things done."),
    "red": ("reserved", "closed", "Private and thoughtful; takes time to open up."),
}
CHARACTER_OPENERS = {
    "green": "Oh, hi! Sorry, was I in your way?",
    "yellow": "Sorry, just a second, I'm in the middle of something.",
    "red": "Hm? Oh. Hello.",
}


def character(*, inputs: dict[str, Any], context: dict[str, Any] | None) -> dict:
    """An adult who fits the place, as open as the difficulty says."""
    scenario = inputs.get("scenario") if isinstance(inputs.get("scenario"), dict) else {}
    difficulty = _text(inputs.get("difficulty"))
    difficulty = difficulty if difficulty in CHARACTER_BY_DIFFICULTY else "green"
    write = Writer("conversations.character", inputs)
    occupation, activity = PEOPLE.get(_text(scenario.get("setting")), GENERIC_PERSON)
    mood, body_language, personality = CHARACTER_BY_DIFFICULTY[difficulty]
    return {
        "name": write.pick(NAMES),
        "age": write.between(24, 53),
        "occupation": occupation,
        "appearance": "Casual clothes and a canvas tote bag.",
        "activity": activity.capitalize() + ".",
        "personality": personality,
        "traits": ["curious", "dry sense of humour"],
        "interests": ["travel", "cooking", "live music"],
        "mood": mood,
        "speaking_style": "Short, natural sentences with the odd joke.",
        "body_language": body_language,
        "opener": cut(CHARACTER_OPENERS[difficulty], CHARACTER_OPENER_MAX),
    }


def coach_title(*, inputs: dict[str, Any], context: dict[str, Any] | None) -> dict:
    """The question itself, cut to a title's length at a word."""
    question = " ".join(_text(inputs.get("question")).split()).rstrip("?.! ")
    title = cut(question, TITLE_MAX).rstrip("?.!,;: ") or "Coaching conversation"
    return {"title": title[:1].upper() + title[1:]}


# --- feedback on a practice conversation ----------------------------------------------------

FEEDBACK_DIMENSIONS = (
    "opening_context",
    "active_listening",
    "emotional_intelligence",
    "momentum",
    "self_disclosure",
    "boundary_respect",
    "playful_flirtation",
)
FEEDBACK_RATIONALES = {
    "opening_context": "Your opening gave the other person something easy to answer.",
    "active_listening": "You picked up on what they said at times; follow up more often.",
    "emotional_intelligence": "You stayed friendly and matched their energy reasonably well.",
    "momentum": "The conversation kept moving; longer answers would give it more to build on.",
    "self_disclosure": "You shared a little about yourself; a short story would help.",
    "boundary_respect": "You kept it low-pressure and respectful.",
    "playful_flirtation": "A light touch of humour showed without pushing it.",
}
FEEDBACK_QUOTE_CHARS = 80


def _is_member_ref(ref: str) -> bool:
    """A member line's short id as the schema wants it ("u1"-"u999")."""
    return len(ref) in (2, 3, 4) and ref[0] == "u" and ref[1:].isascii() and ref[1:].isdigit()


def _member_lines(inputs: dict[str, Any]) -> list[dict[str, str]]:
    transcript = inputs.get("transcript") if isinstance(inputs.get("transcript"), list) else []
    return [
        line
        for line in transcript
        if isinstance(line, dict)
        and line.get("role") == "member"
        and _is_member_ref(_text(line.get("ref")))
        and _text(line.get("content"))
    ]


def _quote(line: dict[str, str]) -> str:
    """The line's first words, copied exactly (the server keeps only verbatim quotes)."""
    words = _text(line.get("content")).split()
    quote = ""
    for word in words:
        if len(quote) + len(word) + 1 > FEEDBACK_QUOTE_CHARS:
            break
        quote = f"{quote} {word}".strip()
    return quote or _text(line.get("content"))[:FEEDBACK_QUOTE_CHARS]


def feedback(*, inputs: dict[str, Any], context: dict[str, Any] | None) -> dict:
    """Scores from how much the member wrote and asked, each with a quote of a real member
    line; playful_flirtation null unless the input says it applies."""
    lines = _member_lines(inputs)
    write = Writer("conversations.feedback", inputs)
    questions = sum(1 for line in lines if "?" in _text(line.get("content")))
    words = sum(len(_text(line.get("content")).split()) for line in lines)
    base = 55 + min(15, len(lines) * 2) + min(10, questions * 3) + min(10, words // 20)
    dimensions = []
    for n, key in enumerate(FEEDBACK_DIMENSIONS):
        if key == "playful_flirtation" and not inputs.get("playful_applies"):
            dimensions.append({"key": key, "score": None, "rationale": "", "evidence": []})
            continue
        line = lines[n % len(lines)] if lines else None
        evidence = (
            [{"message": _text(line["ref"]), "quote": _quote(line), "effect": "positive"}]
            if line
            else []
        )
        dimensions.append(
            {
                "key": key,
                "score": max(0, min(100, base + write.between(-8, 8))) if line else None,
                "rationale": FEEDBACK_RATIONALES[key],
                "evidence": evidence,
            }
        )
    first = lines[0] if lines else None
    return {
        "dimensions": dimensions,
        "strengths": ["You kept a friendly, respectful tone.", "You made the first move."],
        "improvements": [
            {
                "dimension": "active_listening",
                "tip": "Build your next question on a detail they just mentioned.",
                "evidence": _quote(first) if first else None,
                "try_instead": "You mentioned that earlier; what got you into it?",
            }
        ],
        "key_moments": (
            [{"message": _text(first["ref"]), "note": "Your opening set the tone."}]
            if first
            else []
        ),
        "summary": "A solid practice round: you stayed friendly and kept the conversation "
        "going. Next time, follow up on what they tell you and share a little more of "
        "yourself.",
    }
