from django.contrib import admin

from base.admin import ReferenceDataAdmin
from volunteers.models import CorpsMember, Qualification

admin.site.register(Qualification, ReferenceDataAdmin)


@admin.register(CorpsMember)
class CorpsMemberAdmin(admin.ModelAdmin):
    list_display = ["name", "phone", "region", "status", "joined_on", "left_on", "user"]
    list_filter = ["status", "region", "service_types", "qualifications"]
    search_fields = ["name", "phone", "user__username"]
    list_select_related = ["region", "user"]
    filter_horizontal = ["service_types", "qualifications"]
    autocomplete_fields = ["user"]
    readonly_fields = ["created_at", "updated_at"]


# Corps compliance's admin is in its package; importing it registers it.
from volunteers.compliance import admin as compliance_admin  # noqa: E402, F401
