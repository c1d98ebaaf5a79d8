"""Home-repair jobs on the API: what is read, and the input of each action."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from care.models import Episode, Recipient
from care.repairs.models import RepairItem, RepairJob, RepairJobTransition, RepairPhoto

# The directory lives in consultations, above care: reached through the job's own foreign
# key, never by import.
Organization = RepairJob._meta.get_field("contractor").related_model


class RepairItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = RepairItem
        fields = ["id", "item", "quantity", "unit", "unit_cost", "amount"]
        read_only_fields = fields


class RepairPhotoSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    url = serializers.SerializerMethodField(help_text=_("사진 파일(로그인한 담당자만)"))

    class Meta:
        model = RepairPhoto
        fields = [
            "id", "stage", "taken_on", "caption", "width", "height", "uploaded_at",
            "uploaded_by", "url",
        ]  # fmt: skip
        read_only_fields = fields

    def get_url(self, photo: RepairPhoto) -> str:
        return reverse("coordinator:repairs:photo", args=[photo.pk])


class RepairJobTransitionSerializer(serializers.ModelSerializer):
    by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = RepairJobTransition
        fields = ["from_state", "to_state", "at", "by", "reason"]
        read_only_fields = fields


class RepairJobSerializer(serializers.ModelSerializer):
    """A job in a list: the household, where the work stands, the money and the photos."""

    recipient_name = serializers.CharField(source="recipient.name", read_only=True)
    region = serializers.CharField(source="recipient.region.code", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    contractor_name = serializers.CharField(
        source="contractor.name", read_only=True, allow_null=True, default=None
    )
    items_total = serializers.IntegerField(read_only=True, help_text=_("품목 금액 합계(원)"))
    photos_before = serializers.IntegerField(read_only=True)
    photos_after = serializers.IntegerField(read_only=True)

    class Meta:
        model = RepairJob
        fields = [
            "id", "recipient", "recipient_name", "region", "episode", "state", "state_display",
            "surveyed_on", "quoted_on", "quote_amount", "contractor", "contractor_name",
            "started_on", "completed_on", "signed_on", "items_total", "photos_before",
            "photos_after",
        ]  # fmt: skip
        read_only_fields = fields


class RepairJobDetailSerializer(RepairJobSerializer):
    """One job with its survey, items, completion, sign-off, photos and history."""

    surveyed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    items = RepairItemSerializer(many=True, read_only=True)
    photos = RepairPhotoSerializer(many=True, read_only=True)
    transitions = RepairJobTransitionSerializer(many=True, read_only=True)

    class Meta(RepairJobSerializer.Meta):
        fields = [
            *RepairJobSerializer.Meta.fields,
            "surveyed_by", "needs", "completion_note", "signed_by_name", "signed_by_relation",
            "cancelled_reason", "items", "photos", "transitions",
        ]  # fmt: skip
        read_only_fields = fields


# --- input --------------------------------------------------------------------------------


class RepairItemInputSerializer(serializers.Serializer):
    item = serializers.CharField(max_length=100)
    quantity = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0)
    unit = serializers.CharField(max_length=10, required=False, allow_blank=True)
    unit_cost = serializers.IntegerField(min_value=0, help_text=_("단가(원)"))


class RepairJobCreateSerializer(serializers.Serializer):
    """현장 조사: a new work order for a household."""

    recipient = serializers.PrimaryKeyRelatedField(queryset=Recipient.objects.all())
    episode = serializers.PrimaryKeyRelatedField(
        queryset=Episode.objects.all(), required=False, allow_null=True
    )
    surveyed_on = serializers.DateField()
    needs = serializers.CharField(help_text=_("개선 필요 사항"))
    items = RepairItemInputSerializer(many=True, required=False)


class RepairJobUpdateSerializer(serializers.Serializer):
    """Corrections while the job is open; ``items`` replaces every item."""

    surveyed_on = serializers.DateField(required=False)
    needs = serializers.CharField(required=False)
    items = RepairItemInputSerializer(many=True, required=False)


class RepairQuoteSerializer(serializers.Serializer):
    quoted_on = serializers.DateField()
    contractor = serializers.PrimaryKeyRelatedField(
        queryset=Organization._default_manager.all(), help_text=_("시공 업체(기관) id")
    )
    quote_amount = serializers.IntegerField(
        min_value=0, required=False, allow_null=True, help_text=_("원; 없으면 품목 합계")
    )
    items = RepairItemInputSerializer(many=True, required=False)


class RepairStartSerializer(serializers.Serializer):
    started_on = serializers.DateField()


class RepairCompleteSerializer(serializers.Serializer):
    completed_on = serializers.DateField()
    completion_note = serializers.CharField(required=False, allow_blank=True)


class RepairSignOffSerializer(serializers.Serializer):
    signed_by_name = serializers.CharField(max_length=50)
    signed_by_relation = serializers.ChoiceField(choices=RepairJob.Relation.choices)
    signed_on = serializers.DateField()


class RepairCancelSerializer(serializers.Serializer):
    reason = serializers.CharField()


class RepairPhotoUploadSerializer(serializers.Serializer):
    """multipart/form-data: the file in ``image``."""

    stage = serializers.ChoiceField(choices=RepairPhoto.Stage.choices)
    image = serializers.FileField(help_text=_("사진 파일(10MB 이하, JPEG·PNG 등)"))
    taken_on = serializers.DateField(required=False, allow_null=True)
    caption = serializers.CharField(max_length=200, required=False, allow_blank=True)


class RepairSummarySerializer(serializers.Serializer):
    year = serializers.IntegerField()
    by_state = serializers.DictField(child=serializers.IntegerField())
    households_completed = serializers.IntegerField()
    quoted_amount_completed = serializers.IntegerField(help_text=_("완료 작업의 견적 합계(원)"))


def items_input(data: dict[str, Any]) -> list[dict[str, Any]] | None:
    items = data.get("items")
    return None if items is None else [dict(item) for item in items]
