"""The offline answers of coaching's AI features (``offline=`` in ai_features.py): what a
laptop without an AI key shows, written from the request and the member's context so that
it reads like a coach's first draft, not like filler.

Each function takes the generation's ``inputs`` and the member ``context`` (ai/context.py;
``None`` when there is none) and returns a dict valid for its feature's schema. Choices are
drawn by ``ai.offline.Writer`` seeded with the input, so the same request gets the same
answer. Nothing here may fail on odd input: a missing or malformed field falls back to a
sensible default.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from ai.offline import (
    Writer,
    cut,
    date_from,
    humanise,
    label,
    listing,
    paragraph,
    sentence,
    spread,
    topic,
)

from .ai_features import (
    PLAN_DUE_IN_DAYS_MAX,
    TOOL_BODY_MAX,
    TOOL_ITEM_MAX,
    TOOL_TEXT_MAX,
    TOOL_TITLE_MAX,
)

ARCHETYPES = {
    "strategic_builder": (
        "strategic builder",
        "you plan before you act and build systems that keep working without you",
    ),
    "creative_storyteller": (
        "creative storyteller",
        "you make ideas land by turning them into stories people remember",
    ),
    "people_connector": (
        "people connector",
        "you bring people together and make work move through relationships",
    ),
    "analytical_optimizer": (
        "analytical optimiser",
        "you measure what matters and keep improving it step by step",
    ),
}
LEARNING = {
    "hands_on": "Try it on a real task first, then take five minutes to note what you learned.",
    "structured_course": "Follow one short, structured lesson, then apply it the same week.",
    "community": "Do it with a peer or a small group, and compare notes afterwards.",
    "reading": "Read one practical guide or chapter first, then apply a single idea from it.",
}
PACE = {
    "Every day": "ten focused minutes a day",
    "A few times a week": "two or three short sessions a week",
    "Once a week": "one longer session a week",
    "Now and then": "a session whenever your week allows, at least every other week",
}
DEFAULT_PLAN_DAYS = 84
MIN_PLAN_DAYS = 28
DEFAULT_ROADMAP_MONTHS = 6
WEEKS_PER_MONTH = 52 / 12


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _texts(value: Any) -> list[str]:
    return [str(item).strip() for item in _list(value) if str(item).strip()]


def _goal_titles(inputs: dict[str, Any], context: dict[str, Any]) -> list[str]:
    """The member's goals: the request's, else the active ones of their context."""
    titles = [str(_dict(goal).get("title", "")).strip() for goal in _list(inputs.get("goals"))]
    if not any(titles):
        titles = [
            str(goal.get("title", "")).strip()
            for goal in map(_dict, _list(context.get("goals")))
            if goal.get("status", "active") == "active"
        ]
    return [title for title in titles if title]


def _learning_tip(style: Any) -> str:
    return LEARNING.get(str(style or ""), "Pick the way of practising that has worked for you.")


def _pace(context: dict[str, Any]) -> str:
    frequency = _dict(context.get("onboarding")).get("practice_frequency", "")
    return PACE.get(str(frequency), "two or three short sessions a week")


def _archetype(value: Any) -> tuple[str, str]:
    name = str(value or "")
    if name in ARCHETYPES:
        return ARCHETYPES[name]
    return (humanise(name) or "balanced profile", "you draw on several strengths at once")


def _skills(context: dict[str, Any]) -> list[str]:
    return _texts(_dict(context.get("onboarding")).get("skills"))


# --- assessment analysis ------------------------------------------------------------------


def assessment_analysis(*, inputs: dict[str, Any], context: dict[str, Any] | None) -> dict:
    """An analysis built from the scores: the highest are strengths, the lowest growth
    areas, the archetype explained, AI advice by interest and learning style."""
    write = Writer("coaching.assessment_analysis", inputs)
    scores = [
        (humanise(_dict(item).get("dimension")), _number(_dict(item).get("score")))
        for item in _list(inputs.get("scores"))
    ]
    traits = sorted(
        (
            (name, score)
            for name, score in scores
            if name and not name.startswith("learning") and name != "ai interest"
        ),
        key=lambda item: (-item[1], item[0]),
    )
    name, meaning = _archetype(inputs.get("archetype"))
    interest = _number(inputs.get("ai_interest"))
    style = str(inputs.get("learning_style") or "")
    top = traits[:2] or [(name, 0)]
    low = [item for item in reversed(traits[-2:]) if item not in top]
    strengths = [f"{_practice(n).capitalize()} ({s} of 100)" for n, s in top] + [
        cut(sentence(meaning), 200)
    ]
    growth = [f"More practice in {_practice(n)} ({s} of 100)" for n, s in low] or [
        "Making your strengths visible to the people you work with"
    ]
    low = low or [("sharing your work", 0)]
    summary = paragraph(
        f"You come out as a {name}: {meaning}",
        f"Your strongest results are in {listing(_practice(n) for n, _ in top)}",
        f"There is most room to grow in {listing(_practice(n) for n, _ in low)}",
        f"Your interest in AI is {interest} of 100, and you learn best {_style_phrase(style)}",
        limit=1200,
    )
    goals = [
        {
            "title": cut(f"Get more practice in {_practice(n)}", 200),
            "description": paragraph(
                f"Pick one situation a week where {_practice(n)} matters and try one new approach",
                _learning_tip(style),
                limit=600,
            ),
            "confidence": write.fraction(0.6, 0.85),
        }
        for n, _ in low
    ]
    goals.append(
        {
            "title": cut(f"Use AI in {_practice(top[0][0])} once a week", 200),
            "description": paragraph(
                f"Choose a recurring task in {_practice(top[0][0])} and let an AI assistant "
                "draft the first version",
                "Keep what helps and write down what does not",
                limit=600,
            ),
            "confidence": write.fraction(0.5, 0.75),
        }
    )
    goals.sort(key=lambda goal: -goal["confidence"])
    return {
        "summary": summary,
        "strengths": [cut(item, 200) for item in strengths][:6],
        "growth_areas": [cut(item, 200) for item in growth][:6],
        "archetype_insight": paragraph(
            f"As a {name}, {meaning}",
            "Lean on that in the work you choose, and pair up with people whose strengths "
            "differ from yours for the rest",
            limit=800,
        ),
        "ai_learning_advice": paragraph(_ai_advice(interest), _learning_tip(style), limit=800),
        "suggested_goals": goals[:5],
    }


# What a member practises to grow in an archetype's dimension.
DIMENSION_PRACTICE = {
    "strategic builder": "planning and building systems",
    "creative storyteller": "storytelling",
    "people connector": "connecting people",
    "analytical optimizer": "measuring and improving",
}


def _practice(dimension: str) -> str:
    return DIMENSION_PRACTICE.get(dimension, dimension)


def _number(value: Any) -> int:
    try:
        return max(0, min(100, int(value)))
    except (TypeError, ValueError):
        return 0


def _style_phrase(style: str) -> str:
    return {
        "hands_on": "by trying things out yourself",
        "structured_course": "with a structured course",
        "community": "together with others",
        "reading": "by reading guides and articles",
    }.get(style, "in your own way")


def _ai_advice(interest: int) -> str:
    if interest >= 70:
        return (
            "You are keen on AI: set yourself a small project where an assistant does real "
            "work for you, and review its output critically"
        )
    if interest >= 40:
        return (
            "Start with one everyday task, such as drafting an email or summarising notes, "
            "and use an AI assistant for it for two weeks"
        )
    return (
        "Begin gently: watch one short demo of an AI assistant on a task you know well, "
        "then try the same prompt yourself"
    )


# --- development plans --------------------------------------------------------------------

PHASE_ARCS = {
    3: ("Foundations", "Practice", "Consolidate"),
    4: ("Foundations", "Practice", "Stretch", "Consolidate"),
}
PHASE_DESCRIPTIONS = {
    "Foundations": "Get clear on where you stand with {topic} and make room for it in your week.",
    "Practice": "Work on {topic} in real situations, small enough to do this week.",
    "Stretch": "Take on a bigger challenge in {topic} and ask for honest feedback.",
    "Consolidate": "Turn what worked for {topic} into habits and decide what comes next.",
}
MILESTONES = {
    "Foundations": (
        "A clear picture of {topic}",
        "A baseline for {topic}",
        "Time for {topic} in your calendar",
    ),
    "Practice": (
        "First real attempt at {topic}",
        "Feedback on {topic} collected",
        "{Topic} as a weekly routine",
    ),
    "Stretch": (
        "A bigger challenge in {topic} taken on",
        "Someone else learning {topic} from you",
        "A setback in {topic} turned into a lesson",
    ),
    "Consolidate": (
        "Progress on {topic} reviewed",
        "Habits for {topic} that stick",
        "Next steps for {topic} chosen",
    ),
}
# (title, how to do it)
ACTIONS = (
    (
        "Write down what success in {topic} looks like for you",
        "Half a page is enough: what will be different, and how will you notice?",
    ),
    (
        "Block {sessions} in your calendar for {topic}",
        "Treat them like meetings: a fixed time and one clear aim for each.",
    ),
    (
        "Ask someone you trust for feedback on {topic}",
        "Ask one precise question: what should you keep doing, and what should change?",
    ),
    (
        "Try {topic} on a real task this week",
        "Choose something small with a real audience, so that the result matters.",
    ),
    (
        "Note what worked and what to change about {topic}",
        "Three lines: what happened, what you learned, what you will try next.",
    ),
    (
        "Find one practical guide on {topic} and apply one idea",
        "Skip what you will not use and pick the one idea you can try tomorrow.",
    ),
    (
        "Share one thing you learned about {topic} with a colleague",
        "Explaining it is the quickest way to find out what you really understood.",
    ),
    (
        "Pick the next small step for {topic}",
        "Small enough for one session, written where you will see it.",
    ),
)


def development_plan(*, inputs: dict[str, Any], context: dict[str, Any] | None) -> dict:
    """A plan of three or four phases, two or three milestones each and two to four actions
    per milestone, on the focus, the goals and the growth areas; due dates spread evenly
    from the start to the horizon (the furthest goal's target date, else twelve weeks)."""
    context = context or {}
    write = Writer("coaching.development_plan", inputs)
    assessment = _dict(inputs.get("assessment"))
    goals = _goal_titles(inputs, context)
    focus = str(inputs.get("focus") or "").strip()
    growth = _texts(assessment.get("growth_areas"))
    topics = _unique([focus, *goals, *growth, *_skills(context)]) or ["your development"]
    start = date_from(inputs.get("starts_on"), date_from(context.get("today"), _today()))
    horizon = _plan_days(start, inputs.get("goals"))
    weeks = max(1, round(horizon / 7))
    phase_count = 4 if horizon >= 6 * 7 and write.between(0, 1) else 3
    arcs = PHASE_ARCS[phase_count]
    shape = [[write.between(2, 4) for _ in range(write.between(2, 3))] for _ in arcs]
    # One action a day at most, so due dates always move forward.
    while sum(map(sum, shape)) > horizon:
        shape = [[max(2, count - 1) for count in milestone] for milestone in shape]
        if all(count == 2 for milestone in shape for count in milestone):
            break
    total = sum(map(sum, shape))
    style = assessment.get("learning_style")
    pace = _pace(context)
    due = iter(math.ceil((n + 1) * horizon / total) for n in range(total))
    phases = []
    for order, (arc, milestones) in enumerate(zip(arcs, shape, strict=True)):
        subject = topics[order % len(topics)]
        phase_topic = topic(subject)
        drafts = []
        titles = write.several(MILESTONES[arc], len(milestones))
        for milestone_title, count in zip(titles, milestones, strict=True):
            actions = [
                {
                    "title": cut(_fill(title, phase_topic), 200),
                    "description": paragraph(how, _learning_tip(style) if n == 0 else ""),
                    "due_in_days": min(next(due), PLAN_DUE_IN_DAYS_MAX),
                }
                for n, (title, how) in enumerate(write.several(ACTIONS, count))
            ]
            drafts.append(
                {
                    "title": cut(_fill(milestone_title, phase_topic), 200),
                    "description": sentence(
                        f"Reached when its {len(actions)} steps are done, at {pace}"
                    ),
                    "due_in_days": actions[-1]["due_in_days"],
                    "actions": actions,
                }
            )
        phases.append(
            {
                "title": cut(f"{arc}: {label(subject, 150)}", 200),
                "description": _fill(PHASE_DESCRIPTIONS[arc], phase_topic),
                "milestones": drafts,
            }
        )
    name, _ = _archetype(assessment.get("archetype"))
    strengths = _texts(assessment.get("strengths"))
    main = label(topics[0], 150)
    summary = paragraph(
        f"A {weeks}-week plan towards {listing(topic(goal) for goal in goals[:3])}"
        if goals
        else f"A {weeks}-week plan for {topic(main)}",
        f"It starts on {start.isoformat()} and builds on your strengths as a {name}"
        + (f" ({listing(topic(s) for s in strengths[:2])})" if strengths else ""),
        f"It gives room to {listing(topic(g) for g in growth[:2])}" if growth else "",
        f"The steps are sized for {pace}",
        limit=1500,
    )
    return {
        "title": cut(f"{main}: a {weeks}-week plan", 200),
        "summary": summary,
        "phases": phases,
        "recommendations": _plan_recommendations(write, growth, topics, style),
    }


def _today() -> dt.date:
    return timezone.now().astimezone(dt.UTC).date()


def _plan_days(start: dt.date, goals: Any) -> int:
    targets = [date_from(_dict(goal).get("target_date"), start) for goal in _list(goals)]
    furthest = max((target - start).days for target in targets) if targets else 0
    days = furthest if furthest > 0 else DEFAULT_PLAN_DAYS
    return max(MIN_PLAN_DAYS, min(days, PLAN_DUE_IN_DAYS_MAX))


def _plan_recommendations(write: Writer, growth: list[str], topics: list[str], style: Any):
    items = [
        {
            "kind": "goal",
            "title": cut(f"Get better at {topic(area)}".replace("“", "").replace("”", ""), 200),
            "description": paragraph(
                f"A goal of its own keeps {topic(area)} in view after this plan", limit=600
            ),
            "confidence": write.fraction(0.55, 0.8),
        }
        for area in growth[:2]
    ]
    items.append(
        {
            "kind": "action",
            "title": cut(f"Find a mentor for {topic(topics[0])}", 200),
            "description": paragraph(
                "Someone a few steps ahead of you can shorten the way", _learning_tip(style)
            ),
            "confidence": write.fraction(0.5, 0.75),
        }
    )
    return sorted(items, key=lambda item: -item["confidence"])


def _fill(template: str, subject: str) -> str:
    sessions = "two sessions this week"
    text = template.replace("{Topic}", subject[:1].upper() + subject[1:])
    return text.replace("{topic}", subject).replace("{sessions}", sessions)


def _unique(values: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    unique = []
    for value in values:
        key = value.strip().lower()
        if key and key not in seen:
            seen.add(key)
            unique.append(value.strip())
    return unique


# --- AI tools -----------------------------------------------------------------------------

# (title, what the member can do at the end, what they learn, where to learn it); {role}
# is the target role.
ROADMAP_STAGES = (
    (
        "Explore what a {role} does",
        "Explain the day-to-day of a {role} to a friend",
        ("How {role} work is organised", "The vocabulary of the field"),
        "Interviews or podcasts with people working as a {role}",
    ),
    (
        "Learn the core skills of a {role}",
        "Use the core methods of a {role} on a small exercise",
        ("The fundamentals of the role", "The everyday tools of a {role}"),
        "An introductory course for an aspiring {role}",
    ),
    (
        "Practise {role} work on real problems",
        "Finish one small real project as a {role} would",
        ("Applying the fundamentals", "Asking for and using feedback"),
        "A volunteer, side or internal project",
    ),
    (
        "Build a portfolio of {role} work",
        "Show two pieces of work that prove what you can do",
        ("Documenting your work", "Telling the story behind a result"),
        "Portfolio examples from people already in the role",
    ),
    (
        "Get visible as an aspiring {role}",
        "Have ten conversations with people in the field",
        ("Networking with purpose", "Writing about your work"),
        "A professional community or meetup for the field",
    ),
    (
        "Apply for {role} roles and interview",
        "Apply to roles that fit and get through interviews",
        ("Interviewing", "Negotiating an offer"),
        "A practice-interview partner or group",
    ),
)
# Which stages a roadmap of n stages takes, in order.
ROADMAP_PICK = {3: (1, 2, 5), 4: (0, 1, 2, 5), 5: (0, 1, 2, 3, 5), 6: (0, 1, 2, 3, 4, 5)}


def roadmap(*, inputs: dict[str, Any], context: dict[str, Any] | None) -> dict:
    """Three to six stages towards the target role whose weeks add up to the horizon asked
    for (six months when none is), each with goals, skills and resources."""
    context = context or {}
    options = _dict(inputs.get("options"))
    prompt = str(inputs.get("prompt") or "")
    role = inline(label(options.get("target_role") or prompt, 80)) or "professional"
    months = _bounded(options.get("horizon_months"), 1, 36, DEFAULT_ROADMAP_MONTHS)
    weeks = max(3, round(months * WEEKS_PER_MONTH))
    count = min(6, max(3, months // 3 + 1))
    durations = spread(weeks, count)
    known = _skills(context)
    stages = []
    for n, (index, length) in enumerate(zip(ROADMAP_PICK[count], durations, strict=True)):
        title, goal, learned, resource = (_with_role(part, role) for part in ROADMAP_STAGES[index])
        skills = [cut(item, TOOL_ITEM_MAX) for item in learned]
        if known:
            skills.append(cut(f"{known[n % len(known)]} at work", TOOL_ITEM_MAX))
        stages.append(
            {
                "title": cut(title, TOOL_TITLE_MAX),
                "duration_weeks": length,
                "goals": [cut(f"By week {sum(durations[: n + 1])}: {inline(goal)}", TOOL_ITEM_MAX)],
                "skills": skills,
                "resources": [cut(resource, TOOL_ITEM_MAX)],
            }
        )
    level = _dict(context.get("onboarding")).get("experience_level")
    return {
        "title": cut(f"Roadmap to {role} in {months} months", TOOL_TITLE_MAX),
        "summary": paragraph(
            f"A {months}-month path to {role}, in {count} stages of "
            f"{durations[0]} to {durations[-1]} weeks",
            f"It starts from what you asked: {cut(prompt, 300)}" if prompt else "",
            f"It assumes you start at {str(level).lower()} level" if level else "",
            f"Each stage is planned for {_pace(context)}",
            limit=1200,
        ),
        "stages": stages,
    }


def _with_role(part: str | tuple[str, ...], role: str) -> Any:
    if isinstance(part, tuple):
        return tuple(item.replace("{role}", role) for item in part)
    return part.replace("{role}", role)


def inline(text: str) -> str:
    """``text`` inside a sentence: its first letter in lower case, unless it starts an
    acronym ("UX designer" stays)."""
    text = str(text or "").strip()
    if len(text) > 1 and text[:2].isupper():
        return text
    return text[:1].lower() + text[1:]


def _bounded(value: Any, low: int, high: int, default: int) -> int:
    try:
        return max(low, min(high, int(value)))
    except (TypeError, ValueError):
        return default


VOICES = {
    "supportive": ["warm", "encouraging", "clear"],
    "direct": ["direct", "concise", "confident"],
    "analytical": ["precise", "evidence-based", "calm"],
    "motivational": ["energetic", "optimistic", "bold"],
}
TAGLINES = (
    "{theme}, from someone who made the move",
    "Practical {theme} for people changing careers",
    "Learning {theme} in public, one step at a time",
)


def brand(*, inputs: dict[str, Any], context: dict[str, Any] | None) -> dict:
    """A brand platform from the request: positioning, tagline, voice, audiences, pillars
    on the member's focus areas and skills, and two bios with placeholders for facts."""
    context = context or {}
    write = Writer("coaching.tool_brand", inputs)
    prompt = str(inputs.get("prompt") or "")
    audience = label(_dict(inputs.get("options")).get("audience"), 100)
    who = label(prompt, 200) or "A professional changing careers"
    preferences = _dict(context.get("preferences"))
    style = str(preferences.get("coaching_style") or "").lower()
    themes = _unique([*_texts(preferences.get("focus_areas")), *_skills(context)]) or [
        "Career change",
        "Lessons from a first career",
        "Practical advice",
    ]
    audiences = _unique(
        [audience, "Hiring managers in your target field", "Peers making a similar move"]
    )
    voice = VOICES.get(style) or write.pick(list(VOICES.values()))
    tagline = write.pick(TAGLINES).replace("{theme}", inline(label(themes[0], 60)))
    return {
        "title": cut(f"Personal brand: {label(who, 120)}", TOOL_TITLE_MAX),
        "positioning": paragraph(
            who,
            f"You help {inline(audiences[0])} with {listing(inline(t) for t in themes[:2])}",
            "What sets you apart is the view you bring from your previous career",
            limit=800,
        ),
        "tagline": cut(tagline[:1].upper() + tagline[1:], 160),
        "voice": voice,
        "audiences": [cut(item, TOOL_ITEM_MAX) for item in audiences[:3]],
        "pillars": [
            {
                "name": cut(label(theme, 100), 100),
                "description": paragraph(
                    f"Share what you are learning about {inline(theme)}, with one concrete "
                    "example each time",
                    limit=TOOL_TEXT_MAX,
                ),
            }
            for theme in themes[:3]
        ],
        "bio_short": paragraph(
            who, f"Writing about {listing(inline(t) for t in themes[:2])}", limit=280
        ),
        "bio_long": paragraph(
            who,
            "Before this, [your previous role] at [your previous employer]",
            f"Now focused on {listing(inline(t) for t in themes[:3])}",
            f"Talks to {inline(audiences[0])} about the move and what it takes",
            limit=2000,
        ),
    }


HOOKS = (
    "{subject}: what nobody told me.",
    "{subject}. Three things I would tell anyone starting out.",
    "I got {subject_inline} wrong at first. Here is what changed.",
)
POINTS = (
    "Start small: one step this week beats a perfect plan.",
    "Write down what happened, not only what you intended.",
    "Ask one person for feedback before you call it done.",
)
CALLS = {
    "linkedin": "What has your experience been? Tell me in the comments.",
    "blog": "Try one of these this week and tell me how it went.",
    "newsletter": "Reply to this email with the one you will try first.",
    "x": "Which one would you add?",
}
STOP_WORDS = frozenset(
    "about after also been before from have into just like more most much only over some "
    "such than that their them then there these they this those through very what when "
    "which while with your first month week year lessons learning things".split()
)


def content(*, inputs: dict[str, Any], context: dict[str, Any] | None) -> dict:
    """A piece for the channel asked: a hook, a body shaped for it (an x post fits 280
    characters with its hook), a call to action and hashtags from the subject."""
    write = Writer("coaching.tool_content", inputs)
    options = _dict(inputs.get("options"))
    channel = str(options.get("channel") or "linkedin")
    if channel not in CALLS:
        channel = "linkedin"
    prompt = str(inputs.get("prompt") or "")
    subject = label(prompt, 100) or "What I am learning"
    hook = write.pick(HOOKS).replace("{subject_inline}", inline(subject))
    hook = cut(hook.replace("{subject}", subject), 300)
    if channel == "x":
        body = cut(POINTS[0], 280 - len(hook) - 1)
    elif channel == "blog":
        body = "\n\n".join([paragraph(cut(prompt, 1500)) or sentence(subject), *POINTS])
    else:
        body = "\n".join(
            [paragraph(cut(prompt, 1500)) or sentence(subject), *(f"- {p}" for p in POINTS)]
        )
    return {
        "title": cut(subject, TOOL_TITLE_MAX),
        "channel": channel,
        "hook": hook,
        "body": cut(body, TOOL_BODY_MAX, lines=True),
        "call_to_action": CALLS[channel],
        "hashtags": [] if channel == "newsletter" else _hashtags(prompt or subject),
    }


def _hashtags(text: str) -> list[str]:
    """Up to three hashtags from the text's telling words: acronyms first, then the
    longest, each once."""
    words = _unique(
        word.strip(".,;:!?\"'()“”")
        for word in text.split()
        if word.strip(".,;:!?\"'()“”").isalnum()
    )
    telling = [w for w in words if len(w) > 3 and w.lower() not in STOP_WORDS or w.isupper()]
    telling.sort(key=lambda word: (not word.isupper(), -len(word)))
    tags = [word if word.isupper() else word.capitalize() for word in telling[:3]]
    return [cut(tag, 60) for tag in tags] or ["CareerChange"]


DOCUMENT_SECTIONS = {
    "cv": (
        ("Profile", "[One sentence on who you are and what you do.] Looking for {aim}."),
        (
            "Experience",
            "- [Job title], [Employer], [Years]: [what you achieved, with a number]\n"
            "- [Job title], [Employer], [Years]: [what you achieved, with a number]",
        ),
        ("Skills", "{skills}"),
        ("Education", "- [Degree or course], [School], [Year]"),
    ),
    "cover_letter": (
        ("Opening", "Dear [Name], I am writing to apply for {aim}."),
        ("Why this role", "What draws me to [company] is [a specific reason]."),
        ("What I bring", "I bring {skills}, as I showed when I [a result from your work]."),
        ("Closing", "I would welcome the chance to talk. Kind regards, [Your name]"),
    ),
    "bio": (
        ("Short bio", "[Your name] works on {focus}."),
        (
            "Long bio",
            "[Your name] works on {focus}. Before this, [your previous role] at [your "
            "previous employer]. Brings {skills} to every project.",
        ),
    ),
    "proposal": (
        ("Context", "[The client's situation in one or two sentences.]"),
        ("Proposal", "I propose to work on {aim}, in [number] steps."),
        ("Timeline", "- Week 1: [first step]\n- Week 2: [second step]\n- Week 3: [delivery]"),
        ("Next steps", "If this suits you, reply by [date] and I will confirm the start."),
    ),
}
# "A cover letter for ...", "CV to ...": what the request asks for, without the asking.
DOCUMENT_REQUEST = re.compile(
    r"^(?:(?:write|make|draft)\s+)?(?:(?:a|an|my)\s+)?(?:cv|resume|cover\s+letter|bio|"
    r"proposal)\s*(?:for|to|about|as)?\s*",
    re.IGNORECASE,
)
DOCUMENT_TITLES = {
    "cv": "CV",
    "cover_letter": "Cover letter",
    "bio": "Bio",
    "proposal": "Proposal",
}


def document(*, inputs: dict[str, Any], context: dict[str, Any] | None) -> dict:
    """The sections of the document type asked, shaped by the request and the member's
    skills and focus, with the facts only the member knows left as placeholders in square
    brackets."""
    context = context or {}
    options = _dict(inputs.get("options"))
    doc_type = str(options.get("doc_type") or "cv")
    if doc_type not in DOCUMENT_SECTIONS:
        doc_type = "cv"
    request = label(inputs.get("prompt"), 150)
    aim = DOCUMENT_REQUEST.sub("", request)
    skills = _skills(context)
    focus_areas = _texts(_dict(context.get("preferences")).get("focus_areas"))
    values = {
        "aim": inline(aim) if aim else "[the role you want]",
        "focus": inline(focus_areas[0]) if focus_areas else "[your field]",
        "skills": listing(inline(skill) for skill in skills[:4])
        if skills
        else "[your three strongest skills]",
    }
    kind = DOCUMENT_TITLES[doc_type]
    title = request if request.lower().startswith(kind.lower()) else f"{kind}: {request}"
    return {
        "title": cut(title if request else kind, TOOL_TITLE_MAX),
        "doc_type": doc_type,
        "sections": [
            {"heading": heading, "body": cut(_format(body, values), TOOL_BODY_MAX, lines=True)}
            for heading, body in DOCUMENT_SECTIONS[doc_type]
        ],
    }


def _format(template: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        template = template.replace("{" + key + "}", value)
    return template
