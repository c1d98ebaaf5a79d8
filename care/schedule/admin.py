"""Admin of care plans and scheduled visits: read-only. Plans are written on the desk and
through /api/v1/care-plans/, where the rules run and the schedule follows; one day's
changes (substitute, move, cancel) likewise."""

from __future__ import annotations

from django.contrib import admin

from base.admin import ReadOnlyLogAdmin
from care.schedule.models import CarePlanEntry, ScheduledVisit

# Read-only, as the logs are: the same rule of no add, change or delete, superusers included.
ReadOnlyAdmin = ReadOnlyLogAdmin


@admin.register(CarePlanEntry)
class CarePlanEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "episode", "weekday", "start_time", "planned_minutes", "corps_member", "valid_from",
        "valid_until",
    ]  # fmt: skip
    list_filter = ["weekday"]
    list_select_related = ["episode__recipient", "corps_member__region"]
    raw_id_fields = ["episode", "corps_member"]


@admin.register(ScheduledVisit)
class ScheduledVisitAdmin(ReadOnlyAdmin):
    list_display = [
        "starts_at", "recipient", "corps_member", "planned_minutes", "state", "touched",
        "original_corps_member",
    ]  # fmt: skip
    list_filter = ["state", "touched"]
    list_select_related = ["recipient", "corps_member__region", "original_corps_member__region"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["episode", "recipient", "plan_entry", "corps_member", "visit"]
