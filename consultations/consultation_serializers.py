from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from base.models import Program, Region
from base.serializers import RecordedAtField, code_field
from care.models import Recipient
from consultations.models import (
    Consultation,
    FollowUpAlert,
    OutreachSession,
    Referral,
    ReferralStateChange,
    ResourceCategory,
    WelfareResource,
)


class ConsultationReferralSerializer(serializers.ModelSerializer):
    """A referral as a line of its consultation."""

    resource_name = serializers.CharField(
        source="resource.name", read_only=True, help_text=_("복지자원 이름")
    )
    organization_name = serializers.CharField(
        source="resource.organization.name", read_only=True, help_text=_("제공기관 이름")
    )

    class Meta:
        model = Referral
        fields = [
            "id", "resource", "resource_name", "organization_name", "state", "reason",
            "follow_up_on",
        ]  # fmt: skip
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": _("의뢰 번호 (/api/v1/referrals/)")},
            "resource": {"help_text": _("복지자원 id")},
            "state": {"help_text": _("의뢰 → 수락·거절 → 연계, 또는 종결")},
            "reason": {"help_text": _("거절·종결 사유")},
            "follow_up_on": {"help_text": _("확인 예정일")},
        }


class ConsultationSerializer(serializers.ModelSerializer):
    program = code_field(
        Program.objects.filter(is_active=True),
        help_text=_(
            "사업 코드: care_info_counseling (돌봄종합정보상담, 4-2) 또는 "
            "outreach_counseling (찾아가는 상담, 4-1)"
        ),
    )
    held_at = RecordedAtField(required=False, help_text=_("상담 일시 (비우면 지금)"))
    counselor = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text=_("상담원 아이디 (기록한 계정)")
    )
    # The view narrows the choices to the recipients the caller may see.
    recipient = serializers.PrimaryKeyRelatedField(
        queryset=Recipient.objects.none(),
        required=False,
        allow_null=True,
        help_text=_("등록된 돌봄대상자 id (대상자가 아니면 비움)"),
    )
    recipient_name = serializers.CharField(
        source="recipient.name", read_only=True, allow_null=True, help_text=_("돌봄대상자 이름")
    )
    region = code_field(
        Region.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text=_("시·군 코드 (비우면 대상자의 시·군)"),
    )
    topics = code_field(
        ResourceCategory.objects.filter(is_active=True),
        many=True,
        required=False,
        help_text=_("상담 주제: 복지자원 분류 코드 목록"),
    )
    share_consent = serializers.BooleanField(
        write_only=True,
        required=False,
        help_text=_(
            "개인정보 제3자 제공 동의를 받았음 (true면 지금 시각을 기록, false면 철회). "
            "신원이 있는 사람을 외부 기관에 의뢰하려면 필요"
        ),
    )
    referrals = ConsultationReferralSerializer(
        many=True, read_only=True, help_text=_("이 상담의 의뢰 목록")
    )
    outreach_session = serializers.PrimaryKeyRelatedField(
        queryset=OutreachSession.objects.all(),
        required=False,
        allow_null=True,
        help_text=_(
            "찾아가는 상담 회차 id (/api/v1/outreach-sessions/): 상담 방법은 outreach, "
            "상담일은 회차의 날이어야 함"
        ),
    )

    class Meta:
        model = Consultation
        fields = [
            "id", "held_at", "channel", "program", "counselor", "recipient", "recipient_name",
            "is_anonymous", "person_name", "person_contact", "region", "topics", "summary",
            "outcome", "follow_up_on", "follow_up_done_at", "share_consent", "share_consent_at",
            "share_consent_scope", "referrals", "outreach_session", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["follow_up_done_at", "share_consent_at", "created_at", "updated_at"]
        extra_kwargs = {
            "id": {"help_text": _("상담기록 번호")},
            "channel": {"help_text": _("상담 방법: phone, walk_in, outreach, online")},
            "is_anonymous": {"help_text": _("익명 상담 (이름, 연락처, 대상자를 적지 않음)")},
            "person_name": {"help_text": _("대상자가 아닌 사람의 이름")},
            "person_contact": {"help_text": _("연락처 (이력 조회는 ?person_contact=)")},
            "summary": {"help_text": _("상담 내용")},
            "outcome": {
                "help_text": _("결과: informed, referred, linked, follow_up (추후 상담일 필요)")
            },
            "follow_up_on": {"help_text": _("추후 상담일")},
            "follow_up_done_at": {"help_text": _("추후 상담을 마친 시각")},
            "share_consent_at": {"help_text": _("제3자 제공 동의를 기록한 시각")},
            "share_consent_scope": {"help_text": _("제3자 제공 동의 범위")},
            "created_at": {"help_text": _("등록 일시")},
            "updated_at": {"help_text": _("수정 일시")},
        }


class ReferralStateChangeSerializer(serializers.ModelSerializer):
    changed_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text=_("바꾼 계정")
    )

    class Meta:
        model = ReferralStateChange
        fields = ["from_state", "to_state", "reason", "changed_by", "changed_at"]
        read_only_fields = fields
        extra_kwargs = {
            "from_state": {"help_text": _("이전 상태 (처음 의뢰는 빈 값)")},
            "to_state": {"help_text": _("바뀐 상태")},
            "reason": {"help_text": _("사유")},
            "changed_at": {"help_text": _("바꾼 시각")},
        }


class ReferralSerializer(serializers.ModelSerializer):
    resource_name = serializers.CharField(
        source="resource.name", read_only=True, help_text=_("복지자원 이름")
    )
    organization_name = serializers.CharField(
        source="resource.organization.name", read_only=True, help_text=_("제공기관 이름")
    )
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text=_("의뢰한 계정")
    )
    history = ReferralStateChangeSerializer(
        many=True, read_only=True, help_text=_("상태 변경 이력, 오래된 것부터")
    )

    class Meta:
        model = Referral
        fields = [
            "id", "consultation", "resource", "resource_name", "organization_name", "state",
            "reason", "follow_up_on", "created_by", "created_at", "updated_at", "history",
        ]  # fmt: skip
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": _("의뢰 번호")},
            "consultation": {"help_text": _("상담기록 id")},
            "resource": {"help_text": _("복지자원 id")},
            "state": {"help_text": _("의뢰 → 수락·거절 → 연계, 또는 종결")},
            "reason": {"help_text": _("마지막 거절·종결 사유")},
            "follow_up_on": {"help_text": _("확인 예정일")},
            "created_at": {"help_text": _("의뢰 일시")},
            "updated_at": {"help_text": _("수정 일시")},
        }


class ReferralCreateSerializer(serializers.Serializer):
    # The view narrows the consultations to those the caller may see.
    consultation = serializers.PrimaryKeyRelatedField(
        queryset=Consultation.objects.none(), help_text=_("상담기록 id")
    )
    resource = serializers.PrimaryKeyRelatedField(
        queryset=WelfareResource.objects.all(), help_text=_("의뢰할 복지자원 id (운영 중)")
    )
    follow_up_on = serializers.DateField(
        required=False, allow_null=True, help_text=_("확인 예정일 (이 날이 지나면 알림)")
    )


class ReferralTransitionSerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=Referral.State.choices,
        help_text=_("새 상태: 의뢰 → 수락(accepted)·거절(declined) → 연계(linked), 또는 종결"),
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=300,
        help_text=_("사유 (거절·종결에는 필수)"),
    )


class FollowUpAlertSerializer(serializers.ModelSerializer):
    counselor = serializers.SlugRelatedField(
        source="consultation.counselor",
        slug_field="username",
        read_only=True,
        help_text=_("상담원 아이디"),
    )
    person_label = serializers.CharField(
        source="consultation.person_label", read_only=True, help_text=_("상담한 사람 (또는 익명)")
    )
    follow_up_done_at = serializers.DateTimeField(
        source="consultation.follow_up_done_at",
        read_only=True,
        allow_null=True,
        help_text=_("추후 상담을 마친 시각 (알림 뒤에 마쳤으면 값이 있음)"),
    )
    resource_name = serializers.CharField(
        source="referral.resource.name",
        read_only=True,
        allow_null=True,
        help_text=_("의뢰한 복지자원 (의뢰 알림만)"),
    )
    referral_state = serializers.CharField(
        source="referral.state",
        read_only=True,
        allow_null=True,
        help_text=_("의뢰의 지금 상태 (의뢰 알림만)"),
    )

    class Meta:
        model = FollowUpAlert
        fields = [
            "id", "as_of", "kind", "due_on", "consultation", "counselor", "person_label",
            "follow_up_done_at", "referral", "resource_name", "referral_state",
        ]  # fmt: skip
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": _("알림 번호")},
            "as_of": {"help_text": _("알림을 만든 날")},
            "kind": {"help_text": _("consultation (추후 상담) 또는 referral (의뢰 확인)")},
            "due_on": {"help_text": _("지난 예정일")},
            "consultation": {"help_text": _("상담기록 id")},
            "referral": {"help_text": _("의뢰 id (의뢰 알림만)")},
        }
