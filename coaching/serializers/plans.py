"""Development plans (a list row, the full tree), their actions, and recommendations."""

import datetime as dt

from drf_standardized_errors.openapi_serializers import ClientErrorEnum
from rest_framework import serializers

from ai.serializers import AIProvenanceField, GenerationAcceptedSerializer
from core import fields

from ..models import (
    TITLE_MAX_LENGTH,
    DevelopmentPlan,
    PlanAction,
    PlanMilestone,
    PlanPhase,
    Recommendation,
)
from ..services.plans import FOCUS_MAX_LENGTH, PROGRESS_DONE, today

STARTS_ON_MAX_DAYS_AHEAD = 365


def _status_field() -> serializers.CharField:
    # A plain string: an enum here would collide with the other ``status`` enums.
    return serializers.CharField(read_only=True, help_text="pending, ready or failed.")


class PlanSerializer(serializers.ModelSerializer):
    """A plan without its tree: what the list shows."""

    status = _status_field()
    actions_total = serializers.IntegerField(read_only=True)
    actions_done = serializers.IntegerField(read_only=True)
    ai = AIProvenanceField(
        help_text="Who wrote the plan (its phases, milestones and actions with it)."
    )

    class Meta:
        model = DevelopmentPlan
        fields = [
            "id",
            "version",
            "title",
            "summary",
            "status",
            "starts_on",
            "assessment",
            "generation",
            "ai",
            "actions_total",
            "actions_done",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class PlanActionSerializer(serializers.ModelSerializer):
    done = serializers.SerializerMethodField()

    class Meta:
        model = PlanAction
        fields = [
            "id",
            "order",
            "title",
            "description",
            "due_in_days",
            "due_date",
            "progress",
            "done",
            "done_at",
        ]
        read_only_fields = fields

    def get_done(self, action: PlanAction) -> bool:
        return action.done_at is not None


class PlanMilestoneSerializer(serializers.ModelSerializer):
    actions = PlanActionSerializer(many=True, read_only=True)

    class Meta:
        model = PlanMilestone
        fields = ["id", "order", "title", "description", "due_date", "actions"]
        read_only_fields = fields


class PlanPhaseSerializer(serializers.ModelSerializer):
    milestones = PlanMilestoneSerializer(many=True, read_only=True)

    class Meta:
        model = PlanPhase
        fields = ["id", "order", "title", "description", "milestones"]
        read_only_fields = fields


class PlanDetailSerializer(PlanSerializer):
    """A plan with its whole tree: phases -> milestones -> actions, in order."""

    phases = PlanPhaseSerializer(many=True, read_only=True)

    class Meta(PlanSerializer.Meta):
        fields = [*PlanSerializer.Meta.fields, "phases"]
        read_only_fields = fields


class PlanCreateSerializer(serializers.Serializer):
    focus = serializers.CharField(
        max_length=FOCUS_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="What the plan should concentrate on, in the member's words.",
    )
    starts_on = serializers.DateField(
        required=False,
        help_text="The day the plan starts (due dates count from it); today (UTC) by default. "
        f"From today to {STARTS_ON_MAX_DAYS_AHEAD} days ahead.",
    )

    def validate_starts_on(self, value: dt.date) -> dt.date:
        start = today()
        if value < start:
            raise serializers.ValidationError("A plan cannot start in the past.", code="past")
        if value > start + dt.timedelta(days=STARTS_ON_MAX_DAYS_AHEAD):
            raise serializers.ValidationError(
                f"A plan starts at most {STARTS_ON_MAX_DAYS_AHEAD} days ahead.", code="too_late"
            )
        return value


class PlanAcceptedSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="The plan's id.")
    status = _status_field()
    status_url = serializers.URLField(help_text="The plan: poll it until it is ready or failed.")
    generation = GenerationAcceptedSerializer()


class PlanUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=TITLE_MAX_LENGTH)


class PlanActionUpdateSerializer(serializers.Serializer):
    done = serializers.BooleanField(required=False, help_text="Check the action off, or back on.")
    progress = serializers.IntegerField(
        required=False, min_value=0, max_value=PROGRESS_DONE, help_text="0-100; 100 is done."
    )

    def validate(self, attrs: dict) -> dict:
        if not attrs:
            raise serializers.ValidationError(
                {"done": "Send done, progress or both."}, code="required"
            )
        done, progress = attrs.get("done"), attrs.get("progress")
        if done is True and progress is not None and progress != PROGRESS_DONE:
            raise serializers.ValidationError(
                {"progress": "A done action has progress 100; leave progress out or send 100."},
                code="invalid",
            )
        if done is False and progress == PROGRESS_DONE:
            raise serializers.ValidationError(
                {"progress": "Progress 100 means done; send done true, or a lower progress."},
                code="invalid",
            )
        return attrs


# --- recommendations ------------------------------------------------------------------------


class CoachingRecommendationSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text="goal or action.")
    kind_label = serializers.CharField(
        source="get_kind_display", read_only=True, help_text="What `kind` is, for people."
    )
    ai = AIProvenanceField(help_text="Who wrote it: the assessment's analysis or a plan's.")

    class Meta:
        model = Recommendation
        fields = [
            "id",
            "kind",
            "kind_label",
            "title",
            "description",
            "confidence_score",
            "is_applied",
            "applied_at",
            "applied_goal",
            "applied_action",
            "assessment",
            "plan",
            "ai",
            "created_at",
        ]
        read_only_fields = fields


class RecommendationFilterSerializer(serializers.Serializer):
    is_applied = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="true or false."
    )


class RecommendationApplySerializer(serializers.Serializer):
    plan = fields.PrimaryKeyRelatedField(
        queryset=DevelopmentPlan.objects.none(),
        required=False,
        allow_null=True,
        help_text="For an action: the plan to add it to (one of the caller's, ready); the "
        "latest ready plan by default. Ignored for a goal.",
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = DevelopmentPlan.objects.filter(user=user)


class AlreadyAppliedErrorSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=["already_applied"])
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class AlreadyAppliedErrorResponseSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=ClientErrorEnum.choices)
    errors = AlreadyAppliedErrorSerializer(many=True)
