"""Shapes and input validation of the conversations API."""

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from ai.serializers import GenerationAcceptedSerializer

from . import frames, replay
from .models import DIFFICULTIES, Conversation, Difficulty, Feedback, Message, Scenario, Setting


class ScenarioListQuerySerializer(serializers.Serializer):
    include_premium = serializers.BooleanField(
        required=False,
        default=True,
        help_text="false leaves premium scenarios out (default true).",
    )
    setting = serializers.ChoiceField(
        choices=Setting.choices,
        required=False,
        help_text="Only scenarios in this setting; an unknown one is a 400 naming `setting`.",
    )


class ScenarioSerializer(serializers.ModelSerializer):
    locked = serializers.SerializerMethodField(
        help_text="Premium, and the caller's plan does not include premium scenarios."
    )
    difficulties = serializers.SerializerMethodField()

    class Meta:
        model = Scenario
        fields = [
            "slug",
            "title",
            "setting",
            "description",
            "target",
            "premium",
            "locked",
            "difficulties",
        ]
        read_only_fields = fields

    def get_locked(self, scenario: Scenario) -> bool:
        return scenario.premium and not self.context["premium_allowed"]

    def get_difficulties(self, scenario: Scenario) -> list[str]:
        return list(DIFFICULTIES)


class TipsSerializer(serializers.Serializer):
    green = serializers.ListField(child=serializers.CharField())
    yellow = serializers.ListField(child=serializers.CharField())
    red = serializers.ListField(child=serializers.CharField())


class ScenarioDetailSerializer(ScenarioSerializer):
    tips = TipsSerializer(read_only=True, help_text="Tips per difficulty.")

    class Meta(ScenarioSerializer.Meta):
        fields = [*ScenarioSerializer.Meta.fields, "tips"]
        read_only_fields = fields


class ScenarioContextRequestSerializer(serializers.Serializer):
    difficulty = serializers.ChoiceField(choices=Difficulty.choices)
    difficulty_level = serializers.ChoiceField(
        choices=Difficulty.choices,
        required=False,
        write_only=True,
        help_text="Accepted in place of `difficulty`; errors still name `difficulty`.",
    )

    def to_internal_value(self, data):
        if isinstance(data, dict) and "difficulty" not in data and "difficulty_level" in data:
            data = {**data, "difficulty": data["difficulty_level"]}
        if isinstance(data, dict):
            data = {key: value for key, value in data.items() if key != "difficulty_level"}
        return super().to_internal_value(data)


class PracticeQuotaSerializer(serializers.Serializer):
    plan = serializers.CharField()
    limit = serializers.IntegerField(
        allow_null=True, help_text="Practice conversations a day; null: unlimited."
    )
    used = serializers.IntegerField()
    remaining = serializers.IntegerField(allow_null=True)
    day = serializers.DateField(help_text="Today in the member's time zone.")
    time_zone = serializers.CharField()
    resets_at = serializers.DateTimeField(
        help_text="The next local midnight, as a UTC instant (23 or 25 hours away on a DST day)."
    )


class ScenarioContextAcceptedSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="The generation's id.")
    status = serializers.CharField(help_text="The generation's status.")
    status_url = serializers.URLField(help_text="The generation: poll it for the output.")
    generation = GenerationAcceptedSerializer()


# --- practice conversations and coach threads ----------------------------------------------


def _accept_alias(data, name: str, alias: str):
    """``alias`` is accepted in place of ``name``; errors still name ``name``."""
    if isinstance(data, dict) and name not in data and alias in data:
        data = {**data, name: data[alias]}
    if isinstance(data, dict):
        data = {key: value for key, value in data.items() if key != alias}
    return data


class ConversationCreateSerializer(serializers.Serializer):
    scenario = serializers.SlugField(help_text="The scenario's slug.")
    difficulty = serializers.ChoiceField(choices=Difficulty.choices)
    scenario_type = serializers.SlugField(
        required=False, write_only=True, help_text="Accepted in place of `scenario`."
    )
    difficulty_level = serializers.ChoiceField(
        choices=Difficulty.choices,
        required=False,
        write_only=True,
        help_text="Accepted in place of `difficulty`.",
    )

    def to_internal_value(self, data):
        data = _accept_alias(data, "scenario", "scenario_type")
        data = _accept_alias(data, "difficulty", "difficulty_level")
        return super().to_internal_value(data)

    def validate_scenario(self, value: str) -> Scenario:
        scenario = Scenario.objects.filter(slug=value, active=True).first()
        if scenario is None:
            raise serializers.ValidationError(
                "No active scenario has this slug.", code="does_not_exist"
            )
        return scenario


class ConversationListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Conversation.Status.choices, required=False)
    scenario = serializers.SlugField(required=False, help_text="A scenario's slug.")
    difficulty = serializers.ChoiceField(choices=Difficulty.choices, required=False)


@extend_schema_serializer(component_name="ReplyUsage")
class UsageSerializer(serializers.Serializer):
    tokens_in = serializers.IntegerField()
    tokens_out = serializers.IntegerField()
    estimated = serializers.BooleanField(help_text="The provider sent no usage: our estimate.")


@extend_schema_serializer(component_name="ReplyError")
class MessageErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    retryable = serializers.BooleanField()


@extend_schema_serializer(component_name="ConversationMessage")
class MessageSerializer(serializers.ModelSerializer):
    usage = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = [
            "id",
            "role",
            "content",
            "status",
            "client_id",
            "last_seq",
            "usage",
            "error",
            "created_at",
        ]
        read_only_fields = fields

    def to_representation(self, message: Message):
        data = super().to_representation(message)
        if message.status == Message.Status.STREAMING:
            # The text so far lives in the replay log until the reply is stored.
            logged = replay.text(message.pk)
            if logged is not None:
                data["content"], data["last_seq"] = logged
        return data

    @extend_schema_field(UsageSerializer(allow_null=True))
    def get_usage(self, message: Message):
        return frames.usage_of(message)

    @extend_schema_field(MessageErrorSerializer(allow_null=True))
    def get_error(self, message: Message):
        return frames.error_of(message)


class FeedbackSummarySerializer(serializers.Serializer):
    status = serializers.CharField()
    overall_score = serializers.IntegerField(allow_null=True)
    band = serializers.CharField()


class ConversationSerializer(serializers.ModelSerializer):
    scenario = serializers.SerializerMethodField(help_text="The scenario's slug when it started.")
    scenario_title = serializers.SerializerMethodField()
    turns = serializers.IntegerField(source="member_turns", read_only=True)
    feedback = serializers.SerializerMethodField()

    class Meta:
        model = Conversation
        fields = [
            "id",
            "kind",
            "scenario",
            "scenario_title",
            "difficulty",
            "status",
            "title",
            "character",
            "turns",
            "started_at",
            "ended_at",
            "last_message_at",
            "feedback",
        ]
        read_only_fields = fields

    def get_scenario(self, conversation: Conversation) -> str | None:
        return (conversation.scenario_snapshot or {}).get("slug")

    def get_scenario_title(self, conversation: Conversation) -> str | None:
        return (conversation.scenario_snapshot or {}).get("title")

    @extend_schema_field(FeedbackSummarySerializer(allow_null=True))
    def get_feedback(self, conversation: Conversation):
        try:
            feedback = conversation.feedback
        except Feedback.DoesNotExist:
            return None
        return {
            "status": feedback.status,
            "overall_score": feedback.overall_score,
            "band": feedback.band,
        }


class ConversationDetailSerializer(ConversationSerializer):
    messages = serializers.SerializerMethodField(help_text="The newest 20, oldest first.")
    messages_next = serializers.SerializerMethodField(
        help_text="The messages list from before these (null when there is nothing older)."
    )

    class Meta(ConversationSerializer.Meta):
        fields = [*ConversationSerializer.Meta.fields, "messages", "messages_next"]
        read_only_fields = fields

    @extend_schema_field(MessageSerializer(many=True))
    def get_messages(self, conversation: Conversation):
        return MessageSerializer(self.context["recent"].messages, many=True).data

    def get_messages_next(self, conversation: Conversation) -> str | None:
        return self.context["recent"].next_url


class MessageCreateSerializer(serializers.Serializer):
    content = serializers.CharField(max_length=2000, help_text="1-2000 characters.")
    client_id = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text="The client's id for this message: sending it again (after a dropped "
        "connection) returns the stored message and starts no second reply.",
    )


class MessageAcceptedSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="The reply's id.", allow_null=True)
    status = serializers.CharField(help_text="The reply's status.")
    status_url = serializers.URLField(allow_null=True, help_text="The reply: poll it.")
    message = MessageSerializer(help_text="The member's message, stored.")
    duplicate = serializers.BooleanField(help_text="The client_id was known: nothing new.")


class ConversationAcceptedSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField(help_text="preparing")
    status_url = serializers.URLField(help_text="The conversation.")
    generation = GenerationAcceptedSerializer()


class CoachAskSerializer(MessageCreateSerializer):
    thread = serializers.UUIDField(
        required=False, allow_null=True, help_text="A thread of yours; none starts a new one."
    )


@extend_schema_serializer(component_name="CoachThreadSummary")
class ThreadSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()


class CoachAcceptedSerializer(MessageAcceptedSerializer):
    thread = ThreadSummarySerializer()


@extend_schema_serializer(component_name="CoachThread")
class ThreadSerializer(serializers.ModelSerializer):
    message_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Conversation
        fields = [
            "id",
            "title",
            "title_source",
            "status",
            "last_message_at",
            "message_count",
            "created_at",
        ]
        read_only_fields = fields


@extend_schema_serializer(component_name="CoachThreadDetail")
class ThreadDetailSerializer(ThreadSerializer):
    messages = serializers.SerializerMethodField(help_text="The newest 20, oldest first.")
    messages_next = serializers.SerializerMethodField()

    class Meta(ThreadSerializer.Meta):
        fields = [*ThreadSerializer.Meta.fields, "messages", "messages_next"]
        read_only_fields = fields

    @extend_schema_field(MessageSerializer(many=True))
    def get_messages(self, conversation: Conversation):
        return MessageSerializer(self.context["recent"].messages, many=True).data

    def get_messages_next(self, conversation: Conversation) -> str | None:
        return self.context["recent"].next_url


class ThreadUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=120, help_text="The member's title; kept for good.")


class ThreadListQuerySerializer(serializers.Serializer):
    search = serializers.CharField(required=False, max_length=100, help_text="In titles.")
