"""Admin of outreach days: sites are data an administrator or counselor edits here; sessions
are recorded on the counselors' desk, and can be corrected here through the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from consultations.outreach import services
from consultations.outreach.models import OutreachSession, OutreachSite


@admin.register(OutreachSite)
class OutreachSiteAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region", "admin_unit", "is_rural", "organization", "is_active"]
    list_filter = ["kind", "region", "is_rural", "is_active"]
    search_fields = ["name", "address", "admin_unit"]
    list_select_related = ["region", "organization"]
    autocomplete_fields = ["organization"]
    readonly_fields = ["is_rural", "created_at", "updated_at"]

    def save_model(self, request: HttpRequest, obj: OutreachSite, form: Any, change: bool) -> None:
        fields = {name: form.cleaned_data[name] for name in services.SITE_FIELDS}
        saved = services.site_save(site=obj if change else None, **fields)
        obj.pk = saved.pk


class OutreachSessionAdminForm(forms.ModelForm):
    """The services' rules (no future day, a site, staff, one session per site and day) as
    form errors next to their fields, before ``save_model`` runs the service."""

    class Meta:
        model = OutreachSession
        fields = "__all__"  # noqa: DJ007 (the admin's fieldsets choose)

    def _post_clean(self) -> None:
        super()._post_clean()
        try:
            services.session_check(self.instance, self.cleaned_data.get("staff"))
        except ValidationError as exc:
            self._update_errors(exc)


@admin.register(OutreachSession)
class OutreachSessionAdmin(admin.ModelAdmin):
    form = OutreachSessionAdminForm
    list_display = ["held_on", "site", "organization", "attendees", "consultation_count", "program"]
    list_filter = ["program", "site__region", "site__kind"]
    search_fields = ["site__name", "notes"]
    list_select_related = ["site__region", "organization", "program"]
    autocomplete_fields = ["site", "organization"]
    filter_horizontal = ["staff"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    date_hierarchy = "held_on"

    def get_queryset(self, request: HttpRequest) -> QuerySet[OutreachSession]:
        return super().get_queryset(request).annotate(consultation_count=Count("consultations"))

    @admin.display(description=_("상담 건수"), ordering="consultation_count")
    def consultation_count(self, obj: OutreachSession) -> int:
        return obj.consultation_count  # type: ignore[attr-defined]

    def save_model(
        self, request: HttpRequest, obj: OutreachSession, form: Any, change: bool
    ) -> None:
        data = form.cleaned_data
        fields = {name: data[name] for name in services.SESSION_FIELDS if name in data}
        if change:
            saved = services.session_update(
                actor=request.user,  # type: ignore[arg-type]
                session=obj,
                staff=data["staff"],
                **fields,
            )
        else:
            saved = services.session_create(
                actor=request.user,  # type: ignore[arg-type]
                staff=data["staff"],
                **fields,
            )
        obj.pk = saved.pk

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # The service has set the staff already.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request: HttpRequest, obj: OutreachSession) -> None:
        try:
            services.session_delete(actor=request.user, session=obj)  # type: ignore[arg-type]
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), level="error")
