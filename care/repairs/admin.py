"""Admin of home-repair jobs: read here; their changes go through the services (desk, API)."""

from __future__ import annotations

from django.contrib import admin

from base.admin import ReadOnlyLogAdmin
from care.repairs.models import RepairItem, RepairJob, RepairJobTransition, RepairPhoto


class RepairItemInline(admin.TabularInline):
    model = RepairItem
    extra = 0
    can_delete = False
    fields = ["item", "quantity", "unit", "unit_cost", "amount"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return False


@admin.register(RepairJob)
class RepairJobAdmin(ReadOnlyLogAdmin):
    list_display = [
        "recipient", "state", "surveyed_on", "contractor", "quote_amount", "completed_on",
        "signed_on",
    ]  # fmt: skip
    list_filter = ["state", "recipient__region"]
    list_select_related = ["recipient", "contractor"]
    date_hierarchy = "surveyed_on"
    raw_id_fields = ["recipient", "episode", "contractor"]
    inlines = [RepairItemInline]


@admin.register(RepairItem)
class RepairItemAdmin(ReadOnlyLogAdmin):
    list_display = ["job", "item", "quantity", "unit", "unit_cost", "amount"]
    list_select_related = ["job__recipient"]


@admin.register(RepairJobTransition)
class RepairJobTransitionAdmin(ReadOnlyLogAdmin):
    list_display = ["job", "from_state", "to_state", "at", "by"]
    list_select_related = ["job__recipient", "by"]


@admin.register(RepairPhoto)
class RepairPhotoAdmin(ReadOnlyLogAdmin):
    # The file itself is opened through the desk's photo view, which checks the reader's role.
    list_display = ["job", "stage", "taken_on", "width", "height", "uploaded_at"]
    list_select_related = ["job__recipient"]
    exclude = ["image"]
