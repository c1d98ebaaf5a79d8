from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from volunteers.compliance.models import (
    RECIPIENT_CATEGORIES,
    ComplianceOverride,
    ComplianceRecord,
    ComplianceRequirement,
    ComplianceStatus,
)


class ComplianceRequirementSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    applies_to = serializers.ListField(
        child=serializers.ChoiceField(choices=RECIPIENT_CATEGORIES),
        read_only=True,
        help_text=_("필요한 대상자 유형 코드 (비어 있으면 모든 대상자)"),
    )

    class Meta:
        model = ComplianceRequirement
        fields = [
            "code", "name", "kind", "kind_display", "required", "validity_months",
            "applies_to", "basis",
        ]  # fmt: skip
        read_only_fields = fields


class ComplianceOverrideSerializer(serializers.ModelSerializer):
    """예외 승인: who gave work to a member with a lapsed required item, when and why."""

    granted_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ComplianceOverride
        fields = ["id", "action", "reason", "items", "granted_by", "granted_at"]
        read_only_fields = fields


def override_reason_field() -> serializers.CharField:
    """The write-only reason a coordinator gives to override the compliance rule."""
    return serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        default="",
        max_length=300,
        help_text=_(
            "단원의 필수 요건(교육·범죄경력 조회·건강검진·보험)이 만료되었거나 없을 때 "
            "그래도 진행하는 사유 (기록됨)"
        ),
    )


class ComplianceItemSerializer(serializers.Serializer):
    """One requirement and the member's standing on it (from their latest record)."""

    requirement = serializers.CharField(source="requirement.code", help_text=_("요건 코드"))
    requirement_name = serializers.CharField(source="requirement.name")
    kind = serializers.ChoiceField(
        source="requirement.kind", choices=ComplianceRequirement.Kind.choices
    )
    required = serializers.BooleanField(source="requirement.required")
    status = serializers.ChoiceField(
        choices=ComplianceStatus.choices,
        help_text=_("ok 유효, expiring 30일 안에 만료, lapsed 만료, missing 미이수, failed 부적합"),
    )
    status_display = serializers.CharField()
    done_on = serializers.DateField(source="record.done_on", allow_null=True, default=None)
    expires_on = serializers.DateField(allow_null=True)
    result = serializers.ChoiceField(
        source="record.result",
        choices=[("", "—"), *ComplianceRecord.Result.choices],
        allow_blank=True,
        default="",
        help_text=_("범죄경력 조회만: pass 적합 / fail 부적합"),
    )
    evidence_note = serializers.CharField(source="record.evidence_note", default="")
    recorded_by = serializers.CharField(
        source="record.recorded_by.username", allow_null=True, default=None
    )
    recorded_at = serializers.DateTimeField(
        source="record.recorded_at", allow_null=True, default=None
    )


class MemberComplianceSerializer(serializers.Serializer):
    corps_member = serializers.IntegerField(source="corps_member.pk")
    corps_member_name = serializers.CharField(source="corps_member.name")
    as_of = serializers.DateField()
    blocked = serializers.BooleanField(
        help_text=_(
            "필수 요건이 만료·미이수·부적합이라 새 배정·일정을 받을 수 없음 (예외 사유 필요)"
        )
    )
    items = ComplianceItemSerializer(many=True)


class ComplianceRecordInputSerializer(serializers.Serializer):
    """An item done: the requirement's code, the day, and for the criminal-record check its
    result (pass or fail, nothing else); for the others an optional note of evidence."""

    requirement = serializers.SlugRelatedField(
        slug_field="code",
        queryset=ComplianceRequirement.objects.in_force(),
        help_text=_("요건 코드 (/api/v1/compliance-requirements/)"),
    )
    done_on = serializers.DateField(help_text=_("이수·확인일"))
    expires_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text=_("생략하면 유효기간으로 계산")
    )
    result = serializers.ChoiceField(
        choices=ComplianceRecord.Result.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("범죄경력 조회만: pass / fail"),
    )
    evidence_note = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("증빙 메모 (범죄경력 조회에는 적지 않음)"),
    )
