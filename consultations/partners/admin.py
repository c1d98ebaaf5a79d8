"""Admin of partner agreements: read-only; they are written on the partners' desk and through
/api/v1/agreements/, which keep the organization's MOU date and check the signed copy."""

from __future__ import annotations

from django.contrib import admin

from base.admin import ReadOnlyLogAdmin
from consultations.partners.models import Agreement


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyLogAdmin):
    list_display = ["organization", "title", "signed_on", "starts_on", "ends_on", "renewal_due_on"]
    list_select_related = ["organization"]
    date_hierarchy = "signed_on"
    search_fields = ["organization__name", "title"]
