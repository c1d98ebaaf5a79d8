from django.contrib import admin

from care.audit.models import AccessReview


@admin.register(AccessReview)
class AccessReviewAdmin(admin.ModelAdmin):
    list_display = ["year", "month", "reviewed_by", "reviewed_at"]
    readonly_fields = ["year", "month", "reviewed_by", "reviewed_at", "note"]

    def has_add_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False  # marked from the review page, which shows the month first

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False
