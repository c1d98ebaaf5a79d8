"""Admin of the care information desk: the directory's reference data, organizations,
resources (with the spreadsheet import), consultations, referrals and follow-up alerts.

Writes go through ``consultations.services`` as on the API, so that the same rules hold here:
a consultation's checks and consent, a referral's allowed state changes and its history, and a
resource's search text.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.admin import ReadOnlyLogAdmin
from base.models import AccessLog
from base.services import access_log_record
from config.api import client_ip
from consultations import services
from consultations.freshness.admin import OrganizationContactInline
from consultations.importing import COLUMNS, resources_import
from consultations.models import (
    Consultation,
    EligibilityTag,
    FollowUpAlert,
    Organization,
    Referral,
    ReferralStateChange,
    ResourceCategory,
    SearchGramCount,
    TargetGroup,
    WelfareResource,
)
from consultations.resources import review_cutoff

# A resource file is a few hundred kilobytes; anything far larger is the wrong file.
IMPORT_MAX_BYTES = 10 * 1024 * 1024
IMPORT_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")


def _refresh_search_text(resources: QuerySet[WelfareResource]) -> None:
    for resource in resources.select_related("organization", "category").prefetch_related(
        "regions"
    ):
        services.resource_refresh_search_text(resource)


# --- reference data -----------------------------------------------------------------------


@admin.register(TargetGroup)
class TargetGroupAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name", "name_en"]


@admin.register(EligibilityTag)
class EligibilityTagAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "name_en", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name", "name_en"]


@admin.register(ResourceCategory)
class ResourceCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "parent", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    list_filter = ["is_active", "parent"]
    search_fields = ["code", "name", "name_en"]
    list_select_related = ["parent"]

    def save_model(
        self, request: HttpRequest, obj: ResourceCategory, form: Any, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        # The category's name is part of each of its resources' search text.
        if change and "name" in form.changed_data:
            _refresh_search_text(obj.resources.all())


# --- organizations and resources ----------------------------------------------------------


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region", "is_partner", "mou_date", "phone", "resource_count"]
    list_filter = ["is_partner", "kind", "region"]
    search_fields = ["name", "external_id", "phone", "address"]
    list_select_related = ["region"]
    readonly_fields = ["created_at", "updated_at"]
    # Whom the monthly review asks (consultations.freshness).
    inlines = [OrganizationContactInline]
    # An address typed without a scheme is a web site; today's default (http) changes in 6.0.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["name", "external_id", "kind", "region"]}),
        (_("연락처"), {"fields": ["phone", "email", "website", "address"]}),
        (_("돌봄네트워크 협약"), {"fields": ["is_partner", "mou_date"]}),
        (_("기타"), {"fields": ["notes", "created_at", "updated_at"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organization]:
        return super().get_queryset(request).annotate(resource_count=Count("resources"))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # With agreements on record the MOU date is the first one's signed date, kept by
        # consultations.partners.services: it is not typed over here.
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.agreements.exists():
            fields.append("mou_date")
        return fields

    @admin.display(description=_("자원 수"), ordering="resource_count")
    def resource_count(self, obj: Organization) -> int:
        return obj.resource_count  # type: ignore[attr-defined]

    def save_model(self, request: HttpRequest, obj: Organization, form: Any, change: bool) -> None:
        # The service saves and refreshes the search text of the organization's resources.
        services.organization_save(organization=obj)


class NeedsReviewFilter(admin.SimpleListFilter):
    title = _("확인 필요")
    parameter_name = "needs_review"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("12개월 넘게 확인 안 됨")), ("no", _("최근 12개월 안에 확인"))]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[WelfareResource]
    ) -> QuerySet[WelfareResource]:
        if self.value() == "yes":
            return queryset.needing_review()  # type: ignore[attr-defined]
        if self.value() == "no":
            return queryset.filter(assured_date__gte=review_cutoff())
        return queryset


class ResourceImportForm(forms.Form):
    file = forms.FileField(
        label=_("파일"),
        help_text=_("CSV(UTF-8 또는 CP949/EUC-KR) 또는 엑셀(XLSX). 첫 행은 열 이름입니다."),
    )
    dry_run = forms.BooleanField(
        label=_("검사만 하기"),
        required=False,
        help_text=_("저장하지 않고 오류와 바뀔 건수만 봅니다."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(IMPORT_SUFFIXES):
            raise ValidationError(_("CSV나 XLSX 파일을 올려 주세요."))
        if upload.size > IMPORT_MAX_BYTES:
            raise ValidationError(_("파일이 너무 큽니다 (10MB까지)."))
        return upload


@admin.register(WelfareResource)
class WelfareResourceAdmin(admin.ModelAdmin):
    change_list_template = "admin/consultations/resource_change_list.html"
    list_display = ["name", "organization", "category", "regions_label", "status",
                    "assured_date", "needs_review"]  # fmt: skip
    list_filter = ["status", "is_published", NeedsReviewFilter, "category", "province_wide",
                   "regions", "target_groups", "eligibility_tags", "cost",
                   "organization__is_partner"]  # fmt: skip
    search_fields = ["name", "organization__name", "external_id", "eligibility", "phone"]
    list_select_related = ["organization", "category"]
    autocomplete_fields = ["organization"]
    filter_horizontal = ["regions", "target_groups", "eligibility_tags"]
    readonly_fields = ["uuid", "search_text", "created_at", "updated_at"]
    actions = ["mark_assured_today"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "summary",
                    "external_id",
                    "organization",
                    "category",
                    "status",
                    "is_published",
                ]
            },
        ),
        (
            _("대상과 지역"),
            {
                "fields": [
                    "target_groups",
                    "eligibility_tags",
                    "min_age",
                    "max_age",
                    "province_wide",
                    "regions",
                ]
            },
        ),
        (
            _("내용"),
            {
                "fields": [
                    "description",
                    "eligibility",
                    "how_to_apply",
                    "documents",
                    "hours",
                    "fee",
                    "cost",
                ]
            },
        ),
        (_("연락처"), {"fields": ["phone", "address"]}),
        (
            _("확인"),
            {"fields": ["assured_date", "uuid", "search_text", "created_at", "updated_at"]},
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[WelfareResource]:
        return super().get_queryset(request).prefetch_related("regions")

    @admin.display(description=_("제공 시·군"))
    def regions_label(self, obj: WelfareResource) -> str:
        if obj.province_wide:
            return str(_("도 전역"))
        return ", ".join(region.name for region in obj.regions.all())

    @admin.display(description=_("확인 필요"), boolean=True)
    def needs_review(self, obj: WelfareResource) -> bool:
        return obj.assured_date is None or obj.assured_date < review_cutoff()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # The regions are saved only now, and they are part of the search text.
        services.resource_refresh_search_text(form.instance)

    @admin.action(description=_("선택한 자원을 오늘 확인한 것으로 표시"))
    def mark_assured_today(self, request: HttpRequest, queryset: QuerySet[WelfareResource]) -> None:
        today = timezone.localdate()
        for resource in queryset:
            services.resource_save(resource=resource, assured_date=today)
        self.message_user(
            request, _("%(count)d건의 최종 확인일을 오늘로 바꿨습니다.") % {"count": len(queryset)}
        )

    # the spreadsheet import

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="consultations_welfareresource_import",
            ),
            *super().get_urls(),
        ]

    def has_import_permission(self, request: HttpRequest) -> bool:
        # An import adds and changes resources and may add organizations.
        return (
            self.has_add_permission(request)
            and self.has_change_permission(request)
            and request.user.has_perm("consultations.add_organization")
            and request.user.has_perm("consultations.change_organization")
        )

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        extra_context = {**(extra_context or {}), "can_import": self.has_import_permission(request)}
        return super().changelist_view(request, extra_context)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        report = None
        form = ResourceImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            report = resources_import(
                file=upload, filename=upload.name, dry_run=form.cleaned_data["dry_run"]
            )
            if report.ok and not report.dry_run:
                messages.success(request, report.summary())
                for warning in report.warnings:
                    messages.warning(request, warning)
                return HttpResponseRedirect(
                    reverse("admin:consultations_welfareresource_changelist")
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("복지자원 가져오기"),
            "form": form,
            "report": report,
            "columns": COLUMNS,
        }
        return TemplateResponse(request, "admin/consultations/resource_import.html", context)


# --- consultations and referrals ----------------------------------------------------------


class ReferralInline(admin.TabularInline):
    """For reading: referrals are made from the consultation desk, where consent is checked,
    and move on through the referral's own page (see ReferralAdmin)."""

    model = Referral
    extra = 0
    can_delete = False
    show_change_link = True
    fields = readonly_fields = ["resource", "state", "reason", "follow_up_on", "created_by",
                                "created_at"]  # fmt: skip

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ConsultationAdminForm(forms.ModelForm):
    share_consent = forms.BooleanField(
        label=_("개인정보 제3자 제공 동의"),
        required=False,
        help_text=_("의뢰할 기관에 상담 대상자의 정보를 넘기는 데 동의했으면 표시합니다."),
    )

    class Meta:
        model = Consultation
        fields = ["held_at", "channel", "program", "recipient", "is_anonymous", "person_name",
                  "person_contact", "region", "topics", "summary", "outcome", "follow_up_on",
                  "share_consent_scope", "outreach_session"]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["share_consent"].initial = bool(self.instance.share_consent_at)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.errors:
            fields = {name: cleaned[name] for name in services.CONSULTATION_FIELDS}
            candidate = Consultation(pk=self.instance.pk, **fields)
            try:
                # The service's own checks (program, anonymity, follow-up date, not in the
                # future), run here so that a refusal is a form error rather than a 500.
                services.consultation_check(candidate)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    self.add_error(None if field not in self.fields else field, errors)
        return cleaned


@admin.register(SearchGramCount)
class SearchGramCountAdmin(ReadOnlyLogAdmin):
    """Read only: the database's triggers keep these counts (consultations 0018)."""

    list_display = ["gram", "public_texts", "public_names", "all_texts", "all_names"]
    search_fields = ["gram"]
    ordering = ["-all_texts"]


@admin.register(Consultation)
class ConsultationAdmin(admin.ModelAdmin):
    """Goes through the consultation services; showing a recipient's consultation writes to
    the access log, as every page showing a recipient's personal data does."""

    form = ConsultationAdminForm
    list_display = ["held_at", "channel", "program", "counselor", "person", "region",
                    "outcome", "follow_up_on"]  # fmt: skip
    list_filter = ["channel", "outcome", "program", "region", "held_at"]
    search_fields = ["person_name", "recipient__name", "summary", "counselor__username"]
    list_select_related = ["program", "counselor", "recipient", "region"]
    autocomplete_fields = ["recipient", "outreach_session"]
    filter_horizontal = ["topics"]
    readonly_fields = ["counselor", "share_consent_at", "follow_up_done_at", "created_at",
                       "updated_at"]  # fmt: skip
    date_hierarchy = "held_at"
    inlines = [ReferralInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "held_at",
                    "channel",
                    "program",
                    "counselor",
                    "region",
                    "outreach_session",
                ]
            },
        ),
        (
            _("상담 대상자"),
            {"fields": ["recipient", "is_anonymous", "person_name", "person_contact"]},
        ),
        (
            _("상담"),
            {"fields": ["topics", "summary", "outcome", "follow_up_on", "follow_up_done_at"]},
        ),  # fmt: skip
        (
            _("제3자 제공 동의"),
            {"fields": ["share_consent", "share_consent_scope", "share_consent_at"]},
        ),
        (_("기록"), {"fields": ["created_at", "updated_at"]}),
    ]

    @admin.display(description=_("상담 대상자"))
    def person(self, obj: Consultation) -> str:
        return obj.person_label

    def _log(self, request: HttpRequest, action: str, consultations: Any) -> None:
        recipients = {c.recipient_id: c.recipient for c in consultations if c.recipient_id}
        if recipients:
            access_log_record(
                actor=request.user,  # type: ignore[arg-type]
                action=action,
                recipients=recipients.values(),
                source_ip=client_ip(request),
                path=request.path,
            )

    def change_view(
        self, request: HttpRequest, object_id: str, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        response = super().change_view(request, object_id, *args, **kwargs)
        if request.method == "GET" and response.status_code == 200:
            shown = Consultation.objects.filter(pk=object_id).select_related("recipient")
            self._log(request, AccessLog.Action.VIEW, shown)
        return response

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            self._log(request, AccessLog.Action.VIEW, changelist.result_list)
        return response

    def save_model(self, request: HttpRequest, obj: Consultation, form: Any, change: bool) -> None:
        fields = {name: form.cleaned_data[name] for name in services.CONSULTATION_FIELDS}
        common = {
            "actor": request.user,
            "topics": form.cleaned_data["topics"],
            "share_consent": form.cleaned_data["share_consent"],
            "source_ip": client_ip(request),
        }
        if change:
            saved = services.consultation_update(consultation=obj, **common, **fields)
        else:
            saved = services.consultation_record(**common, **fields)
        obj.pk = saved.pk

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # The service has set the topics already; only the (read-only) inlines remain.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


class ReferralStateChangeInline(admin.TabularInline):
    """A referral's history: written by the referral services only, never edited."""

    model = ReferralStateChange
    extra = 0
    can_delete = False
    fields = readonly_fields = ["changed_at", "from_state", "to_state", "reason", "changed_by"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReferralAdminForm(forms.ModelForm):
    next_state = forms.ChoiceField(
        label=_("상태 바꾸기"),
        required=False,
        choices=[("", "---------"), *Referral.State.choices],
    )
    transition_reason = forms.CharField(
        label=_("바꾸는 사유"),
        required=False,
        max_length=300,
        help_text=_("거절이나 종결에는 사유가 필요합니다."),
    )

    class Meta:
        model = Referral
        fields = ["follow_up_on"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        state, reason = cleaned.get("next_state"), (cleaned.get("transition_reason") or "")
        if state:
            current = self.instance.state
            if state not in Referral.TRANSITIONS[current]:
                self.add_error(
                    "next_state",
                    _("%(from)s 상태에서 %(to)s(으)로 바꿀 수 없습니다.")
                    % {
                        "from": self.instance.get_state_display(),
                        "to": Referral.State(state).label,
                    },
                )
            elif state in (Referral.State.CLOSED, Referral.State.DECLINED) and not reason.strip():
                self.add_error("transition_reason", _("사유를 적어 주세요."))
        return cleaned


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    """State changes go through ``referral_transition`` so that each one lands in the history;
    referrals are created from a consultation, where the person's consent is checked."""

    form = ReferralAdminForm
    list_display = ["resource", "organization", "consultation", "state", "follow_up_on",
                    "created_by", "created_at"]  # fmt: skip
    list_filter = ["state", "follow_up_on", "resource__category"]
    search_fields = ["resource__name", "resource__organization__name", "reason"]
    list_select_related = ["resource__organization", "consultation", "created_by"]
    readonly_fields = ["consultation", "resource", "state", "reason", "created_by",
                       "created_at", "updated_at"]  # fmt: skip
    fields = ["consultation", "resource", "state", "reason", "follow_up_on", "next_state",
              "transition_reason", "created_by", "created_at", "updated_at"]  # fmt: skip
    date_hierarchy = "created_at"
    inlines = [ReferralStateChangeInline]

    @admin.display(description=_("제공기관"), ordering="resource__organization__name")
    def organization(self, obj: Referral) -> str:
        return obj.resource.organization.name

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Referral, form: Any, change: bool) -> None:
        if "follow_up_on" in form.changed_data:
            # A corrected check date is no state change: it leaves no history row.
            obj.save(update_fields=["follow_up_on", "updated_at"])
        if form.cleaned_data.get("next_state"):
            services.referral_transition(
                actor=request.user,  # type: ignore[arg-type]
                referral=obj,
                state=form.cleaned_data["next_state"],
                reason=form.cleaned_data["transition_reason"],
            )


@admin.register(FollowUpAlert)
class FollowUpAlertAdmin(ReadOnlyLogAdmin):
    """Recorded by the daily task; for reading only."""

    list_display = ["as_of", "kind", "due_on", "consultation", "referral"]
    list_filter = ["kind", "as_of"]
    search_fields = ["=consultation__id", "referral__resource__name"]
    list_select_related = ["consultation", "referral__resource"]
    date_hierarchy = "as_of"


@admin.register(ReferralStateChange)
class ReferralStateChangeAdmin(admin.ModelAdmin):
    """The history of referrals: written by the referral service only."""

    list_display = ["changed_at", "referral", "from_state", "to_state", "reason", "changed_by"]
    list_filter = ["to_state"]
    list_select_related = ["referral__resource", "changed_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


# The outreach package's admin (sites and sessions) registers with this site too.
from consultations.callbacks import admin as callbacks_admin  # noqa: E402, F401
from consultations.outreach import admin as outreach_admin  # noqa: E402, F401
from consultations.partners import admin as partners_admin  # noqa: E402, F401
from consultations.rights import admin as rights_admin  # noqa: E402, F401
from consultations.usage import admin as usage_admin  # noqa: E402, F401
