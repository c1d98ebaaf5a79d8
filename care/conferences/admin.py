"""Admin of case conferences: read-only. Conferences are written on the desk and through
/api/v1/case-conferences/, where the rules run and the people discussed are logged."""

from __future__ import annotations

from django.contrib import admin

from base.admin import ReadOnlyLogAdmin
from care.conferences.models import (
    ActionItem,
    CaseConference,
    CaseConferenceAttendee,
    ConferenceEpisode,
)


class AttendeeInline(admin.TabularInline):
    model = CaseConferenceAttendee
    extra = 0
    can_delete = False
    readonly_fields = ["user", "name", "role", "organization"]

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


class DiscussionInline(AttendeeInline):
    model = ConferenceEpisode
    readonly_fields = ["episode", "notes"]


class ActionItemInline(AttendeeInline):
    model = ActionItem
    readonly_fields = ["text", "owner", "due_on", "done_on", "done_by"]


@admin.register(CaseConference)
class CaseConferenceAdmin(ReadOnlyLogAdmin):
    list_display = ["held_on", "title", "chair", "place"]
    list_select_related = ["chair"]
    date_hierarchy = "held_on"
    search_fields = ["title", "place"]
    inlines = [AttendeeInline, DiscussionInline, ActionItemInline]


@admin.register(ActionItem)
class ActionItemAdmin(ReadOnlyLogAdmin):
    list_display = ["due_on", "text", "owner", "done_on", "conference"]
    list_filter = ["done_on"]
    list_select_related = ["owner", "conference"]


@admin.register(CaseConferenceAttendee)
class AttendeeAdmin(ReadOnlyLogAdmin):
    list_display = ["conference", "user", "name", "role", "organization"]
    list_select_related = ["conference", "user", "organization"]


@admin.register(ConferenceEpisode)
class DiscussionAdmin(ReadOnlyLogAdmin):
    list_display = ["conference", "episode"]
    list_select_related = ["conference", "episode__recipient"]
