"""Admin of the freshness workflow: contacts (also inline on the organization, which
consultations.admin adds), invitations and proposed changes read-only (the desk reviews)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from consultations.freshness.models import OrganizationContact, ProposedChange, ReviewInvitation


class ContactFormSet(forms.BaseInlineFormSet):
    """One primary active contact per organization, said next to the rows rather than as the
    database's refusal when two new rows are both marked primary."""

    def clean(self) -> None:
        super().clean()
        primaries = [
            form
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("is_primary")
            and form.cleaned_data.get("is_active")
        ]
        if len(primaries) > 1:
            raise ValidationError(_("기관마다 주 담당자는 한 명입니다."))


class OrganizationContactInline(admin.TabularInline):
    model = OrganizationContact
    formset = ContactFormSet
    fields = ["name", "title", "phone", "email", "is_primary", "is_active"]
    extra = 0


@admin.register(OrganizationContact)
class OrganizationContactAdmin(admin.ModelAdmin):
    """All contacts in one list, to find whom to call; edited on their organization's page
    too (the inline)."""

    list_display = ["name", "organization", "title", "phone", "is_primary", "is_active"]
    list_filter = ["is_primary", "is_active"]
    search_fields = ["name", "phone", "organization__name"]
    list_select_related = ["organization"]
    autocomplete_fields = ["organization"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReviewInvitation)
class ReviewInvitationAdmin(ReadOnlyAdmin):
    list_display = ["resource", "contact", "created_at", "expires_at", "used_at", "requested_by"]
    list_filter = ["used_at"]
    search_fields = ["resource__name", "contact__name"]
    list_select_related = ["resource", "contact__organization", "requested_by"]
    exclude = ["nonce"]
    date_hierarchy = "created_at"


@admin.register(ProposedChange)
class ProposedChangeAdmin(ReadOnlyAdmin):
    list_display = ["resource", "submitted_at", "confirms_unchanged", "state", "reviewed_by"]
    list_filter = ["state", "confirms_unchanged"]
    search_fields = ["resource__name"]
    list_select_related = ["resource", "reviewed_by"]
    date_hierarchy = "submitted_at"
