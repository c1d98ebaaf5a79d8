"""Serializers of the welfare resource directory's API (resources and organizations)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from base.models import Region
from base.serializers import ReferenceDataSerializer, code_field
from consultations.models import (
    EligibilityTag,
    Organization,
    ResourceCategory,
    TargetGroup,
    WelfareResource,
)
from consultations.resources import needs_review


def _blank_to_none(value: str | None) -> str | None:
    # external_id is unique when given: "no id" is NULL, never one shared empty string.
    return value or None


class OrganizationSerializer(serializers.ModelSerializer):
    region = code_field(
        Region.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("시·군 코드 (/api/v1/regions/); 도 단위 기관은 null"),
    )

    class Meta:
        model = Organization
        fields = [
            "id", "uuid", "external_id", "name", "kind", "region", "phone", "email", "website",
            "address", "is_partner", "mou_date", "notes", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["uuid", "created_at", "updated_at"]
        extra_kwargs = {
            "id": {"help_text": _("기관 번호")},
            "uuid": {"help_text": _("공개 ID (열린 데이터 /hsds/의 organization id)")},
            "external_id": {"help_text": _("다른 시스템의 기관 ID (있을 때, 고유)")},
            "is_partner": {"help_text": _("돌봄네트워크 협약기관이면 true (업무협약일 필요)")},
            "mou_date": {"help_text": _("업무협약일 (협약기관이면 필수)")},
            "email": {"help_text": _("이메일 주소; 모르면 빈 문자열")},
            "website": {"help_text": _("누리집 주소 (https://…); 모르면 빈 문자열")},
        }

    def validate_external_id(self, value: str | None) -> str | None:
        return _blank_to_none(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        instance = self.instance
        is_partner = attrs.get("is_partner", instance.is_partner if instance else False)
        mou_date = attrs.get("mou_date", instance.mou_date if instance else None)
        if is_partner and mou_date is None:
            raise serializers.ValidationError(
                {"mou_date": [_("협약기관에는 업무협약일이 필요합니다.")]}
            )
        return attrs


@extend_schema_field(serializers.BooleanField(read_only=True))
class NeedsReviewField(serializers.ReadOnlyField):
    """The list's ``needs_review`` annotation, or the same rule applied to a bare object."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["source"] = "*"
        super().__init__(**kwargs)

    def to_representation(self, value: WelfareResource) -> bool:
        annotated = getattr(value, "needs_review", None)
        return annotated if annotated is not None else needs_review(value.assured_date)


class WelfareResourceSerializer(serializers.ModelSerializer):
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), help_text=_("제공기관 id (/api/v1/organizations/)")
    )
    organization_name = serializers.CharField(
        source="organization.name", read_only=True, help_text=_("제공기관 이름")
    )
    category = code_field(
        ResourceCategory.objects.filter(is_active=True),
        help_text=_("분류 코드 (복지자원 분류, 예: care_emergency)"),
    )
    category_name = serializers.CharField(
        source="category.name", read_only=True, help_text=_("분류 이름")
    )
    target_groups = code_field(
        TargetGroup.objects.filter(is_active=True),
        many=True,
        required=False,
        help_text=_("지원 대상 코드 목록 (예: elderly, disabled, child)"),
    )
    regions = code_field(
        Region.objects.filter(is_active=True),
        many=True,
        required=False,
        help_text=_("제공 시·군 코드 목록 (/api/v1/regions/); 도 전역 자원은 province_wide"),
    )
    eligibility_tags = code_field(
        EligibilityTag.objects.filter(is_active=True),
        many=True,
        required=False,
        help_text=_("자격 요건 코드 목록 (예: living_alone, carer_illness, basic_livelihood)"),
    )
    needs_review = NeedsReviewField(
        help_text=_("최종 확인일이 없거나 12개월이 지나 다시 확인해야 함"),
    )

    class Meta:
        model = WelfareResource
        fields = [
            "id", "uuid", "external_id", "name", "summary", "organization",
            "organization_name", "category", "category_name", "target_groups",
            "eligibility_tags", "min_age", "max_age", "description", "eligibility", "documents",
            "hours", "province_wide", "regions", "phone", "address", "how_to_apply", "fee",
            "cost", "status", "is_published", "assured_date", "needs_review", "created_at",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = ["uuid", "created_at", "updated_at"]
        extra_kwargs = {
            "id": {"help_text": _("복지자원 번호")},
            "uuid": {"help_text": _("공개 ID (열린 데이터 /hsds/의 service id)")},
            "min_age": {"help_text": _("이 나이부터 (없으면 제한 없음)")},
            "max_age": {"help_text": _("이 나이까지 (없으면 제한 없음)")},
            "cost": {"help_text": _("free, paid, income_based; 모르면 빈 문자열")},
            "is_published": {"help_text": _("도민 검색과 공개 데이터에 보이면 true")},
            "external_id": {"help_text": _("다른 시스템의 자원 ID (있을 때, 고유)")},
            "province_wide": {"help_text": _("전북 도 전역에서 제공하면 true")},
            "status": {"help_text": _("운영 상태: active, inactive, defunct, temporarily_closed")},
            "assured_date": {
                "help_text": _("누군가 이 정보를 마지막으로 확인한 날; 12개월이 지나면 재확인")
            },
        }

    def validate_external_id(self, value: str | None) -> str | None:
        return _blank_to_none(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        instance = self.instance
        low = attrs.get("min_age", instance.min_age if instance else None)
        high = attrs.get("max_age", instance.max_age if instance else None)
        if high is not None and high > 150:
            raise serializers.ValidationError({"max_age": [_("나이는 150세를 넘을 수 없습니다.")]})
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError(
                {"min_age": [_("최소 나이는 최대 나이보다 클 수 없습니다.")]}
            )
        return attrs

    def validate_assured_date(self, value: Any) -> Any:
        if value and value > timezone.localdate():
            raise serializers.ValidationError(_("확인일은 미래일 수 없습니다."))
        return value


class ResourceCategorySerializer(ReferenceDataSerializer):
    parent = serializers.CharField(
        source="parent.code",
        read_only=True,
        allow_null=True,
        help_text=_("상위 분류의 코드 (최상위 분류이면 null)"),
    )


class EligibilityTagSerializer(ReferenceDataSerializer):
    kind = serializers.ChoiceField(
        choices=EligibilityTag.Kind.choices,
        read_only=True,
        help_text=_("종류: situation(상황) 또는 income(소득 기준)"),
    )
