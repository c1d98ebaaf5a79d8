"""Consent on the API: the records as read, the input of a consent and of a withdrawal, and
the texts."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from care.consent import texts
from care.consent.models import CONSENT_ROLES, ConsentRecord

Method = ConsentRecord.Method
# How a consent or a withdrawal may be taken now; ``legacy`` is only what older records say.
TAKEN_METHODS = [(m.value, m.label) for m in (Method.IN_PERSON, Method.PHONE, Method.IN_WRITING)]


class ConsentRecordSerializer(serializers.ModelSerializer):
    item_display = serializers.CharField(source="get_item_display", read_only=True)
    method_display = serializers.CharField(source="get_method_display", read_only=True)
    text_title = serializers.SerializerMethodField()
    taken_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    withdrawal_taken_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    in_force = serializers.BooleanField(read_only=True)

    class Meta:
        model = ConsentRecord
        fields = [
            "id", "recipient", "item", "item_display", "text_version", "text_title", "given_on",
            "method", "method_display", "taken_by", "given_by", "representative_name",
            "representative_relation", "in_force", "withdrawn_on", "withdrawal_method",
            "withdrawal_taken_by", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_text_title(self, record: ConsentRecord) -> str:
        text = record.text
        return text.title if text else ""


def _staff_users() -> object:
    """Who may be named as having taken a consent: the roles that take consent."""
    return (
        get_user_model().objects.filter(is_active=True, groups__name__in=CONSENT_ROLES).distinct()
    )


class ConsentCreateSerializer(serializers.Serializer):
    item = serializers.ChoiceField(choices=ConsentRecord.Item.choices)
    text_version = serializers.CharField(
        max_length=20,
        required=False,
        help_text=_("보여 준 동의문 판. 비우면 지금의 판입니다."),
    )
    given_on = serializers.DateField()
    method = serializers.ChoiceField(choices=TAKEN_METHODS)
    taken_by = serializers.SlugRelatedField(
        slug_field="username",
        queryset=_staff_users(),
        required=False,
        help_text=_("동의를 받은 직원의 사용자 이름. 비우면 기록하는 사람입니다."),
    )
    given_by = serializers.ChoiceField(
        choices=ConsentRecord.GivenBy.choices, default=ConsentRecord.GivenBy.SELF
    )
    representative_name = serializers.CharField(max_length=50, required=False, default="")
    representative_relation = serializers.CharField(max_length=30, required=False, default="")


class ConsentWithdrawSerializer(serializers.Serializer):
    withdrawn_on = serializers.DateField(default=timezone.localdate)
    method = serializers.ChoiceField(choices=TAKEN_METHODS)
    taken_by = serializers.SlugRelatedField(
        slug_field="username", queryset=_staff_users(), required=False
    )


class ConsentTextSectionSerializer(serializers.Serializer):
    heading = serializers.CharField()
    text = serializers.CharField()


class ConsentTextSerializer(serializers.Serializer):
    item = serializers.ChoiceField(choices=ConsentRecord.Item.choices)
    version = serializers.CharField()
    title = serializers.CharField()
    body = ConsentTextSectionSerializer(many=True)
    published_on = serializers.DateField()
    current = serializers.BooleanField()
    digest = serializers.CharField()

    @staticmethod
    def row(text: texts.ConsentText) -> dict[str, object]:
        return {
            "item": text.item,
            "version": text.version,
            "title": text.title,
            "body": [{"heading": heading, "text": body} for heading, body in text.body],
            "published_on": text.published_on,
            "current": texts.CURRENT[text.item] == text,
            "digest": text.digest,
        }
