"""Satisfaction surveys on the API: questionnaires, responses (in and out) and results."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from base.serializers import ChoiceLabelField
from care.episodes.models import Episode
from care.satisfaction.models import (
    Question,
    Questionnaire,
    SatisfactionAnswer,
    SatisfactionResponse,
)
from care.satisfaction.selectors import GROUPINGS


class QuestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Question
        fields = [
            "id", "order", "code", "text", "kind", "scale_min", "scale_max", "min_label",
            "max_label", "required", "in_overall",
        ]  # fmt: skip
        read_only_fields = fields


class QuestionnaireSerializer(serializers.ModelSerializer):
    questions = QuestionSerializer(many=True, read_only=True)

    class Meta:
        model = Questionnaire
        fields = [
            "id", "code", "version", "title", "description", "is_active", "published_at",
            "questions",
        ]  # fmt: skip
        read_only_fields = fields


class SatisfactionAnswerSerializer(serializers.ModelSerializer):
    question_code = serializers.CharField(source="question.code", read_only=True)
    question_text = serializers.CharField(source="question.text", read_only=True)

    class Meta:
        model = SatisfactionAnswer
        fields = ["question", "question_code", "question_text", "score", "text"]
        read_only_fields = fields


class SatisfactionResponseSerializer(serializers.ModelSerializer):
    """A response with its answers. Free-text answers (comments) are shown to coordinators
    and administrators only (``context["comments"]``)."""

    recipient = serializers.IntegerField(source="episode.recipient_id", read_only=True)
    recipient_name = serializers.CharField(source="episode.recipient.name", read_only=True)
    program = serializers.CharField(source="episode.program.code", read_only=True)
    region = serializers.CharField(source="episode.recipient.region.code", read_only=True)
    occasion_display = ChoiceLabelField(SatisfactionResponse.Occasion.choices, source="occasion")
    channel_display = ChoiceLabelField(SatisfactionResponse.Channel.choices, source="channel")
    questionnaire_version = serializers.IntegerField(source="questionnaire.version", read_only=True)
    asked_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    answers = SatisfactionAnswerSerializer(many=True, read_only=True)

    class Meta:
        model = SatisfactionResponse
        fields = [
            "id", "episode", "recipient", "recipient_name", "program", "region", "occasion",
            "occasion_display", "aftercare", "channel", "channel_display", "respondent",
            "respondent_relation", "questionnaire", "questionnaire_version", "answered_on",
            "asked_by", "overall_score", "client_uuid", "created_at", "answers",
        ]  # fmt: skip
        read_only_fields = fields

    def to_representation(self, instance: SatisfactionResponse) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not self.context.get("comments"):
            data["answers"] = [answer for answer in data["answers"] if not answer["text"]]
        return data


# --- input ------------------------------------------------------------------------------------


class SatisfactionAnswerInputSerializer(serializers.Serializer):
    question = serializers.IntegerField(help_text=_("문항 id (/api/v1/questionnaires/)"))
    score = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("척도 문항의 점수")
    )
    text = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text=_("서술 문항의 응답")
    )


class SatisfactionResponseInputSerializer(serializers.Serializer):
    episode = serializers.PrimaryKeyRelatedField(queryset=Episode.objects.all())
    occasion = serializers.ChoiceField(choices=SatisfactionResponse.Occasion.choices)
    channel = serializers.ChoiceField(choices=SatisfactionResponse.Channel.choices)
    respondent = serializers.ChoiceField(choices=SatisfactionResponse.Respondent.choices)
    respondent_relation = serializers.CharField(
        required=False, allow_blank=True, max_length=30, help_text=_("가족이 답했을 때: 예) 딸")
    )
    questionnaire = serializers.PrimaryKeyRelatedField(
        queryset=Questionnaire.objects.published(),
        required=False,
        allow_null=True,
        help_text=_("설문지 판 id (기본: 사용 중인 판)"),
    )
    answered_on = serializers.DateField(required=False, help_text=_("기본: 오늘"))
    client_uuid = serializers.UUIDField(
        required=False, allow_null=True, help_text=_("같은 기록 ID로 다시 보내면 저장된 응답")
    )
    answers = SatisfactionAnswerInputSerializer(many=True)

    def validate_answered_on(self, value: Any) -> Any:
        if value > timezone.localdate():
            raise serializers.ValidationError(_("응답일은 오늘 이후일 수 없습니다."))
        return value


def flat_errors(errors: Any) -> dict[str, Any]:
    """DRF's nested errors of ``answers`` ([{}, {"score": [...]}]) as ``answers[1].score``,
    the keys the service uses, so that a client reads one shape of error."""
    flat: dict[str, Any] = {}
    for name, value in errors.items():
        if name == "answers" and isinstance(value, list) and value and isinstance(value[0], dict):
            for i, item in enumerate(value):
                for field, messages in item.items():
                    flat[f"answers[{i}].{field}"] = messages
        else:
            flat[name] = value
    return flat


# --- results ----------------------------------------------------------------------------------


class ResultsQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)
    month = serializers.IntegerField(min_value=1, max_value=12, required=False)
    by = serializers.ChoiceField(choices=list(GROUPINGS), required=False, default="program")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs.setdefault("year", timezone.localdate().year)
        attrs.setdefault("month", None)
        return attrs


class QuestionResultSerializer(serializers.Serializer):
    question_id = serializers.IntegerField()
    code = serializers.CharField()
    text = serializers.CharField()
    version = serializers.IntegerField()
    scale_min = serializers.IntegerField()
    scale_max = serializers.IntegerField()
    answers = serializers.IntegerField()
    mean = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)


class GroupResultSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=_("사업·시·군 코드 또는 단원 id"))
    label = serializers.CharField()
    responses = serializers.IntegerField()
    overall = serializers.DecimalField(
        max_digits=5, decimal_places=1, allow_null=True, help_text=_("종합 점수 평균 (0–100점)")
    )
    questions = QuestionResultSerializer(many=True)


class ResultsSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    month = serializers.IntegerField(allow_null=True)
    by = serializers.CharField()
    total = GroupResultSerializer()
    groups = GroupResultSerializer(many=True)
