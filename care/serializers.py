from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from care.models import Assignment, Program, Recipient, Region, ServiceType


class ReferenceDataSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True, help_text=_("고유 코드"))
    name = serializers.CharField(read_only=True, help_text=_("한국어 이름"))
    name_en = serializers.CharField(read_only=True, help_text=_("영문 이름"))


class ProgramSerializer(ReferenceDataSerializer):
    indicator_code = serializers.CharField(read_only=True, help_text=_("성과지표 코드 (예: 4-1)"))


def code_field(queryset: object, **kwargs: object) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field="code", queryset=queryset, **kwargs)


class RecipientSerializer(serializers.ModelSerializer):
    region = code_field(Region.objects.all(), help_text=_("시·군 코드 (/api/v1/regions/)"))
    needs = code_field(
        ServiceType.objects.all(),
        many=True,
        required=False,
        help_text=_("필요 서비스 유형 코드 목록 (/api/v1/service-types/)"),
    )
    confirm_duplicate = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text=_("같은 이름·생년월일의 대상자가 있어도 새로 등록함을 확인"),
    )

    class Meta:
        model = Recipient
        fields = [
            "id", "name", "birth_date", "sex", "phone", "address", "region", "admin_unit",
            "is_rural", "category", "emergency_reason", "referral_source", "guardian_name",
            "guardian_relation", "guardian_phone", "needs", "risk_level", "consent_date",
            "consent_scope", "status", "notes", "created_at", "updated_at", "confirm_duplicate",
        ]  # fmt: skip
        read_only_fields = ["is_rural", "created_at", "updated_at"]


class DuplicateCandidateSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Recipient
        fields = ["id", "name", "birth_date", "region", "admin_unit", "status"]


class PossibleDuplicateSerializer(serializers.Serializer):
    """Body of the 409 answer to a possible duplicate recipient."""

    detail = serializers.CharField()
    confirm_duplicate = serializers.ListField(child=serializers.CharField())
    duplicate_candidates = DuplicateCandidateSerializer(many=True)


class AssignmentSerializer(serializers.ModelSerializer):
    program = code_field(Program.objects.all(), help_text=_("사업 코드 (/api/v1/programs/)"))
    recipient_name = serializers.CharField(source="recipient.name", read_only=True)
    corps_member_name = serializers.CharField(source="corps_member.name", read_only=True)
    assigned_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Assignment
        fields = [
            "id", "recipient", "recipient_name", "corps_member", "corps_member_name", "program",
            "starts_on", "ends_on", "assigned_by", "created_at",
        ]  # fmt: skip
        read_only_fields = ["assigned_by", "created_at"]

    def validate(self, attrs: dict) -> dict:
        starts_on = attrs.get("starts_on", getattr(self.instance, "starts_on", None))
        ends_on = attrs.get("ends_on", getattr(self.instance, "ends_on", None))
        if starts_on and ends_on and ends_on < starts_on:
            raise serializers.ValidationError({"ends_on": [_("종료일은 시작일보다 빠를 수 없습니다.")]})
        return attrs
