from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from base.models import ServiceType
from base.serializers import code_field
from care.episodes.models import Episode
from care.schedule.models import CarePlanEntry, ScheduledVisit
from volunteers.compliance.serializers import ComplianceOverrideSerializer, override_reason_field
from volunteers.models import CorpsMember


class CarePlanEntrySerializer(serializers.ModelSerializer):
    """One weekly line of an episode's care plan (서비스 계획)."""

    episode = serializers.PrimaryKeyRelatedField(
        queryset=Episode.objects.all(), help_text=_("돌봄 회차 id (선정 또는 서비스 중)")
    )
    corps_member = serializers.PrimaryKeyRelatedField(
        queryset=CorpsMember.objects.all(), help_text=_("방문할 단원 id")
    )
    service_types = code_field(
        ServiceType.objects.all(),
        many=True,
        help_text=_("제공할 서비스 유형 코드 목록 (/api/v1/service-types/)"),
    )
    recipient = serializers.IntegerField(source="episode.recipient_id", read_only=True)
    recipient_name = serializers.CharField(source="episode.recipient.name", read_only=True)
    corps_member_name = serializers.CharField(source="corps_member.name", read_only=True)
    compliance_override_reason = override_reason_field()
    compliance_override = ComplianceOverrideSerializer(read_only=True, allow_null=True)

    class Meta:
        model = CarePlanEntry
        fields = [
            "id", "episode", "recipient", "recipient_name", "weekday", "start_time",
            "planned_minutes", "service_types", "corps_member", "corps_member_name",
            "valid_from", "valid_until", "note", "created_at", "updated_at",
            "compliance_override_reason", "compliance_override",
        ]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {
            "weekday": {"help_text": _("요일: 0=월 … 6=일")},
            "valid_from": {"required": False, "help_text": _("생략하면 오늘 또는 회차 시작일")},
        }

    def validate(self, attrs: dict) -> dict:
        # Field shape only; the rules (period, episode state, qualified member) are the
        # service's, which answers 400 with the field named.
        if self.instance is not None and "episode" in attrs:
            if attrs["episode"].pk != self.instance.episode_id:
                raise serializers.ValidationError(
                    {"episode": [_("계획 항목의 회차는 바꿀 수 없습니다.")]}
                )
            attrs.pop("episode")
        return attrs


class ScheduledVisitSerializer(serializers.ModelSerializer):
    """방문 일정: one dated occurrence of a plan, and what became of it."""

    state_display = serializers.CharField(source="get_state_display", read_only=True)
    ends_at = serializers.SerializerMethodField(help_text=_("예정 종료 시각"))
    recipient_name = serializers.CharField(source="recipient.name", read_only=True)
    recipient_phone = serializers.CharField(source="recipient.phone", read_only=True)
    recipient_address = serializers.CharField(source="recipient.address", read_only=True)
    region = serializers.CharField(source="recipient.region.code", read_only=True)
    corps_member_name = serializers.CharField(source="corps_member.name", read_only=True)
    corps_member_phone = serializers.CharField(source="corps_member.phone", read_only=True)
    original_corps_member_name = serializers.CharField(
        source="original_corps_member.name", read_only=True, allow_null=True, default=None
    )
    service_types = serializers.SerializerMethodField(help_text=_("계획된 서비스 유형 코드"))
    compliance_override = ComplianceOverrideSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ScheduledVisit
        fields = [
            "id", "episode", "recipient", "recipient_name", "recipient_phone",
            "recipient_address", "region", "plan_entry", "occurrence_date", "starts_at",
            "ends_at", "planned_minutes", "service_types", "corps_member", "corps_member_name",
            "corps_member_phone", "original_corps_member", "original_corps_member_name", "state",
            "state_display", "touched", "visit", "change_reason", "compliance_override",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_ends_at(self, obj: ScheduledVisit) -> str:
        return serializers.DateTimeField().to_representation(
            obj.starts_at + timedelta(minutes=obj.planned_minutes)
        )

    def get_service_types(self, obj: ScheduledVisit) -> list[str]:
        if obj.plan_entry is None:
            return []
        return [service_type.code for service_type in obj.plan_entry.service_types.all()]


class ScheduledVisitReassignSerializer(serializers.Serializer):
    corps_member = serializers.PrimaryKeyRelatedField(
        queryset=CorpsMember.objects.all(), help_text=_("대체 방문할 단원 id")
    )
    reason = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default="", help_text=_("사유")
    )
    compliance_override_reason = override_reason_field()


class ScheduledVisitMoveSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField(help_text=_("새 예정 시각"))
    reason = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default="", help_text=_("사유")
    )


class ScheduledVisitCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text=_("취소 사유 (필수)"))
