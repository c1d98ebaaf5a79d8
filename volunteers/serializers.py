from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from base.models import Region, ServiceType
from base.serializers import code_field
from volunteers.models import WEEKDAYS, CorpsMember, Qualification


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
