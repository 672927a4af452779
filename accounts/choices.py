"""The fixed choices that onboarding and profiles are validated against."""

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


class Skill(models.TextChoices):
    ACTIVE_LISTENING = "active_listening", "Active listening"
    SMALL_TALK = "small_talk", "Small talk"
    STORYTELLING = "storytelling", "Storytelling"
    NEGOTIATION = "negotiation", "Negotiation"
    CONFLICT_RESOLUTION = "conflict_resolution", "Conflict resolution"
    PERSUASION = "persuasion", "Persuasion"
    EMPATHY = "empathy", "Empathy"
    ASSERTIVENESS = "assertiveness", "Assertiveness"
    PUBLIC_SPEAKING = "public_speaking", "Public speaking"


class Challenge(models.TextChoices):
    STARTING_CONVERSATIONS = "starting_conversations", "Starting conversations"
    KEEPING_IT_GOING = "keeping_it_going", "Keeping a conversation going"
    NERVOUSNESS = "nervousness", "Nervousness"
    AWKWARD_SILENCES = "awkward_silences", "Awkward silences"
    SAYING_NO = "saying_no", "Saying no"
    GIVING_FEEDBACK = "giving_feedback", "Giving feedback"
    HANDLING_REJECTION = "handling_rejection", "Handling rejection"
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
