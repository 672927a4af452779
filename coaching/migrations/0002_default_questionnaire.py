"""The questionnaire the app ships with (version 1, published).

The content is kept here, as plain data, because a migration must not import app code
that can change. Staff improve it in the admin by copying it into a new draft version;
this version itself never changes once members have answered it.

Dimensions: the four archetypes (``strategic_builder``, ``creative_storyteller``,
``people_connector``, ``analytical_optimizer``), ``ai_interest``, and the AI learning
styles (``learning_hands_on``, ``learning_structured_course``, ``learning_community``,
``learning_reading``). See coaching/scoring.py for how answers become scores.
"""

from django.db import migrations
from django.utils import timezone

SB, CS, PC, AO = (
    "strategic_builder",
    "creative_storyteller",
    "people_connector",
    "analytical_optimizer",
)
AI = "ai_interest"


def _choice(value, label, **scores):
    return {"value": value, "label": label, "scores": scores}


def _scale(key, text, dimension, weight=1.0):
    return {"key": key, "text": text, "type": "scale", "dimension": dimension, "weight": weight}


DEFAULT_QUESTIONNAIRE = {
    "version": 1,
    "title": "Your coaching profile",
    "description": "Fourteen short questions on how you work, how you would like to use AI "
    "and how you learn best. There are no right answers; it takes about five minutes.",
    "questions": [
        {
            "key": "project_start",
            "text": "When you start something new, what do you do first?",
            "type": "single_choice",
            "choices": [
                _choice("plan", "Sketch the goal and the steps to get there", **{SB: 3}),
                _choice("story", "Imagine how it will look and feel to others", **{CS: 3}),
                _choice("people", "Talk it through with the people involved", **{PC: 3}),
                _choice("data", "Gather facts and look at what worked before", **{AO: 3}),
            ],
        },
        {
            "key": "energy_source",
            "text": "What gives you the most energy at work?",
            "type": "single_choice",
            "choices": [
                _choice("building", "Building something that lasts", **{SB: 3}),
                _choice("creating", "Creating something new and expressive", **{CS: 3}),
                _choice("connecting", "Helping people and bringing them together", **{PC: 3}),
                _choice("improving", "Making things faster, cheaper or better", **{AO: 3}),
            ],
        },
        {
            "key": "team_role",
            "text": "In a team, you are usually the one who...",
            "type": "single_choice",
            "choices": [
                _choice("sets_direction", "sets the direction and the priorities", **{SB: 3}),
                _choice("pitches", "finds the words and images that win people over", **{CS: 3}),
                _choice("connects", "keeps everyone talking and on board", **{PC: 3}),
                _choice("checks", "checks the numbers and spots what can improve", **{AO: 3}),
            ],
        },
        {
            "key": "natural_strengths",
            "text": "Which of these come naturally to you? Pick all that apply.",
            "type": "multiple_choice",
            "choices": [
                _choice("long_term_planning", "Long-term planning", **{SB: 1}),
                _choice("turning_ideas_into_systems", "Turning ideas into systems", **{SB: 1}),
                _choice("writing_and_storytelling", "Writing and storytelling", **{CS: 1}),
                _choice("visual_thinking", "Visual thinking", **{CS: 1}),
                _choice("networking", "Meeting and connecting people", **{PC: 1}),
                _choice("listening", "Listening and empathy", **{PC: 1}),
                _choice("analysing_data", "Analysing data", **{AO: 1}),
                _choice("streamlining", "Streamlining processes", **{AO: 1}),
            ],
        },
        _scale("vision_to_milestones", "I enjoy turning a vision into concrete milestones.", SB),
        _scale(
            "ideas_as_stories", "I like explaining ideas through stories, visuals or examples.", CS
        ),
        _scale("ideas_in_conversation", "I get my best ideas in conversation with others.", PC),
        _scale("measure_not_guess", "I would rather measure a result than guess it.", AO),
        _scale("ai_curiosity", "I am curious about how AI could change my work.", AI),
        _scale("ai_usage", "I already use AI tools (assistants, generators) every week.", AI),
        _scale("ai_learning_time", "I want to spend time every week learning to use AI.", AI),
        {
            "key": "ai_help_wanted",
            "text": "What would you most like AI to help you with?",
            "type": "single_choice",
            "choices": [
                _choice("planning", "Planning and strategy", **{SB: 1, AI: 1}),
                _choice("content", "Writing and creating content", **{CS: 1, AI: 1}),
                _choice("relationships", "Staying in touch with my network", **{PC: 1, AI: 1}),
                _choice("analysis", "Analysing data and automating tasks", **{AO: 1, AI: 1}),
                _choice("not_sure", "I am not sure yet"),
            ],
        },
        {
            "key": "ai_learning_style",
            "text": "How would you like to learn to use AI?",
            "type": "single_choice",
            "choices": [
                _choice("hands_on", "By trying things out myself", learning_hands_on=1),
                _choice(
                    "structured_course",
                    "With a structured course, step by step",
                    learning_structured_course=1,
                ),
                _choice("community", "Together with others in a group", learning_community=1),
                _choice("reading", "By reading guides and articles", learning_reading=1),
            ],
        },
        {
            "key": "goals_in_your_words",
            "text": "In your own words: what do you want to achieve in the next six months?",
            "type": "text",
            "required": False,
        },
    ],
}


def load_questionnaire(apps, schema_editor, data=DEFAULT_QUESTIONNAIRE):
    """Create ``data`` as a published questionnaire unless its version exists already."""
    Questionnaire = apps.get_model("coaching", "Questionnaire")
    Question = apps.get_model("coaching", "Question")
    Choice = apps.get_model("coaching", "Choice")
    if Questionnaire.objects.filter(version=data["version"]).exists():
        return
    questionnaire = Questionnaire.objects.create(
        version=data["version"],
        title=data["title"],
        description=data["description"],
        is_published=True,
        published_at=timezone.now(),
    )
    for order, spec in enumerate(data["questions"], start=1):
        question = Question.objects.create(
            questionnaire=questionnaire,
            key=spec["key"],
            order=order,
            text=spec["text"],
            type=spec["type"],
            required=spec.get("required", True),
            dimension=spec.get("dimension", ""),
            weight=spec.get("weight", 1.0),
        )
        Choice.objects.bulk_create(
            Choice(
                question=question,
                value=choice["value"],
                label=choice["label"],
                order=position,
                scores=choice["scores"],
            )
            for position, choice in enumerate(spec.get("choices", []), start=1)
        )


def unload_questionnaire(apps, schema_editor, data=DEFAULT_QUESTIONNAIRE):
    """Remove the shipped version, unless members have answered it (then it stays: their
    results are read against it)."""
    Questionnaire = apps.get_model("coaching", "Questionnaire")
    Questionnaire.objects.filter(version=data["version"], results__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("coaching", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load_questionnaire, unload_questionnaire),
    ]
