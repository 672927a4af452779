"""Coaching: the assessment, development plans, recommendations, goals and progress (XP,
badges), the AI tools' artifacts, and projects.

An AI-made object is a row that exists from the request on, linked to its
``ai.Generation``; the feature's ``on_finish`` hook fills it when the generation succeeds
(or marks it failed), so a client can list and poll it like any other object.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

from core.models import BaseModel

TITLE_MAX_LENGTH = 200
TEXT_MAX_LENGTH = 5000
NOTE_MAX_LENGTH = 2000


class GenerationStatus(models.TextChoices):
    """Where an AI-made object stands."""

    PENDING = "pending", "being generated"
    READY = "ready", "ready"
    FAILED = "failed", "generation failed"


# --- assessment ---------------------------------------------------------------------------


class Questionnaire(BaseModel):
    """One version of the assessment. Staff edit drafts in the admin and publish one: the
    published version with the highest number is the one members take. A questionnaire
    that has answers is never edited again (a new version is made instead), so every
    result can be read against the questions it answered."""

    version = models.PositiveIntegerField(unique=True)
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    description = models.TextField(blank=True)
    is_published = models.BooleanField(default=False, db_index=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"v{self.version}: {self.title}"


class Question(BaseModel):
    """A question of one questionnaire version. ``key`` is the id clients answer by.

    Scoring: a choice adds its ``scores`` ({dimension: points}) to the result; a ``scale``
    answer (1-5) adds ``weight * answer`` to ``dimension``; ``text`` answers are not
    scored (they go to the AI analysis)."""

    class Type(models.TextChoices):
        SINGLE = "single_choice", "one choice"
        MULTIPLE = "multiple_choice", "several choices"
        SCALE = "scale", "a scale from 1 to 5"
        TEXT = "text", "free text"

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="questions"
    )
    key = models.SlugField(max_length=64)
    order = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=500)
    type = models.CharField(max_length=20, choices=Type.choices)
    required = models.BooleanField(default=True)
    dimension = models.CharField(
        max_length=40, blank=True, help_text="For scale questions: the score it feeds."
    )
    weight = models.FloatField(default=1.0)

    class Meta:
        ordering = ["questionnaire", "order", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "key"], name="coaching_question_key_once"
            ),
        ]

    def __str__(self) -> str:
        return self.key


class Choice(BaseModel):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    value = models.SlugField(max_length=64)
    label = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(default=0)
    scores = models.JSONField(
        default=dict, blank=True, help_text='Points per dimension, e.g. {"strategic": 2}.'
    )

    class Meta:
        ordering = ["question", "order", "value"]
        constraints = [
            models.UniqueConstraint(fields=["question", "value"], name="coaching_choice_once"),
        ]

    def __str__(self) -> str:
        return self.value


class AssessmentResult(BaseModel):
    """One submitted assessment: the answers, the scores computed at submission, and the AI
    analysis that follows. Earlier results are the member's history."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assessment_results"
    )
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="results"
    )
    answers = models.JSONField(encoder=DjangoJSONEncoder)
    scores = models.JSONField(default=dict, help_text="{dimension: 0-100}")
    archetype = models.CharField(max_length=40)
    ai_interest = models.PositiveSmallIntegerField(default=0)
    learning_style = models.CharField(max_length=40, blank=True)
    analysis = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    analysis_status = models.CharField(
        max_length=10, choices=GenerationStatus.choices, default=GenerationStatus.PENDING
    )
    generation = models.ForeignKey(
        "ai.Generation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notes = models.TextField(
        blank=True,
        max_length=NOTE_MAX_LENGTH,
        help_text="The member's own notes on this result (the only part they edit).",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"])]


# --- development plans and recommendations -----------------------------------------------


class DevelopmentPlan(BaseModel):
    """A plan generated from the latest assessment and the member's goals. Regenerating
    makes a new plan with the next ``version``; earlier ones stay."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="development_plans"
    )
    assessment = models.ForeignKey(
        AssessmentResult, null=True, blank=True, on_delete=models.SET_NULL, related_name="plans"
    )
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=TITLE_MAX_LENGTH, blank=True)
    summary = models.TextField(blank=True)
    starts_on = models.DateField()
    status = models.CharField(
        max_length=10, choices=GenerationStatus.choices, default=GenerationStatus.PENDING
    )
    generation = models.ForeignKey(
        "ai.Generation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["user", "version"], name="coaching_plan_version"),
        ]


class PlanPhase(BaseModel):
    plan = models.ForeignKey(DevelopmentPlan, on_delete=models.CASCADE, related_name="phases")
    order = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["plan", "order"]


class PlanMilestone(BaseModel):
    phase = models.ForeignKey(PlanPhase, on_delete=models.CASCADE, related_name="milestones")
    order = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    description = models.TextField(blank=True)
    due_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["phase", "order"]


class PlanAction(BaseModel):
    """A step the member checks off. ``due_date`` is the plan's start plus the offset the
    AI gave (``due_in_days``)."""

    plan = models.ForeignKey(DevelopmentPlan, on_delete=models.CASCADE, related_name="actions")
    milestone = models.ForeignKey(PlanMilestone, on_delete=models.CASCADE, related_name="actions")
    order = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    description = models.TextField(blank=True)
    due_in_days = models.PositiveSmallIntegerField(default=0)
    due_date = models.DateField(null=True, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["milestone", "order"]
        indexes = [models.Index(fields=["plan", "done_at"])]


class Recommendation(BaseModel):
    """An AI recommendation; applying it turns it into a goal or a plan action."""

    class Kind(models.TextChoices):
        GOAL = "goal", "a goal"
        ACTION = "action", "a plan action"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coaching_recommendations"
    )
    assessment = models.ForeignKey(
        AssessmentResult,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recommendations",
    )
    plan = models.ForeignKey(
        DevelopmentPlan,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recommendations",
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.GOAL)
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    description = models.TextField(blank=True)
    confidence_score = models.FloatField(default=0.0)
    is_applied = models.BooleanField(default=False)
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_goal = models.ForeignKey(
        "Goal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    applied_action = models.ForeignKey(
        PlanAction, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The generation that wrote it (an assessment analysis or a plan's): its ``ai``
    # provenance, kept when the plan it came with is deleted.
    generation = models.ForeignKey(
        "ai.Generation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-confidence_score", "-created_at"]
        indexes = [models.Index(fields=["user", "is_applied"])]


# --- goals, progress, XP, badges ----------------------------------------------------------


class Goal(BaseModel):
    class Status(models.TextChoices):
        ACTIVE = "active", "active"
        COMPLETED = "completed", "completed"
        PAUSED = "paused", "paused"
        ABANDONED = "abandoned", "abandoned"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coaching_goals"
    )
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    description = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    target_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    progress = models.PositiveSmallIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "status"])]


class ProgressEntry(BaseModel):
    """A step of progress (0-100) on one goal or one plan action."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="progress_entries"
    )
    goal = models.ForeignKey(
        Goal, null=True, blank=True, on_delete=models.CASCADE, related_name="progress_entries"
    )
    action = models.ForeignKey(
        PlanAction,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="progress_entries",
    )
    value = models.PositiveSmallIntegerField()
    note = models.TextField(blank=True, max_length=NOTE_MAX_LENGTH)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(goal__isnull=False, action__isnull=True)
                | Q(goal__isnull=True, action__isnull=False),
                name="coaching_progress_one_target",
            ),
            models.CheckConstraint(condition=Q(value__lte=100), name="coaching_progress_0_100"),
        ]


class XPAward(BaseModel):
    """XP given once per ``source_id`` (``coaching.services.award_xp``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="xp_awards"
    )
    amount = models.PositiveIntegerField()
    reason = models.CharField(max_length=100)
    source_id = models.CharField(max_length=100)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "source_id"], name="coaching_xp_once"),
        ]


class BadgeAward(BaseModel):
    """A badge a member earned (the rules are in coaching/badges.py); once per badge."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="badges"
    )
    badge = models.CharField(max_length=50)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "badge"], name="coaching_badge_once"),
        ]


# --- projects and AI tools ----------------------------------------------------------------


class Project(BaseModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coaching_projects"
    )
    name = models.CharField(max_length=TITLE_MAX_LENGTH)
    description = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    duplicated_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["user", "-updated_at"])]


class Artifact(BaseModel):
    """What an AI tool made (a roadmap, a brand, a piece of content, a document), as the
    tool's structured output in ``content``. Every edit keeps the replaced state as an
    ``ArtifactVersion``."""

    class Kind(models.TextChoices):
        ROADMAP = "roadmap", "roadmap"
        BRAND = "brand", "brand"
        CONTENT = "content", "content"
        DOCUMENT = "document", "document"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coaching_artifacts"
    )
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.CASCADE, related_name="artifacts"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    title = models.CharField(max_length=TITLE_MAX_LENGTH, blank=True)
    prompt = models.TextField(max_length=TEXT_MAX_LENGTH)
    options = models.JSONField(default=dict, blank=True)
    content = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(
        max_length=10, choices=GenerationStatus.choices, default=GenerationStatus.PENDING
    )
    generation = models.ForeignKey(
        "ai.Generation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    publish_at = models.DateTimeField(null=True, blank=True)
    reminder = models.ForeignKey(
        "notifications.ScheduledNotification",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "kind", "-created_at"]),
            models.Index(fields=["project", "kind"]),
        ]


class ArtifactVersion(BaseModel):
    artifact = models.ForeignKey(Artifact, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=TITLE_MAX_LENGTH, blank=True)
    content = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["artifact", "version"], name="coaching_artifact_version_once"
            ),
        ]

    @property
    def generation(self):
        """The generation that wrote this state: the first version is the tool's answer,
        every later one a member's edit (None)."""
        return self.artifact.generation if self.version == 1 else None
