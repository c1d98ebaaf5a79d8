from django.contrib import admin

from consultations.rights.models import RightsRequest


@admin.register(RightsRequest)
class RightsRequestAdmin(admin.ModelAdmin):
    """Read-only here: requests are recorded and answered on the desk (/privacy-requests/),
    where a granted deletion goes through the retention's erasure."""

    list_display = ["id", "kind", "recipient_id", "consultation_id", "received_on", "due_on",
                    "status", "answered_on"]  # fmt: skip
    list_filter = ["status", "kind"]
    date_hierarchy = "received_on"
    raw_id_fields = ["recipient", "consultation", "answered_by", "created_by"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
