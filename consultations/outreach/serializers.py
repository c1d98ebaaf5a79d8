from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from base.models import Program, Region
from base.serializers import code_field
from consultations.models import Organization
from consultations.outreach.models import OutreachSession, OutreachSite

# Who may be named as a session's staff: the team's desk staff, with a working account.
STAFF_ROLES = ("counselor", "coordinator", "administrator")


def staff_users() -> QuerySet[Any]:
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=STAFF_ROLES)
        .distinct()
        .order_by("username")
    )


class OutreachSiteSerializer(serializers.ModelSerializer):
    region = code_field(Region.objects.filter(is_active=True), help_text=_("시·군 코드"))
    partner = serializers.PrimaryKeyRelatedField(
        source="organization",
        queryset=Organization.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("협약기관 id (/api/v1/organizations/)"),
    )
    partner_name = serializers.CharField(
        source="organization.name", read_only=True, allow_null=True, help_text=_("협약기관 이름")
    )

    class Meta:
        model = OutreachSite
        fields = [
            "id", "name", "kind", "address", "region", "admin_unit", "is_rural", "partner",
            "partner_name", "is_active", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["is_rural", "created_at", "updated_at"]
        extra_kwargs = {
            "id": {"help_text": _("장소 번호")},
            "name": {"help_text": _("장소명 (시·군 안에서 고유)")},
            "kind": {
                "help_text": _(
                    "village_hall (마을회관·경로당), lh_complex (LH 주거행복지원센터 단지), "
                    "partner_office (협약기관 사무실), community_center (행정복지센터), other"
                )
            },
            "admin_unit": {"help_text": _("읍·면·동 (읍·면이면 농촌지역)")},
            "is_rural": {"help_text": _("농촌지역: 읍·면·동에서 정해짐 (읽기 전용)")},
            "is_active": {"help_text": _("사용 중인 장소 (새 회차는 사용 중인 장소에만)")},
        }
        # The pair (region, name) is checked by the service with a message of its own.
        validators: list[Any] = []


class OutreachSessionSerializer(serializers.ModelSerializer):
    site = serializers.PrimaryKeyRelatedField(
        queryset=OutreachSite.objects.all(), help_text=_("장소 id (/api/v1/outreach-sites/)")
    )
    site_name = serializers.CharField(source="site.name", read_only=True, help_text=_("장소명"))
    region = serializers.SlugRelatedField(
        source="site.region", slug_field="code", read_only=True, help_text=_("장소의 시·군 코드")
    )
    is_rural = serializers.BooleanField(
        source="site.is_rural", read_only=True, help_text=_("장소가 농촌지역(읍·면)인지")
    )
    partner = serializers.PrimaryKeyRelatedField(
        source="organization",
        queryset=Organization.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("협약기관 id (비우면 장소의 협약기관)"),
    )
    partner_name = serializers.CharField(
        source="organization.name", read_only=True, allow_null=True, help_text=_("협약기관 이름")
    )
    staff = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.none(),
        many=True,
        allow_empty=False,
        help_text=_("참여 직원 아이디 목록 (한 명 이상)"),
    )
    attendees = serializers.IntegerField(
        min_value=0, max_value=100_000, required=False, help_text=_("참석 인원 (0 이상)")
    )
    program = code_field(
        Program.objects.filter(is_active=True),
        required=False,
        help_text=_("사업 코드 (비우면 outreach_counseling, 찾아가는 상담)"),
    )
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text=_("기록한 계정")
    )
    consultation_count = serializers.IntegerField(
        read_only=True, help_text=_("이 회차에 기록된 상담 건수")
    )

    class Meta:
        model = OutreachSession
        fields = [
            "id", "held_on", "site", "site_name", "region", "is_rural", "partner",
            "partner_name", "staff", "attendees", "notes", "program", "consultation_count",
            "created_by", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {
            "id": {"help_text": _("회차 번호")},
            "held_on": {"help_text": _("상담일 (YYYY-MM-DD, 오늘까지)")},
            "notes": {"help_text": _("메모")},
        }
        # (site, held_on) is checked by the service, which names the field.
        validators: list[Any] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].child_relation.queryset = staff_users()
