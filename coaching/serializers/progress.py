"""Shapes of goals, progress entries and the progress summary. Text is plain: stored as
typed, never rendered."""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core import fields

from ..models import (
    NOTE_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Goal,
    PlanAction,
    ProgressEntry,
)

GOAL_STATUSES = [value for value, _ in Goal.Status.choices]


@extend_schema_field({"type": "string", "description": f"One of: {', '.join(GOAL_STATUSES)}."})
class GoalStatusField(serializers.ChoiceField):
    """A goal's status. Documented as a string listing its values rather than as an enum:
    other apps' ``status`` fields have other choices, and the schema's enum components
    would collide on the name."""

    def __init__(self, **kwargs):
        super().__init__(choices=Goal.Status.choices, **kwargs)


class GoalSerializer(serializers.ModelSerializer):
    status = GoalStatusField(read_only=True)

    class Meta:
        model = Goal
        fields = [
            "id",
            "title",
            "description",
            "target_date",
            "status",
            "progress",
            "completed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class GoalCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=TITLE_MAX_LENGTH)
    description = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    target_date = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Not before today (in the member's time zone).",
    )


class GoalUpdateSerializer(serializers.Serializer):
    """Send only what changes."""

    title = serializers.CharField(max_length=TITLE_MAX_LENGTH, required=False)
    description = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True
    )
    target_date = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="A new target date may not be in the past; null removes it.",
    )
    status = GoalStatusField(
        required=False,
        help_text="active <-> paused; active or paused -> completed or abandoned; "
        "abandoned -> active; completed is final.",
    )


class GoalListQuerySerializer(serializers.Serializer):
    status = GoalStatusField(required=False)


class _OwnedPrimaryKeyField(fields.PrimaryKeyRelatedField):
    """A related id that must be one of the caller's rows: another member's is a 400
    ``does_not_exist``, like an id that does not exist at all."""

    def __init__(self, *, owner_field: str, **kwargs):
        self.owner_field = owner_field
        super().__init__(pk_field=serializers.UUIDField(), **kwargs)

    def get_queryset(self) -> QuerySet:
        request = self.context.get("request")
        queryset = super().get_queryset()
        if request is None or not request.user.is_authenticated:
            return queryset.none()
        return queryset.filter(**{self.owner_field: request.user})


class ProgressEntryCreateSerializer(serializers.Serializer):
    goal = _OwnedPrimaryKeyField(
        owner_field="user",
        queryset=Goal.objects.all(),
        required=False,
        allow_null=True,
        help_text="One of the caller's goals (give this or `action`).",
    )
    action = _OwnedPrimaryKeyField(
        owner_field="plan__user",
        queryset=PlanAction.objects.all(),
        required=False,
        allow_null=True,
        help_text="One of the caller's plan actions (give this or `goal`).",
    )
    value = serializers.IntegerField(
        min_value=0, max_value=100, help_text="Progress in percent; 100 completes the target."
    )
    note = serializers.CharField(
        max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True, default=""
    )

    def validate(self, attrs):
        if (attrs.get("goal") is None) == (attrs.get("action") is None):
            raise serializers.ValidationError(
                "Give exactly one of `goal` and `action`.", code="one_target"
            )
        return attrs


class ProgressEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = ProgressEntry
        fields = ["id", "goal", "action", "value", "note", "created_at"]
        read_only_fields = fields


class BadgeSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()


class EarnedBadgeSerializer(BadgeSerializer):
    earned_at = serializers.DateTimeField()


class GoalCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    active = serializers.IntegerField()
    completed = serializers.IntegerField()
    completion_rate = serializers.FloatField(help_text="completed / total, 0 to 1.")


class ActionCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Actions of all the caller's plans.")
    done = serializers.IntegerField()


class ProgressSummarySerializer(serializers.Serializer):
    xp = serializers.IntegerField(help_text="Total XP.")
    level = serializers.IntegerField(
        help_text="Level n starts at COACHING_XP_PER_LEVEL * n * (n - 1) / 2 XP (level 1 at 0)."
    )
    level_starts_at = serializers.IntegerField(help_text="Total XP where this level started.")
    next_level_at = serializers.IntegerField(help_text="Total XP where the next level starts.")
    xp_into_level = serializers.IntegerField(help_text="XP earned since this level started.")
    xp_for_next_level = serializers.IntegerField(
        help_text="XP still needed to reach the next level."
    )
    streak_days = serializers.IntegerField(
        help_text="Consecutive UTC days, ending today or yesterday, with progress or XP."
    )
    badges = EarnedBadgeSerializer(many=True, help_text="Earned, oldest first.")
    available_badges = BadgeSerializer(many=True, help_text="Not earned yet.")
    goals = GoalCountsSerializer()
    actions = ActionCountsSerializer()
