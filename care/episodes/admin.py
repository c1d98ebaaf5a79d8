"""Admin of episodes: program rules, brackets, fees and criteria are edited here; episodes
are read here (their changes go through the services, on the desk and the API)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from base.admin import ReadOnlyLogAdmin
from base.models import AccessLog
from base.services import access_log_record
from care.episodes.models import (
    AfterCareCheck,
    EligibilityAnswer,
    EligibilityCriterion,
    Episode,
    EpisodeHours,
    EpisodeTransition,
    ExtensionRequest,
    FeeRule,
    IncomeBracket,
    ProgramRules,
)
from config.api import client_ip


@admin.register(ProgramRules)
class ProgramRulesAdmin(admin.ModelAdmin):
    list_display = [
        "program", "max_days", "max_hours", "extensions_allowed", "extension_approver",
        "warn_percent", "aftercare_days", "unit_cost_won", "budget_thousand_won",
        "national_share_percent", "visit_retention_years", "incident_retention_years",
        "personal_data_retention_years",
    ]  # fmt: skip
    list_select_related = ["program"]


@admin.register(IncomeBracket)
class IncomeBracketAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "sort_order"]


@admin.register(FeeRule)
class FeeRuleAdmin(admin.ModelAdmin):
    list_display = ["program", "income_bracket", "copay_percent", "basis"]
    list_filter = ["program"]
    list_select_related = ["program", "income_bracket"]


@admin.register(EligibilityCriterion)
class EligibilityCriterionAdmin(admin.ModelAdmin):
    list_display = [
        "program", "code", "question", "answer_kind", "eligible_answer", "other_service",
        "sort_order", "is_active",
    ]  # fmt: skip
    list_filter = ["program", "answer_kind", "other_service", "is_active"]
    list_select_related = ["program"]


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TransitionInline(_ReadOnlyInline):
    model = EpisodeTransition
    fields = readonly_fields = ["from_state", "to_state", "at", "by", "reason"]


class EligibilityAnswerInline(_ReadOnlyInline):
    model = EligibilityAnswer
    fields = readonly_fields = [
        "criterion", "answer", "source", "checked_on", "checked_by", "note",
    ]  # fmt: skip


class ExtensionInline(_ReadOnlyInline):
    model = ExtensionRequest
    fields = readonly_fields = [
        "reason", "extra_days", "extra_hours", "state", "requested_by", "decided_by",
        "decision_note",
    ]  # fmt: skip


class AfterCareInline(_ReadOnlyInline):
    model = AfterCareCheck
    fields = readonly_fields = ["due_on", "done_at", "done_by", "outcome", "note"]


@admin.register(Episode)
class EpisodeAdmin(admin.ModelAdmin):
    """Read-mostly: every move of an episode is a service (state machine, history, locks)."""

    list_display = [
        "recipient", "program", "state", "referred_on", "starts_on", "planned_end_on",
        "closed_on", "closure_reason",
    ]  # fmt: skip
    list_filter = ["state", "program", "closure_reason", "referral_source"]
    search_fields = ["recipient__name"]
    list_select_related = ["recipient", "program"]
    date_hierarchy = "referred_on"
    inlines = [TransitionInline, EligibilityAnswerInline, ExtensionInline, AfterCareInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in Episode._meta.fields] + ["needs"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def change_view(
        self, request: HttpRequest, object_id: str, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        response = super().change_view(request, object_id, *args, **kwargs)
        if request.method == "GET" and response.status_code == 200:
            episode = Episode.objects.select_related("recipient").filter(pk=object_id).first()
            if episode is not None:
                access_log_record(
                    actor=request.user,  # type: ignore[arg-type]
                    action=AccessLog.Action.VIEW,
                    recipients=[episode.recipient],
                    source_ip=client_ip(request),
                    path=request.path,
                )
        return response


@admin.register(EpisodeTransition)
class EpisodeTransitionAdmin(ReadOnlyLogAdmin):
    list_display = ["episode", "from_state", "to_state", "at", "by"]
    list_filter = ["to_state"]
    list_select_related = ["episode__recipient", "by"]


@admin.register(EligibilityAnswer)
class EligibilityAnswerAdmin(ReadOnlyLogAdmin):
    list_display = ["episode", "criterion", "answer", "source", "checked_on", "checked_by"]
    list_filter = ["source", "criterion__program"]
    list_select_related = ["episode__recipient", "criterion", "checked_by"]


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyLogAdmin):
    list_display = ["episode", "extra_days", "extra_hours", "state", "requested_at"]
    list_filter = ["state"]
    list_select_related = ["episode__recipient"]


@admin.register(AfterCareCheck)
class AfterCareCheckAdmin(ReadOnlyLogAdmin):
    list_display = ["episode", "due_on", "done_at", "outcome"]
    list_filter = ["outcome"]
    list_select_related = ["episode__recipient"]


@admin.register(EpisodeHours)
class EpisodeHoursAdmin(ReadOnlyLogAdmin):
    """Read only: kept by the visits' triggers (care 0030), never edited by hand."""

    list_display = ["episode_id", "microseconds"]
