"""Shapes and input validation of the conversations API."""

from rest_framework import serializers

from ai.serializers import GenerationAcceptedSerializer

from .models import DIFFICULTIES, Difficulty, Scenario, Setting


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
