"""Partner agreements (협약) on the API: JSON everywhere except the signed copy's upload."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from consultations.models import Organization
from consultations.partners.models import Agreement


class AgreementSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    status = serializers.ChoiceField(
        choices=Agreement.Status.choices,
        read_only=True,
        help_text=_("유효 / 갱신 필요(갱신 예정일까지 60일 이내) / 만료 (오늘 기준)"),
    )
    has_signed_file = serializers.SerializerMethodField()
    signed_file_url = serializers.SerializerMethodField()

    class Meta:
        model = Agreement
        fields = [
            "id", "organization", "organization_name", "title", "signed_on", "starts_on",
            "ends_on", "renewal_due_on", "scope", "status", "has_signed_file",
            "signed_file_name", "signed_file_url", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_has_signed_file(self, agreement: Agreement) -> bool:
        return bool(agreement.signed_file)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_signed_file_url(self, agreement: Agreement) -> str | None:
        """The access-checked download, never the storage's own address."""
        if not agreement.signed_file:
            return None
        return reverse("agreement-signed-file-download", args=[agreement.pk])


class AgreementInputSerializer(serializers.Serializer):
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    title = serializers.CharField(max_length=150)
    signed_on = serializers.DateField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(
        required=False, allow_null=True, help_text=_("없으면 기간을 정하지 않은 협약")
    )
    renewal_due_on = serializers.DateField(
        required=False, allow_null=True, help_text=_("기본: 종료일 30일 전")
    )
    scope = serializers.CharField(required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        starts_on, ends_on = attrs.get("starts_on"), attrs.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            raise serializers.ValidationError(
                {"ends_on": [_("협약 종료일은 시작일보다 빠를 수 없습니다.")]}
            )
        return attrs


class AgreementUpdateSerializer(AgreementInputSerializer):
    """A PATCH: any of the fields but the organization."""

    organization = None  # type: ignore[assignment]


class SignedFileUploadSerializer(serializers.Serializer):
    signed_file = serializers.FileField(help_text=_("PDF 또는 이미지, 10MB 이하"))
