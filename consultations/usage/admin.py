from django.contrib import admin
from django.http import HttpRequest

from consultations.usage.models import ResourceViewDay, SearchTermDay


class CountersAdmin(admin.ModelAdmin):
    """The finder's counters are written by the finder alone: read-only here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(SearchTermDay)
class SearchTermDayAdmin(CountersAdmin):
    list_display = ["day", "term", "searches", "zero_results"]
    list_filter = ["day"]
    search_fields = ["term"]
    date_hierarchy = "day"


@admin.register(ResourceViewDay)
class ResourceViewDayAdmin(CountersAdmin):
    list_display = ["day", "resource", "views"]
    list_select_related = ["resource"]
    date_hierarchy = "day"
