from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from care import services
from care.models import (
    AccessLog,
    Assignment,
    Program,
    Recipient,
    Region,
    RoleChangeLog,
    ServiceType,
)
from config.api import client_ip


@admin.register(Region, ServiceType)
class ReferenceDataAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name", "name_en"]


@admin.register(Program)
class ProgramAdmin(ReferenceDataAdmin):
    list_display = ["code", "name", "indicator_code", "sort_order", "is_active"]
    list_filter = ["is_active", "indicator_code"]


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    autocomplete_fields = ["corps_member"]
    readonly_fields = ["assigned_by", "created_at"]


@admin.register(Recipient)
class RecipientAdmin(admin.ModelAdmin):
    """Every page that shows a recipient's personal data writes to the access log."""

    list_display = ["name", "birth_date", "region", "admin_unit", "is_rural", "category",
                    "risk_level", "status"]  # fmt: skip
    list_filter = ["status", "category", "risk_level", "is_rural", "emergency_reason", "region"]
    search_fields = ["name", "phone", "address", "admin_unit"]
    list_select_related = ["region"]
    filter_horizontal = ["needs"]
    readonly_fields = ["is_rural", "created_by", "created_at", "updated_at"]
    date_hierarchy = "created_at"
    inlines = [AssignmentInline]

    def _log(self, request: HttpRequest, action: str, recipients: Any) -> None:
        services.access_log_record(
            actor=request.user,  # type: ignore[arg-type]
            action=action,
            recipients=recipients,
            source_ip=client_ip(request),
            path=request.path,
        )

    def change_view(
        self, request: HttpRequest, object_id: str, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        response = super().change_view(request, object_id, *args, **kwargs)
        if request.method == "GET" and response.status_code == 200:
            self._log(request, AccessLog.Action.VIEW, Recipient.objects.filter(pk=object_id))
        return response

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            self._log(request, AccessLog.Action.VIEW, changelist.result_list)
        return response

    def save_model(self, request: HttpRequest, obj: Recipient, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
        action = AccessLog.Action.CHANGE if change else AccessLog.Action.CREATE
        self._log(request, action, [obj])

    def delete_model(self, request: HttpRequest, obj: Recipient) -> None:
        self._log(request, AccessLog.Action.DELETE, [obj])
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        self._log(request, AccessLog.Action.DELETE, list(queryset))
        super().delete_queryset(request, queryset)


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["recipient", "corps_member", "program", "starts_on", "ends_on", "assigned_by"]
    list_filter = ["program", "starts_on"]
    search_fields = ["recipient__name", "corps_member__name"]
    list_select_related = ["recipient", "corps_member__region", "program", "assigned_by"]
    autocomplete_fields = ["recipient", "corps_member"]
    readonly_fields = ["assigned_by", "created_at"]

    def save_model(self, request: HttpRequest, obj: Assignment, form: Any, change: bool) -> None:
        if not change:
            obj.assigned_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


class ReadOnlyLogAdmin(admin.ModelAdmin):
    """Logs are for reading: nobody adds, changes or deletes them here, superusers included."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyLogAdmin):
    list_display = ["at", "username", "source_ip", "action", "subject_type", "subject_id",
                    "subject_label", "path"]  # fmt: skip
    list_filter = ["action", "subject_type", "at"]
    search_fields = ["username", "subject_label", "=subject_id", "source_ip"]
    date_hierarchy = "at"


@admin.register(RoleChangeLog)
class RoleChangeLogAdmin(ReadOnlyLogAdmin):
    list_display = ["at", "user", "role", "change", "changed_by"]
    list_filter = ["role", "change", "at"]
    search_fields = ["user__username", "changed_by__username", "role"]
    list_select_related = ["user", "changed_by"]
    date_hierarchy = "at"


admin.site.site_header = _("전북사회서비스원 돌봄 운영")
admin.site.site_title = _("돌봄 운영")
