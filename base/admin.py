from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from base.devices.models import EnrolledTablet
from base.models import (
    AccessLog,
    AccessLogPurge,
    AccessLogVerification,
    Program,
    Region,
    RoleChangeLog,
    ServiceType,
)


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
    list_display = [
        "at",
        "username",
        "source_ip",
        "action",
        "subject_type",
        "subject_id",
        "subject_label",
        "path",
        "purpose",
        "purpose_note",
        "chain_seq",
    ]
    list_filter = ["action", "purpose", "subject_type", "at"]
    search_fields = ["username", "subject_label", "=subject_id", "source_ip"]
    date_hierarchy = "at"


@admin.register(AccessLogVerification)
class AccessLogVerificationAdmin(ReadOnlyLogAdmin):
    list_display = ["checked_at", "ok", "rows_checked", "first_broken_seq", "detail"]
    list_filter = ["ok"]
    date_hierarchy = "checked_at"


@admin.register(AccessLogPurge)
class AccessLogPurgeAdmin(ReadOnlyLogAdmin):
    list_display = ["purged_at", "cutoff", "up_to_seq", "rows_deleted", "last_hash"]
    date_hierarchy = "purged_at"


@admin.register(RoleChangeLog)
class RoleChangeLogAdmin(ReadOnlyLogAdmin):
    list_display = ["at", "user", "role", "change", "changed_by"]
    list_filter = ["role", "change", "at"]
    search_fields = ["user__username", "changed_by__username", "role"]
    list_select_related = ["user", "changed_by"]
    date_hierarchy = "at"


admin.site.site_header = _("전북사회서비스원 돌봄 운영")
admin.site.site_title = _("돌봄 운영")


@admin.register(EnrolledTablet)
class EnrolledTabletAdmin(admin.ModelAdmin):
    """Read here; enrolled and revoked from the coordinators' desk (/coordinator/tablets/)."""

    list_display = ["name", "created_by", "enrolled_at", "last_seen", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name"]
    readonly_fields = [
        "name",
        "code_expires_at",
        "created_by",
        "enrolled_at",
        "last_seen",
        "revoked_at",
        "revoked_by",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
