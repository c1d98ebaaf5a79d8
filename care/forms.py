"""Forms of the coordinators' desk. They validate input; the writes are ``care.services``."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.models import Program, Region, ServiceType
from care.consent.forms import IntakeConsentFields
from care.consent.texts import COLLECTION_USE, CURRENT
from care.filters import RecipientFilter
from care.models import Recipient, Visit, start_of_day
from volunteers.models import WEEKDAYS, CorpsMember

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has it."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, messages in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


class RecipientListFilter(RecipientFilter):
    """The desk's recipient filters: the API's, plus a search by name."""

    search = django_filters.CharFilter(
        field_name="name", lookup_expr="icontains", label=_("이름 검색")
    )

    class Meta(RecipientFilter.Meta):
        fields = ["search", "region", "status", "category", "is_rural"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The API's label names the code it takes; a person picks the region by its name.
        self.filters["region"].label = _("시·군")


class VisitReviewFilter(django_filters.FilterSet):
    """The filters of the visits waiting for review: a period of Seoul days, a corps member,
    the recipient's 시·군 and the program. The bulk verify posts the same fields back."""

    started_from = django_filters.DateFilter(
        method="filter_started_from", label=_("방문일부터"), widget=DATE_INPUT
    )
    started_until = django_filters.DateFilter(
        method="filter_started_until", label=_("방문일까지"), widget=DATE_INPUT
    )
    corps_member = django_filters.ModelChoiceFilter(
        # Shown as "name (시·군)": two members of one name are told apart.
        queryset=CorpsMember.objects.select_related("region").order_by("name", "id"),
        label=_("단원"),
    )
    region = django_filters.ModelChoiceFilter(
        field_name="recipient__region",
        queryset=Region.objects.filter(is_active=True),
        to_field_name="code",
        label=_("시·군"),
    )
    program = django_filters.ModelChoiceFilter(
        queryset=Program.objects.filter(is_active=True), to_field_name="code", label=_("사업")
    )

    class Meta:
        model = Visit
        fields = ["started_from", "started_until", "corps_member", "region", "program"]

    def filter_started_from(
        self, queryset: QuerySet[Visit], name: str, value: date
    ) -> QuerySet[Visit]:
        return queryset.filter(started_at__gte=start_of_day(value))

    def filter_started_until(
        self, queryset: QuerySet[Visit], name: str, value: date
    ) -> QuerySet[Visit]:
        # The whole last day: before the next Seoul midnight.
        return queryset.filter(started_at__lt=start_of_day(value + timedelta(days=1)))

    def conditions(self) -> list[tuple[str, str]]:
        """The chosen filters as (label, value) for a person to read back."""
        chosen = self.form.cleaned_data
        return [
            (str(self.form.fields[name].label), str(chosen[name]))
            for name in self.Meta.fields
            if chosen.get(name)
        ]

    def clean_query(self) -> dict[str, str]:
        """The valid filters as query parameters, to carry from the list to the bulk verify
        and back (the page number and unknown keys are left behind)."""
        return {
            name: self.data[name]
            for name in self.Meta.fields
            if self.data.get(name) and name in self.form.cleaned_data
        }


# The intake page's groups of fields, in the order a phone intake goes.
INTAKE_SECTIONS = (
    (_("인적 사항"), ("name", "birth_date", "sex", "phone", "address", "region", "admin_unit")),
    (
        _("돌봄 필요"),
        ("category", "emergency_reason", "referral_source", "needs", "risk_level"),
    ),
    (
        _("보호자·동의·상태"),
        ("guardian_name", "guardian_relation", "guardian_phone", "status", "notes"),
    ),
)  # fmt: skip
# The intake's own last section: the consent items (care.consent), taken with the details. The
# recipient page records later consents and withdrawals item by item.
CONSENT_SECTION = (_("개인정보 동의"), IntakeConsentFields.CONSENT_FIELDS)


class RecipientIntakeForm(forms.ModelForm, IntakeConsentFields):
    """접수: the coordinator's intake of a recipient, with the consent items agreed. Saved
    through ``recipient_create``."""

    # The region by code, so that another desk can hand over ``?region=jangsu``.
    region = forms.ModelChoiceField(
        queryset=Region.objects.filter(is_active=True), to_field_name="code", label=_("시·군")
    )
    needs = forms.ModelMultipleChoiceField(
        queryset=ServiceType.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("필요 서비스"),
    )
    confirm_duplicate = forms.BooleanField(
        required=False,
        label=_("다른 사람이 맞습니다"),
        help_text=_("같은 이름과 생년월일의 대상자가 있어도 새로 등록합니다."),
    )

    # Query parameters another desk (the counselor's) may hand over to prefill the form.
    PREFILL_FIELDS = (
        "name", "birth_date", "phone", "address", "region", "admin_unit", "referral_source",
        "notes",
    )  # fmt: skip

    class Meta:
        model = Recipient
        fields = [name for _title, names in INTAKE_SECTIONS for name in names]
        widgets = {
            "birth_date": DATE_INPUT,
            "notes": forms.Textarea(attrs={"rows": 4}),
        }

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (title, [self[name] for name in names])
            for title, names in (*INTAKE_SECTIONS, CONSENT_SECTION)
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self.consents = self.consents_from(cleaned, self.add_error)
        for consent in self.consents:
            if consent["item"] == COLLECTION_USE:
                # The model's own rule (an active person has a consent date) sees the item.
                self.instance.consent_date = consent["given_on"]
                self.instance.consent_scope = CURRENT[COLLECTION_USE].title
        return cleaned

    def _update_errors(self, errors: ValidationError) -> None:
        # The model names its older consent fields, which this form does not have: the
        # consent items (intake) or the status (edit) are where a person can act on it.
        if hasattr(errors, "error_dict"):
            target = "consent_items" if "consent_items" in self.fields else "status"
            errors = ValidationError(
                {
                    (target if key in ("consent_date", "consent_scope") else key): value
                    for key, value in errors.error_dict.items()
                }
            )
        super()._update_errors(errors)

    def add_service_errors(self, exc: ValidationError) -> None:
        """A consent item's errors on the consent fields (``given_by`` →
        ``consent_given_by``), the rest where ``add_service_errors`` puts them."""
        if hasattr(exc, "error_dict"):
            renamed = {
                (f"consent_{key}" if f"consent_{key}" in self.fields else key): messages
                for key, messages in exc.message_dict.items()
            }
            exc = ValidationError(renamed)
        add_service_errors(self, exc)

    @classmethod
    def prefill(cls, query: Any) -> dict[str, str]:
        """The initial values found in a GET query (unknown keys are ignored)."""
        return {name: query[name] for name in cls.PREFILL_FIELDS if query.get(name)}

    def service_fields(self) -> dict[str, Any]:
        """The cleaned data as ``recipient_create`` takes it."""
        fields = dict(self.cleaned_data)
        fields.pop("confirm_duplicate", None)
        fields.pop("needs", None)
        for name in IntakeConsentFields.CONSENT_FIELDS:
            fields.pop(name, None)
        return fields


class RecipientEditForm(RecipientIntakeForm):
    """A recipient's details and status, from the recipient page. Saved through
    ``recipient_update``; the consent rule is the model's, checked by the form and again by
    the service."""

    confirm_duplicate = None
    # Consent is taken and withdrawn item by item on the recipient page, not here.
    consent_items = None
    consent_given_on = None
    consent_method = None
    consent_given_by = None
    consent_representative_name = None
    consent_representative_relation = None

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in INTAKE_SECTIONS]

    def clean(self) -> dict[str, Any]:
        cleaned = forms.ModelForm.clean(self)
        self.consents = []
        return cleaned

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The form names the region by its code; the instance gives its key.
        if self.instance.region_id:
            self.initial["region"] = self.instance.region.code


class SuggestionWeekdaysForm(forms.Form):
    """Weekdays the recipient needs someone, to refine the suggested corps members."""

    weekdays = forms.MultipleChoiceField(
        choices=WEEKDAYS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("필요 요일"),
    )


class AssignmentCreateForm(forms.Form):
    """배정 from the suggestion board: a corps member, a program, a start date."""

    corps_member = forms.ModelChoiceField(queryset=CorpsMember.objects.none(), label=_("단원"))
    program = forms.ModelChoiceField(
        queryset=Program.objects.filter(is_active=True), label=_("사업")
    )
    starts_on = forms.DateField(initial=timezone.localdate, widget=DATE_INPUT, label=_("시작일"))
    compliance_override_reason = forms.CharField(
        max_length=300, required=False, label=_("요건 예외 사유")
    )

    def __init__(self, *args: Any, corps_members: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only corps members the coordinator may see can be named; the service decides the rest.
        self.fields["corps_member"].queryset = corps_members  # type: ignore[attr-defined]


class AssignmentEndForm(forms.Form):
    """배정 종료: the last day the corps member serves the recipient."""

    ends_on = forms.DateField(initial=timezone.localdate, widget=DATE_INPUT, label=_("종료일"))


class VisitVoidForm(forms.Form):
    reason = forms.CharField(max_length=200, label=_("무효 사유"))


class VisitExceptionResolveForm(forms.Form):
    resolution = forms.CharField(
        max_length=300,
        label=_("처리 사유"),
        error_messages={"required": _("처리 사유를 적어 주세요.")},
    )
