"""Admin of incidents: reporting lines, staff phones and the on-call rota are edited here;
incidents are read here by administrators only (the desk is where they are worked on), never
deleted, and every page that shows one writes to the access log."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from base.admin import ReadOnlyLogAdmin
from base.roles import has_role
from care.incidents.models import (
    Incident,
    IncidentExternalReport,
    IncidentFollowUp,
    OnCallShift,
    ReportingLine,
    StaffPhone,
)
from care.incidents.services import incident_log
from config.api import client_ip


class _NoDelete(admin.ModelAdmin):
    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReportingLine)
class ReportingLineAdmin(_NoDelete):
    list_display = ["target_group", "agency", "phone", "sort_order", "is_active"]
    list_filter = ["target_group", "is_active"]


@admin.register(StaffPhone)
class StaffPhoneAdmin(admin.ModelAdmin):
    list_display = ["user", "phone"]
    search_fields = ["user__username", "phone"]
    list_select_related = ["user"]


@admin.register(OnCallShift)
class OnCallShiftAdmin(admin.ModelAdmin):
    list_display = ["coordinator", "starts_at", "ends_at", "phone"]
    list_select_related = ["coordinator"]
    date_hierarchy = "starts_at"


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class FollowUpInline(_ReadOnlyInline):
    model = IncidentFollowUp
    fields = readonly_fields = ["at", "author", "text"]


class ExternalReportInline(_ReadOnlyInline):
    model = IncidentExternalReport
    fields = readonly_fields = [
        "agency",
        "reported_at",
        "person",
        "receipt_number",
        "recorded_by",
        "recorded_at",
    ]


class _AdministratorsRead(ReadOnlyLogAdmin):
    """Read here by administrators only (the reporter of a suspected abuse report is shown
    here); written on the desk and the API."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return has_role(request.user, "administrator")


@admin.register(IncidentFollowUp)
class IncidentFollowUpAdmin(_AdministratorsRead):
    list_display = ["incident", "at", "author"]
    list_select_related = ["incident", "author"]


@admin.register(IncidentExternalReport)
class IncidentExternalReportAdmin(_AdministratorsRead):
    list_display = ["incident", "agency", "reported_at", "person", "receipt_number"]
    list_select_related = ["incident"]


@admin.register(Incident)
class IncidentAdmin(_AdministratorsRead):
    list_display = ["pk", "kind", "state", "recipient", "occurred_at", "reported_at"]
    list_filter = ["state", "kind"]
    list_select_related = ["recipient", "corps_member"]
    date_hierarchy = "reported_at"
    inlines = [FollowUpInline, ExternalReportInline]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            incident_log(
                actor=request.user,  # type: ignore[arg-type]
                incidents=changelist.result_list,
                source_ip=client_ip(request),
                path=request.path,
            )
        return response

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        incident = super().get_object(request, object_id, from_field)
        if incident is not None:
            incident_log(
                actor=request.user,  # type: ignore[arg-type]
                incidents=[incident],
                source_ip=client_ip(request),
                path=request.path,
            )
        return incident
