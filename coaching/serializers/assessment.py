"""Shapes of the assessment API: the questionnaire as members see it (never its scoring),
the submission and its checks, and results."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from ai.serializers import AIProvenanceField, GenerationAcceptedSerializer

from .. import scoring
from ..models import (
    NOTE_MAX_LENGTH,
    AssessmentResult,
    Choice,
    GenerationStatus,
    Question,
    Questionnaire,
)

MAX_ANSWERS = 200
# Every scale question is a statement the member rates, from disagreeing to agreeing.
SCALE_MIN_LABEL, SCALE_MAX_LABEL = "Strongly disagree", "Strongly agree"


class ChoiceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Choice
        fields = ["value", "label"]
        read_only_fields = fields


class QuestionSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="key", read_only=True, help_text="Answer by this id.")
    type = serializers.CharField(
        read_only=True, help_text=f"One of: {', '.join(Question.Type.values)}."
    )
    choices = ChoiceSerializer(many=True, read_only=True)
    min = serializers.SerializerMethodField(help_text="Scale questions: the lowest answer.")
    max = serializers.SerializerMethodField(help_text="Scale questions: the highest answer.")
    min_label = serializers.SerializerMethodField(help_text="Scale questions: what `min` means.")
    max_label = serializers.SerializerMethodField(help_text="Scale questions: what `max` means.")

    class Meta:
        model = Question
        fields = [
            "id",
            "text",
            "type",
            "required",
            "choices",
            "min",
            "max",
            "min_label",
            "max_label",
        ]
        read_only_fields = fields

    def _scale(self, question: Question, value):
        return value if question.type == Question.Type.SCALE else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_min(self, question: Question) -> int | None:
        return self._scale(question, scoring.SCALE_MIN)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_max(self, question: Question) -> int | None:
        return self._scale(question, scoring.SCALE_MAX)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_min_label(self, question: Question) -> str | None:
        return self._scale(question, SCALE_MIN_LABEL)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_max_label(self, question: Question) -> str | None:
        return self._scale(question, SCALE_MAX_LABEL)


class QuestionnaireSerializer(serializers.ModelSerializer):
    questions = QuestionSerializer(many=True, read_only=True)

    class Meta:
        model = Questionnaire
        fields = ["version", "title", "description", "questions"]
        read_only_fields = fields


class SubmitSerializer(serializers.Serializer):
    """Answers to the current questionnaire version, every one checked against it."""

    version = serializers.IntegerField(
        min_value=1, help_text="The version answered: it must be the current one."
    )
    answers = serializers.DictField(
        child=serializers.JSONField(allow_null=True),
        allow_empty=True,
        help_text="{question id: answer}: a choice value (single_choice), a list of distinct "
        "choice values (multiple_choice), an integer 1-5 (scale) or text of at most "
        f"{scoring.TEXT_ANSWER_MAX_LENGTH} characters (text).",
    )

    def validate_answers(self, answers):
        if len(answers) > MAX_ANSWERS:
            raise serializers.ValidationError(
                f"At most {MAX_ANSWERS} answers.", code="too_many_answers"
            )
        return answers

    def validate(self, attrs):
        questionnaire: Questionnaire = self.context["questionnaire"]
        if attrs["version"] != questionnaire.version:
            raise serializers.ValidationError(
                {
                    "version": ErrorDetail(
                        f"Version {attrs['version']} is not the current questionnaire; "
                        f"answer version {questionnaire.version}.",
                        code="stale_version",
                    )
                }
            )
        cleaned, errors = scoring.clean_answers(questionnaire.questions.all(), attrs["answers"])
        if errors:
            raise serializers.ValidationError(
                {
                    "answers": {
                        key: [ErrorDetail(error.message, code=error.code)]
                        for key, error in errors.items()
                    }
                }
            )
        return {**attrs, "answers": cleaned}


class SubmitAcceptedSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="The result's id.")
    status = serializers.CharField(
        help_text="The analysis: pending, or failed when the AI quota was used up."
    )
    status_url = serializers.URLField(help_text="The result: poll its analysis_status.")
    generation = GenerationAcceptedSerializer(
        allow_null=True, help_text="The AI analysis; null when the quota was used up."
    )


class ResultSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="questionnaire.version", read_only=True)
    scores = serializers.DictField(
        child=serializers.IntegerField(), read_only=True, help_text="{dimension: 0-100}"
    )
    analysis = serializers.JSONField(
        read_only=True,
        allow_null=True,
        help_text="{summary, strengths, growth_areas, archetype_insight, ai_learning_advice, "
        "suggested_goals: [{title, description, confidence}]}; null until ready.",
    )
    analysis_status = serializers.CharField(
        read_only=True, help_text=f"One of: {', '.join(GenerationStatus.values)}."
    )
    generation_id = serializers.UUIDField(read_only=True, allow_null=True)
    ai = AIProvenanceField(help_text="Who wrote the analysis; null when none was asked for.")

    class Meta:
        model = AssessmentResult
        fields = [
            "id",
            "version",
            "archetype",
            "scores",
            "ai_interest",
            "learning_style",
            "analysis",
            "analysis_status",
            "generation_id",
            "ai",
            "notes",
            "created_at",
        ]
        read_only_fields = fields


class ResultDetailSerializer(ResultSerializer):
    """One result; its ``notes`` are the member's to write (PUT or PATCH), nothing else."""

    answers = serializers.JSONField(read_only=True, help_text="{question id: answer}")
    notes = serializers.CharField(
        max_length=NOTE_MAX_LENGTH,
        allow_blank=True,
        trim_whitespace=True,
        help_text=f"The member's own notes, at most {NOTE_MAX_LENGTH} characters; the "
        "only field PUT and PATCH change (PUT needs it; blank clears it).",
    )

    class Meta(ResultSerializer.Meta):
        fields = [*ResultSerializer.Meta.fields, "answers"]
        read_only_fields = [name for name in fields if name != "notes"]
