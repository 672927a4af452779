"""Users and what belongs to them alone: profile, consents, onboarding.

Email addresses and their verification are allauth's (``account.EmailAddress``); refresh
tokens are simplejwt's (``token_blacklist``). Both are registered for export and erasure in
``accounts/privacy.py``.
"""

import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone

from core.encryption import EncryptedTextField
from core.models import BaseModel

from . import choices


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A member or staff account. The email (stored lower-case) is the login."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(unique=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now, db_index=True)
    erasure_requested_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Set when the member asked for erasure; the account is erased after the "
        "grace period (ACCOUNT_ERASURE_GRACE_DAYS).",
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["-date_joined"]

    def __str__(self) -> str:
        return self.email


class Profile(BaseModel):
    """What a member shows of themselves, and how they want to be reached."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(max_length=80, blank=True)
    headline = models.CharField(max_length=160, blank=True)
    company = models.CharField(max_length=120, blank=True)
    position = models.CharField(max_length=120, blank=True)
    industry = models.CharField(max_length=80, blank=True)
    timezone = models.CharField(max_length=64, default="UTC")
    # Contact details are encrypted at rest; the blind index allows exact lookups.
    phone = EncryptedTextField(blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    coaching_style = models.CharField(
        max_length=20, choices=choices.CoachingStyle.choices, blank=True
    )
    focus_areas = models.JSONField(default=list, blank=True)
    directory_visibility = models.CharField(
        max_length=10,
        choices=choices.DirectoryVisibility.choices,
        default=choices.DirectoryVisibility.MEMBERS,
    )
    allow_messages_from = models.CharField(
        max_length=10,
        choices=choices.MessagesFrom.choices,
        default=choices.MessagesFrom.MEMBERS,
    )
    email_notifications = models.BooleanField(default=True)
    in_app_notifications = models.BooleanField(default=True)

    # What the member sets themself (API, export, admin); the blind index is derived.
    MEMBER_FIELDS = (
        "display_name",
        "headline",
        "company",
        "position",
        "industry",
        "timezone",
        "phone",
        "coaching_style",
        "focus_areas",
        "directory_visibility",
        "allow_messages_from",
        "email_notifications",
        "in_app_notifications",
    )

    def __str__(self) -> str:
        return self.display_name or str(self.user_id)


class Consent(BaseModel):
    """One decision of a member about a document or a use of their data, as a new row each
    time: the latest row per kind is in force, earlier rows are the history."""

    class Kind(models.TextChoices):
        TERMS = "terms", "Terms of service"
        PRIVACY = "privacy", "Privacy policy"
        MARKETING = "marketing", "Marketing email"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    version = models.CharField(max_length=32, blank=True)
    granted = models.BooleanField()
    source = models.CharField(max_length=32, default="register")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "kind", "-created_at"])]

    def __str__(self) -> str:
        verb = "granted" if self.granted else "withdrew"
        return f"{self.user_id} {verb} {self.kind} {self.version}".strip()


class Onboarding(models.Model):
    """The member's progress through onboarding and their answers to each step. Only the
    fact of being an adult is kept from the age check, never the birth year.

    The preferences step holds both vocabularies a member may answer in: the
    conversation-practice product's (whom they want to talk to, of what ages, and what for)
    and the platform's (kinds of conversation and goals, which the member directory's
    recommendations match on)."""

    TARGET_AGE_MAX = 99

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, primary_key=True, related_name="onboarding"
    )
    is_adult = models.BooleanField(null=True)
    age_verified_at = models.DateTimeField(null=True, blank=True)
    target_gender = models.CharField(
        max_length=16, choices=choices.TargetGender.choices, blank=True
    )
    target_age_min = models.PositiveSmallIntegerField(null=True, blank=True)
    target_age_max = models.PositiveSmallIntegerField(null=True, blank=True)
    relationship_goal = models.CharField(
        max_length=16, choices=choices.RelationshipGoal.choices, blank=True
    )
    target_preferences = models.JSONField(default=list, blank=True)
    goals = models.JSONField(default=list, blank=True)
    preferences_at = models.DateTimeField(null=True, blank=True)
    primary_skills = models.JSONField(default=list, blank=True)
    specific_challenges = models.JSONField(default=list, blank=True)
    experience_level = models.CharField(
        max_length=16, choices=choices.ExperienceLevel.choices, blank=True
    )
    practice_frequency = models.CharField(
        max_length=16, choices=choices.PracticeFrequency.choices, blank=True
    )
    skill_goals_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    STEPS = ("age_verification", "preferences", "skill_goals")
    # Each step's answers, as stored: the serializers, the export and the admin list these.
    AGE_FIELDS = ("is_adult", "age_verified_at")
    PREFERENCE_FIELDS = (
        "target_gender",
        "target_age_min",
        "target_age_max",
        "relationship_goal",
        "target_preferences",
        "goals",
    )
    SKILL_GOAL_FIELDS = (
        "primary_skills",
        "specific_challenges",
        "experience_level",
        "practice_frequency",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(target_age_min__isnull=True)
                | models.Q(target_age_max__isnull=True)
                | models.Q(target_age_min__lte=models.F("target_age_max")),
                name="accounts_onboarding_target_ages_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"onboarding of {self.user_id}"

    def step_done_at(self, step: str):
        return {
            "age_verification": self.age_verified_at if self.is_adult else None,
            "preferences": self.preferences_at,
            "skill_goals": self.skill_goals_at,
        }[step]

    @property
    def pending_steps(self) -> list[str]:
        return [step for step in self.STEPS if self.step_done_at(step) is None]
