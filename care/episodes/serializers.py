"""Episodes on the API: what is read, and the input of each action."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from base.models import Program, Region, ServiceType
from base.serializers import code_field
from care.episodes.models import (
    AfterCareCheck,
    EligibilityAnswer,
    Episode,
    EpisodeTransition,
    ExtensionRequest,
    IncomeBracket,
    ProgramRules,
)
from care.episodes.selectors import EpisodeUsage, episode_usage, usage_of
from care.models import Recipient

# The directory lives in consultations, above care: reached through the episode's own
# foreign keys, never by import.
Organization = Episode._meta.get_field("linked_organization").related_model
WelfareResource = Episode._meta.get_field("linked_resource").related_model


class EpisodeUsageSerializer(serializers.Serializer):
    days_used = serializers.IntegerField()
    days_max = serializers.IntegerField(allow_null=True)
    days_percent = serializers.IntegerField()
    minutes_delivered = serializers.IntegerField()
    minutes_planned = serializers.IntegerField()
    minutes_max = serializers.IntegerField(allow_null=True)
    minutes_remaining = serializers.IntegerField(allow_null=True)
    hours_percent = serializers.IntegerField()
    warn_days = serializers.BooleanField()
    warn_hours = serializers.BooleanField()


class EpisodeSerializer(serializers.ModelSerializer):
    """An episode in a list: who, which program, where it stands, how much it has used."""

    recipient_name = serializers.CharField(source="recipient.name", read_only=True)
    region = serializers.CharField(source="recipient.region.code", read_only=True)
    program = serializers.SlugRelatedField(slug_field="code", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    usage = serializers.SerializerMethodField()

    class Meta:
        model = Episode
        fields = [
            "id", "recipient", "recipient_name", "region", "program", "state", "state_display",
            "referred_on", "referral_source", "emergency_reason", "starts_on", "planned_end_on",
            "max_days", "max_hours", "extensions_granted", "closed_on", "closure_reason",
            "usage",
        ]  # fmt: skip
        read_only_fields = fields

    def _usage(self, episode: Episode) -> EpisodeUsage:
        return usage_of(episode, minutes=getattr(episode, "delivered_minutes", 0.0))

    @extend_schema_field(EpisodeUsageSerializer)
    def get_usage(self, episode: Episode) -> dict[str, Any]:
        return EpisodeUsageSerializer(self._usage(episode)).data  # type: ignore[return-value]


class EpisodeTransitionSerializer(serializers.ModelSerializer):
    by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = EpisodeTransition
        fields = ["from_state", "to_state", "at", "by", "reason"]
        read_only_fields = fields


class EligibilityAnswerSerializer(serializers.ModelSerializer):
    criterion = serializers.SlugRelatedField(slug_field="code", read_only=True)
    question = serializers.CharField(source="criterion.question", read_only=True)
    checked_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = EligibilityAnswer
        fields = ["criterion", "question", "answer", "source", "checked_on", "checked_by", "note"]
        read_only_fields = fields


class ExtensionRequestSerializer(serializers.ModelSerializer):
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ExtensionRequest
        fields = [
            "id", "episode", "reason", "extra_days", "extra_hours", "state", "requested_at",
            "requested_by", "decided_at", "decided_by", "decision_note",
        ]  # fmt: skip
        read_only_fields = fields


class AfterCareCheckSerializer(serializers.ModelSerializer):
    done_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = AfterCareCheck
        fields = ["id", "due_on", "done_at", "done_by", "outcome", "note"]
        read_only_fields = fields


class EpisodeDetailSerializer(EpisodeSerializer):
    """One episode with its referral, assessment, decision, closure and history."""

    needs = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    income_bracket = serializers.SlugRelatedField(slug_field="code", read_only=True)
    referral_region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    assessed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    closed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    transitions = EpisodeTransitionSerializer(many=True, read_only=True)
    eligibility = EligibilityAnswerSerializer(many=True, read_only=True)
    extensions = ExtensionRequestSerializer(many=True, read_only=True)
    aftercare = serializers.SerializerMethodField()

    class Meta(EpisodeSerializer.Meta):
        fields = [
            *EpisodeSerializer.Meta.fields,
            "referral_organization", "referral_region", "referrer_name", "referrer_contact",
            "referral_note", "needs", "risk_level", "living_situation", "carer_situation",
            "assessment_note", "income_bracket", "assessed_at", "assessed_by", "decided_at",
            "decided_by", "decision_reason", "fee_class", "copay_percent", "fee_basis",
            "national_share_percent", "closed_by", "closure_note", "linked_organization",
            "linked_resource", "transitions", "eligibility", "extensions", "aftercare",
        ]  # fmt: skip
        read_only_fields = fields

    def _usage(self, episode: Episode) -> EpisodeUsage:
        return episode_usage(episode)

    @extend_schema_field(AfterCareCheckSerializer(allow_null=True))
    def get_aftercare(self, episode: Episode) -> dict[str, Any] | None:
        check = getattr(episode, "aftercare", None)
        return AfterCareCheckSerializer(check).data if check else None  # type: ignore[return-value]


class EpisodeCaregiverSerializer(EpisodeSerializer):
    """What a caregiver sees of their recipients' open episodes: no eligibility, no fee."""

    class Meta(EpisodeSerializer.Meta):
        fields = [
            "id", "recipient", "recipient_name", "region", "program", "state", "state_display",
            "starts_on", "planned_end_on", "max_days", "max_hours", "usage",
        ]  # fmt: skip
        read_only_fields = fields


# --- input --------------------------------------------------------------------------------


class EpisodeReferSerializer(serializers.Serializer):
    """의뢰: open an episode for a registered recipient."""

    recipient = serializers.PrimaryKeyRelatedField(queryset=Recipient.objects.all())
    program = code_field(Program.objects.filter(is_active=True), help_text=_("사업 코드"))
    referral_source = serializers.ChoiceField(choices=Episode.ReferralSource.choices)
    emergency_reason = serializers.ChoiceField(choices=Recipient.EmergencyReason.choices)
    referred_on = serializers.DateField(required=False)
    referral_organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization._default_manager.all(), required=False, allow_null=True
    )
    referral_region = code_field(Region.objects.all(), required=False, allow_null=True)
    referrer_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    referrer_contact = serializers.CharField(max_length=50, required=False, allow_blank=True)
    referral_note = serializers.CharField(required=False, allow_blank=True)


class EligibilityAnswerInputSerializer(serializers.Serializer):
    criterion = serializers.SlugField(help_text=_("선정 기준 코드"))
    answer = serializers.CharField(max_length=40, help_text=_("yes/no 또는 소득 구간 코드"))
    source = serializers.ChoiceField(choices=EligibilityAnswer.Source.choices)
    checked_on = serializers.DateField()
    note = serializers.CharField(
        max_length=300, required=False, allow_blank=True, help_text=_("타 서비스는 확인 내용")
    )


class EpisodeAssessSerializer(serializers.Serializer):
    needs = code_field(ServiceType.objects.all(), many=True, required=False)
    risk_level = serializers.ChoiceField(choices=Recipient.RiskLevel.choices)
    living_situation = serializers.ChoiceField(choices=Episode.LivingSituation.choices)
    carer_situation = serializers.CharField()
    income_bracket = serializers.SlugRelatedField(
        slug_field="code", queryset=IncomeBracket.objects.all(), required=False, allow_null=True
    )
    answers = EligibilityAnswerInputSerializer(many=True)
    assessment_note = serializers.CharField(required=False, allow_blank=True)


class EpisodeDecideSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=_("미선정 사유, 또는 기준 미충족을 예외로 선정하는 사유"),
    )
    starts_on = serializers.DateField(required=False, help_text=_("시작일 (기본: 오늘)"))


class EpisodeStartSerializer(serializers.Serializer):
    starts_on = serializers.DateField(required=False)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class EpisodeCloseSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=Episode.ClosureReason.choices)
    closed_on = serializers.DateField(required=False)
    note = serializers.CharField(required=False, allow_blank=True)
    linked_organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization._default_manager.all(), required=False, allow_null=True
    )
    linked_resource = serializers.PrimaryKeyRelatedField(
        queryset=WelfareResource._default_manager.all(), required=False, allow_null=True
    )


class ExtensionRequestInputSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)
    extra_days = serializers.IntegerField(
        min_value=0, max_value=366, required=False, help_text=_("기본: 사업 기준의 연장 일수")
    )
    extra_hours = serializers.DecimalField(
        max_digits=6,
        decimal_places=1,
        min_value=0,
        required=False,
        help_text=_("기본: 사업 기준의 연장 시간"),
    )


class ExtensionDecisionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True)


class AfterCareInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=AfterCareCheck.Outcome.choices)
    note = serializers.CharField(required=False, allow_blank=True)


class ProgramRulesSerializer(serializers.ModelSerializer):
    program = serializers.SlugRelatedField(slug_field="code", read_only=True)
    program_name = serializers.CharField(source="program.name", read_only=True)

    class Meta:
        model = ProgramRules
        fields = [
            "id", "program", "program_name", "max_days", "max_hours", "extensions_allowed",
            "extension_days", "extension_hours", "extension_approver", "warn_percent",
            "aftercare_days", "unit_cost_won", "budget_thousand_won", "national_share_percent",
            "visit_retention_years", "incident_retention_years",
        ]  # fmt: skip
        read_only_fields = fields
