from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.admin import ReadOnlyLogAdmin
from base.models import AccessLog
from base.services import access_log_record
from care import services
from care.models import Assignment, NoVisitAlert, Recipient, Visit, VisitException
from config.api import client_ip
from volunteers.compliance import selectors as compliance_selectors


class AssignmentInline(admin.TabularInline):
    """Shown for reference only: assignments are made on their own page, where the
    assignment rules run (see AssignmentAdmin)."""

    model = Assignment
    extra = 0
    can_delete = False
    show_change_link = True
    fields = readonly_fields = ["corps_member", "program", "starts_on", "ends_on", "assigned_by"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AssignmentAdminForm(forms.ModelForm):
    compliance_override_reason = forms.CharField(
        label=_("요건 예외 사유"),
        max_length=300,
        required=False,
        help_text=_("단원의 필수 요건이 만료·미이수일 때 그래도 배정하는 이유 (기록됨)"),
    )

    class Meta:
        model = Assignment
        fields = ["recipient", "episode", "corps_member", "program", "starts_on", "ends_on"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Left empty, the assignment serves the recipient's open episode (assignment_check).
        self.fields["episode"].required = False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.errors:
            fields = {k: v for k, v in cleaned.items() if k != "compliance_override_reason"}
            candidate = Assignment(pk=self.instance.pk, **fields)
            try:
                services.assignment_check(candidate)
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    self.add_error(None if field == "__all__" else field, messages)
            else:
                cleaned["episode"] = candidate.episode
                self._compliance_clean(candidate, cleaned)
        return cleaned

    def _compliance_clean(self, candidate: Assignment, cleaned: dict[str, Any]) -> None:
        """The service's compliance rule, shown on the form instead of failing on save."""
        if self.instance.pk and self.instance.corps_member_id == candidate.corps_member_id:
            return
        if cleaned.get("compliance_override_reason", "").strip():
            return
        items = compliance_selectors.blockers(
            corps_member=candidate.corps_member,
            category=candidate.recipient.category,
            on=max(candidate.starts_on, timezone.localdate()),
        )
        if items:
            self.add_error(
                "compliance_override_reason",
                [item.describe() for item in items]
                + [_("요건을 갱신하거나 예외 사유를 적으세요.")],
            )


@admin.register(Recipient)
class RecipientAdmin(admin.ModelAdmin):
    """Every page that shows a recipient's personal data writes to the access log."""

    list_display = [
        "name",
        "birth_date",
        "region",
        "admin_unit",
        "is_rural",
        "category",
        "risk_level",
        "status",
    ]
    list_filter = ["status", "category", "risk_level", "is_rural", "emergency_reason", "region"]
    search_fields = ["name", "phone", "address", "admin_unit"]
    list_select_related = ["region"]
    filter_horizontal = ["needs"]
    readonly_fields = ["is_rural", "created_by", "created_at", "updated_at"]
    date_hierarchy = "created_at"
    inlines = [AssignmentInline]

    def _log(self, request: HttpRequest, action: str, recipients: Any) -> None:
        access_log_record(
            actor=request.user,  # type: ignore[arg-type]
            action=action,
            recipients=recipients,
            source_ip=client_ip(request),
            path=request.path,
        )

    def change_view(
        self, request: HttpRequest, object_id: str, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        response = super().change_view(request, object_id, *args, **kwargs)
        if request.method == "GET" and response.status_code == 200:
            self._log(request, AccessLog.Action.VIEW, Recipient.objects.filter(pk=object_id))
        return response

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            self._log(request, AccessLog.Action.VIEW, changelist.result_list)
        return response

    def save_model(self, request: HttpRequest, obj: Recipient, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
        action = AccessLog.Action.CHANGE if change else AccessLog.Action.CREATE
        self._log(request, action, [obj])

    def delete_model(self, request: HttpRequest, obj: Recipient) -> None:
        self._log(request, AccessLog.Action.DELETE, [obj])
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        self._log(request, AccessLog.Action.DELETE, list(queryset))
        super().delete_queryset(request, queryset)


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    """Goes through the assignment services, so admin obeys the same rules as the API."""

    form = AssignmentAdminForm
    list_display = ["recipient", "corps_member", "program", "starts_on", "ends_on", "assigned_by"]
    list_filter = ["program", "starts_on"]
    search_fields = ["recipient__name", "corps_member__name"]
    list_select_related = ["recipient", "corps_member__region", "program", "assigned_by"]
    autocomplete_fields = ["recipient", "corps_member"]
    readonly_fields = ["assigned_by", "created_at"]

    def save_model(self, request: HttpRequest, obj: Assignment, form: Any, change: bool) -> None:
        # The admin's generated form lists the read-only fields in its Meta too; the service
        # takes the writable ones the form class names.
        fields = {name: form.cleaned_data[name] for name in AssignmentAdminForm.Meta.fields}
        fields["compliance_override_reason"] = form.cleaned_data["compliance_override_reason"]
        if change:
            fields.pop("recipient")
            saved = services.assignment_update(
                actor=request.user, assignment=obj, source_ip=client_ip(request), **fields
            )
        else:
            saved = services.assignment_create(
                actor=request.user, source_ip=client_ip(request), **fields
            )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Assignment) -> None:
        services.assignment_delete(actor=request.user, assignment=obj, source_ip=client_ip(request))


class VisitExceptionInline(admin.TabularInline):
    model = VisitException
    extra = 0
    can_delete = False
    fields = readonly_fields = [
        "kind",
        "detail",
        "created_at",
        "resolved_at",
        "resolved_by",
        "resolution",
    ]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    """Visits are read here; they are recorded by tablets and reviewed on the coordinator
    desk, where the visit rules run (care.visits)."""

    list_display = [
        "started_at",
        "ended_at",
        "recipient",
        "corps_member",
        "program",
        "status",
        "created_at",
    ]
    list_filter = ["status", "program", "started_at"]
    search_fields = ["recipient__name", "corps_member__name", "=client_uuid"]
    list_select_related = ["recipient", "corps_member", "program"]
    date_hierarchy = "started_at"
    inlines = [VisitExceptionInline]
    readonly_fields = [field.name for field in Visit._meta.fields] + ["service_types"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def change_view(
        self, request: HttpRequest, object_id: str, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        response = super().change_view(request, object_id, *args, **kwargs)
        if response.status_code == 200:
            visit = Visit.objects.select_related("recipient").filter(pk=object_id).first()
            if visit is not None:
                access_log_record(
                    actor=request.user,  # type: ignore[arg-type]
                    action=AccessLog.Action.VIEW,
                    recipients=[visit.recipient],
                    source_ip=client_ip(request),
                    path=request.path,
                )
        return response


@admin.register(NoVisitAlert)
class NoVisitAlertAdmin(ReadOnlyLogAdmin):
    list_display = ["as_of", "recipient", "corps_member", "last_visit_at"]
    list_filter = ["as_of"]
    search_fields = ["recipient__name", "corps_member__name"]
    list_select_related = ["recipient", "corps_member"]


@admin.register(VisitException)
class VisitExceptionAdmin(ReadOnlyLogAdmin):
    """Resolving an exception needs a reason and is done on the coordinator desk."""

    list_display = ["created_at", "kind", "visit", "resolved_at", "resolved_by"]
    list_filter = ["kind", "resolved_at"]
    search_fields = ["visit__recipient__name", "detail", "resolution"]
    list_select_related = ["visit", "resolved_by"]


# Episodes' and the schedule's admin live in their packages; admin autodiscovery only imports
# care.admin.
from care.audit import admin as audit_admin  # noqa: E402, F401
from care.conferences import admin as conferences_admin  # noqa: E402, F401
from care.consent import admin as consent_admin  # noqa: E402, F401
from care.episodes import admin as episodes_admin  # noqa: E402, F401
from care.incidents import admin as incidents_admin  # noqa: E402, F401
from care.repairs import admin as repairs_admin  # noqa: E402, F401
from care.satisfaction import admin as satisfaction_admin  # noqa: E402, F401
from care.schedule import admin as schedule_admin  # noqa: E402, F401
