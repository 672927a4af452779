"""The fixed choices that onboarding and profiles are validated against.

Onboarding speaks the conversation-practice product's vocabulary (``TargetGender``,
``RelationshipGoal`` and its skills and challenges) next to the platform's own. Where two
words name the same thing, one value is stored and shown back, and the other is accepted
as its alias (``ALIASES``): clients of either vocabulary keep working, and every stored
row uses one word. ``GET /onboarding/flow`` lists the values with their aliases.
"""

from django.db import models


class DirectoryVisibility(models.TextChoices):
    MEMBERS = "members", "Listed in the member directory"
    HIDDEN = "hidden", "Not listed"


class MessagesFrom(models.TextChoices):
    MEMBERS = "members", "Any member"
    NOBODY = "nobody", "Nobody"


class CoachingStyle(models.TextChoices):
    SUPPORTIVE = "supportive", "Supportive"
    DIRECT = "direct", "Direct"
    ANALYTICAL = "analytical", "Analytical"
    MOTIVATIONAL = "motivational", "Motivational"


class FocusArea(models.TextChoices):
    CAREER = "career", "Career"
    LEADERSHIP = "leadership", "Leadership"
    BUSINESS = "business", "Business"
    COMMUNICATION = "communication", "Communication"
    AI_SKILLS = "ai_skills", "AI skills"
    WELLBEING = "wellbeing", "Wellbeing"


class TargetPreference(models.TextChoices):
    PROFESSIONAL = "professional", "Professional conversations"
    SOCIAL = "social", "Social conversations"
    ROMANTIC = "romantic", "Dating conversations"
    FAMILY = "family", "Family conversations"


class Goal(models.TextChoices):
    BUILD_CONFIDENCE = "build_confidence", "Build confidence"
    CAREER_GROWTH = "career_growth", "Grow my career"
    NETWORKING = "networking", "Network better"
    DATING = "dating", "Date with confidence"
    FRIENDSHIPS = "friendships", "Make friends"
    LEADERSHIP = "leadership", "Lead people"
    SALES = "sales", "Sell"
    START_BUSINESS = "start_business", "Start a business"
    GROW_BUSINESS = "grow_business", "Grow my business"


class TargetGender(models.TextChoices):
    """Whom the member wants to practise talking to (the partner's gender)."""

    FEMALE = "female", "Women"
    MALE = "male", "Men"
    NON_BINARY = "non_binary", "Non-binary people"
    EVERYONE = "everyone", "Everyone"


class RelationshipGoal(models.TextChoices):
    """What the member is practising for, in the conversation-practice product's words."""

    DATING = "dating", "Dating"
    CASUAL = "casual", "Something casual"
    LONG_TERM = "long_term", "A long-term relationship"
    FRIENDSHIP = "friendship", "Friendship"
    NETWORKING = "networking", "Professional networking"
    CONFIDENCE = "confidence", "Social confidence"


class Skill(models.TextChoices):
    CONVERSATION_STARTERS = "conversation_starters", "Conversation starters"
    FLOW_MAINTENANCE = "flow_maintenance", "Keeping the conversation flowing"
    ACTIVE_LISTENING = "active_listening", "Active listening"
    HUMOR = "humor", "Humour"
    READING_SIGNALS = "reading_signals", "Reading signals and body language"
    CONFIDENCE = "confidence", "Confidence"
    CLOSING = "closing", "Closing: asking for the number or the next meeting"
    SMALL_TALK = "small_talk", "Small talk"
    STORYTELLING = "storytelling", "Storytelling"
    NEGOTIATION = "negotiation", "Negotiation"
    CONFLICT_RESOLUTION = "conflict_resolution", "Conflict resolution"
    PERSUASION = "persuasion", "Persuasion"
    EMPATHY = "empathy", "Empathy"
    ASSERTIVENESS = "assertiveness", "Assertiveness"
    PUBLIC_SPEAKING = "public_speaking", "Public speaking"


class Challenge(models.TextChoices):
    APPROACH_ANXIETY = "approach_anxiety", "Nerves before approaching someone"
    STARTING_CONVERSATIONS = "starting_conversations", "Starting conversations"
    RUNNING_OUT_OF_THINGS_TO_SAY = (
        "running_out_of_things_to_say",
        "Running out of things to say",
    )
    MAINTAINING_INTEREST = "maintaining_interest", "Keeping the other person interested"
    AWKWARD_SILENCES = "awkward_silences", "Awkward silences"
    FEAR_OF_REJECTION = "fear_of_rejection", "Fear of rejection"
    NERVOUSNESS = "nervousness", "Nervousness"
    SAYING_NO = "saying_no", "Saying no"
    GIVING_FEEDBACK = "giving_feedback", "Giving feedback"
    NETWORKING_EVENTS = "networking_events", "Networking events"


class ExperienceLevel(models.TextChoices):
    BEGINNER = "beginner", "Beginner"
    INTERMEDIATE = "intermediate", "Intermediate"
    ADVANCED = "advanced", "Advanced"


class PracticeFrequency(models.TextChoices):
    DAILY = "daily", "Every day"
    FEW_TIMES_A_WEEK = "few_times_week", "A few times a week"
    WEEKLY = "weekly", "Once a week"
    OCCASIONALLY = "occasionally", "Now and then"


# Accepted in place of the stored value: {choices: {alias: stored value}}. The gender, goal
# and skill aliases are the conversation-practice product's synonyms; the challenge aliases
# are the platform's earlier words for the product's (migration
# ``onboarding_product_vocabulary`` rewrote the rows that held them).
ALIASES: dict[type[models.TextChoices], dict[str, str]] = {
    TargetGender: {"any": TargetGender.EVERYONE},
    RelationshipGoal: {"serious": RelationshipGoal.LONG_TERM},
    Skill: {"getting_the_number": Skill.CLOSING},
    Challenge: {
        "keeping_it_going": Challenge.RUNNING_OUT_OF_THINGS_TO_SAY,
        "handling_rejection": Challenge.FEAR_OF_REJECTION,
    },
}


def aliases_of(choices: type[models.TextChoices]) -> dict[str, str]:
    """``{alias: stored value}`` of ``choices`` (empty when it has none)."""
    return {alias: str(value) for alias, value in ALIASES.get(choices, {}).items()}
