from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from care.models import Region, ServiceType
from care.serializers import code_field
from volunteers.models import WEEKDAY_CODES, WEEKDAYS, CorpsMember, Qualification


class CorpsMemberSerializer(serializers.ModelSerializer):
    region = code_field(Region.objects.all(), help_text=_("활동 시·군 코드"))
    service_types = code_field(
        ServiceType.objects.all(), many=True, required=False, help_text=_("제공 가능 서비스 코드")
    )
    qualifications = code_field(
        Qualification.objects.all(), many=True, required=False, help_text=_("자격 코드")
    )
    available_weekdays = serializers.ListField(
        child=serializers.ChoiceField(choices=WEEKDAYS),
        required=False,
        help_text=_("활동 가능 요일: mon tue wed thu fri sat sun"),
    )
    user = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.all(),
        required=False,
        allow_null=True,
        help_text=_("로그인 계정 (선택)"),
    )
    current_recipients = serializers.IntegerField(
        read_only=True, help_text=_("오늘 유효한 배정의 대상자 수")
    )

    class Meta:
        model = CorpsMember
        fields = [
            "id", "name", "phone", "region", "qualifications", "service_types",
            "available_weekdays", "availability_note", "status", "joined_on", "left_on", "user",
            "current_recipients", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"id": {"help_text": _("단원 번호")}}


class SuggestedCorpsMemberSerializer(serializers.ModelSerializer):
    """The corps member of a suggestion: enough to phone them and judge the fit."""

    region = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text=_("활동 시·군 코드")
    )
    service_types = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True, help_text=_("제공 가능 서비스 코드")
    )
    available_weekdays = serializers.ListField(
        child=serializers.ChoiceField(choices=WEEKDAYS),
        read_only=True,
        help_text=_("활동 가능 요일: mon tue wed thu fri sat sun"),
    )

    class Meta:
        model = CorpsMember
        fields = ["id", "name", "region", "phone", "service_types", "available_weekdays"]
        read_only_fields = fields
        extra_kwargs = {"id": {"help_text": _("단원 번호")}}


class CorpsMemberSuggestionSerializer(serializers.Serializer):
    """One ranked suggestion (volunteers.selectors.Suggestion)."""

    corps_member = SuggestedCorpsMemberSerializer(read_only=True)
    same_region = serializers.BooleanField(read_only=True, help_text=_("대상자와 같은 시·군"))
    covered_needs = serializers.IntegerField(
        read_only=True, help_text=_("대상자의 필요 서비스 중 제공 가능한 수")
    )
    needs_total = serializers.IntegerField(read_only=True, help_text=_("대상자의 필요 서비스 수"))
    available = serializers.BooleanField(
        read_only=True, help_text=_("요청한 요일에 모두 활동 가능 (요일을 주지 않으면 참)")
    )
    current_recipients = serializers.IntegerField(
        read_only=True, help_text=_("기준일에 유효한 배정의 대상자 수")
    )
    reasons = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text=_("추천 이유")
    )


class SuggestionQuerySerializer(serializers.Serializer):
    """Query parameters of the suggestions endpoint."""

    weekdays = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=_("활동해야 할 요일, 쉼표로 구분 (예: mon,wed)"),
    )
    limit = serializers.IntegerField(
        required=False, default=10, min_value=1, max_value=50, help_text=_("최대 건수 (1–50)")
    )

    def validate_weekdays(self, value: str) -> list[str]:
        codes = [code.strip().lower() for code in value.split(",") if code.strip()]
        unknown = [code for code in codes if code not in WEEKDAY_CODES]
        if unknown:
            raise serializers.ValidationError(
                _("알 수 없는 요일: %(unknown)s (사용할 수 있는 값: %(codes)s)")
                % {"unknown": ", ".join(unknown), "codes": " ".join(WEEKDAY_CODES)}
            )
        return codes
