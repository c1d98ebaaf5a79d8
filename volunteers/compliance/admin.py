"""Admin of corps compliance: the requirements are data administrators edit; records are
made on the desk (and may be corrected here); overrides are read-only history."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from volunteers.compliance.models import (
    RECIPIENT_CATEGORIES,
    ComplianceOverride,
    ComplianceRecord,
    ComplianceRequirement,
)


class ComplianceRequirementForm(forms.ModelForm):
    # The JSON list of category codes, as check boxes.
    applies_to = forms.MultipleChoiceField(
        choices=RECIPIENT_CATEGORIES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("적용 대상자 유형"),
        help_text=_("이 유형의 대상자를 돌볼 때 필요합니다. 모두 비우면 모든 대상자에 적용됩니다."),
    )

    class Meta:
        model = ComplianceRequirement
        fields = [
            "code", "name", "kind", "required", "validity_months", "applies_to", "basis",
            "sort_order", "is_active",
        ]  # fmt: skip


@admin.register(ComplianceRequirement)
class ComplianceRequirementAdmin(admin.ModelAdmin):
    form = ComplianceRequirementForm
    list_display = [
        "name",
        "code",
        "kind",
        "required",
        "validity_months",
        "applies_to",
        "is_active",
    ]
    list_filter = ["kind", "required", "is_active"]
    search_fields = ["code", "name"]


@admin.register(ComplianceRecord)
class ComplianceRecordAdmin(admin.ModelAdmin):
    list_display = ["corps_member", "requirement", "done_on", "expires_on", "result", "recorded_by"]
    list_filter = ["requirement", "result"]
    search_fields = ["corps_member__name"]
    list_select_related = ["corps_member__region", "requirement", "recorded_by"]
    autocomplete_fields = ["corps_member"]
    readonly_fields = ["recorded_by", "recorded_at"]
    date_hierarchy = "expires_on"

    def save_model(
        self, request: HttpRequest, obj: ComplianceRecord, form: Any, change: bool
    ) -> None:
        if not change:
            obj.recorded_by = request.user  # type: ignore[assignment]
        if obj.expires_on is None:
            obj.expires_on = obj.requirement.expiry_for(obj.done_on)
        super().save_model(request, obj, form, change)


@admin.register(ComplianceOverride)
class ComplianceOverrideAdmin(admin.ModelAdmin):
    """Who gave work to a member with a lapsed required item, when and why: history only."""

    list_display = ["granted_at", "corps_member", "action", "items", "reason", "granted_by"]
    list_filter = ["action"]
    search_fields = ["corps_member__name", "reason"]
    list_select_related = ["corps_member__region", "granted_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
