"""Admin of satisfaction surveys: administrators keep the questionnaire (a draft is edited,
then published; a published version is read-only and changed by making a new version);
responses are read here (they are recorded on the desk, the tablet and the API)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from base.admin import ReadOnlyLogAdmin
from base.models import AccessLog
from base.services import access_log_record
from care.satisfaction import services
from care.satisfaction.models import (
    Question,
    Questionnaire,
    SatisfactionAnswer,
    SatisfactionResponse,
)
from config.api import client_ip


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0
    fields = [
        "order", "code", "text", "kind", "scale_min", "scale_max", "min_label", "max_label",
        "required", "in_overall",
    ]  # fmt: skip

    def _editable(self, obj: Questionnaire | None) -> bool:
        return obj is None or not obj.is_published

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_delete_permission(request, obj)


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    list_display = ["code", "version", "title", "is_active", "published_at"]
    list_filter = ["code", "is_active"]
    inlines = [QuestionInline]
    actions = ["make_new_version", "publish"]
    readonly_fields = ["is_active", "published_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and obj.is_published:
            return ["code", "version", "title", "description", "is_active", "published_at"]
        return self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_published:
            return False
        return super().has_delete_permission(request, obj)

    @admin.action(description=_("고치려면: 새 판 만들기"))
    def make_new_version(self, request: HttpRequest, queryset: QuerySet[Questionnaire]) -> None:
        for questionnaire in queryset:
            draft = services.questionnaire_revise(questionnaire=questionnaire)
            self.message_user(request, _("새 판을 만들었습니다: %s") % draft)

    @admin.action(description=_("게시하고 사용하기"))
    def publish(self, request: HttpRequest, queryset: QuerySet[Questionnaire]) -> None:
        for questionnaire in queryset:
            try:
                services.questionnaire_publish(questionnaire=questionnaire)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    """Questions are edited on their questionnaire's page while it is a draft."""

    list_display = ["questionnaire", "order", "code", "text", "kind", "scale_min", "scale_max"]
    list_filter = ["questionnaire", "kind"]
    list_select_related = ["questionnaire"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.questionnaire.is_published:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.questionnaire.is_published:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(SatisfactionAnswer)
class SatisfactionAnswerAdmin(ReadOnlyLogAdmin):
    list_display = ["response", "question", "score"]
    list_filter = ["question__questionnaire"]
    list_select_related = ["response", "question"]


class AnswerInline(admin.TabularInline):
    model = SatisfactionAnswer
    extra = 0
    can_delete = False
    fields = readonly_fields = ["question", "score", "text"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SatisfactionResponse)
class SatisfactionResponseAdmin(ReadOnlyLogAdmin):
    list_display = [
        "episode", "occasion", "channel", "respondent", "answered_on", "overall_score",
        "asked_by",
    ]  # fmt: skip
    list_filter = ["occasion", "channel", "respondent", "questionnaire"]
    list_select_related = ["episode__recipient", "asked_by"]
    date_hierarchy = "answered_on"
    inlines = [AnswerInline]

    def change_view(
        self, request: HttpRequest, object_id: str, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        response = super().change_view(request, object_id, *args, **kwargs)
        if request.method == "GET" and response.status_code == 200:
            found = (
                SatisfactionResponse.objects.select_related("episode__recipient")
                .filter(pk=object_id)
                .first()
            )
            if found is not None:
                access_log_record(
                    actor=request.user,  # type: ignore[arg-type]
                    action=AccessLog.Action.VIEW,
                    recipients=[found.episode.recipient],
                    source_ip=client_ip(request),
                    path=request.path,
                )
        return response
