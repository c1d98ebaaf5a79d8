from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from base.models import Program, Region
from care.models import Assignment, NoVisitAlert, Recipient, Visit, VisitException


class RecipientFilter(django_filters.FilterSet):
    region = django_filters.ModelChoiceFilter(
        queryset=Region.objects.all(), to_field_name="code", label=_("시·군 코드")
    )
    status = django_filters.ChoiceFilter(choices=Recipient.Status.choices, label=_("상태"))
    category = django_filters.ChoiceFilter(choices=Recipient.Category.choices, label=_("대상 구분"))
    is_rural = django_filters.BooleanFilter(label=_("농촌지역"))

    class Meta:
        model = Recipient
        fields = ["region", "status", "category", "is_rural"]


class AssignmentFilter(django_filters.FilterSet):
    program = django_filters.ModelChoiceFilter(
        queryset=Program.objects.all(), to_field_name="code", label=_("사업 코드")
    )
    active_on = django_filters.DateFilter(
        method="filter_active_on", label=_("이 날짜에 유효한 배정")
    )
    # DESIGN §5 names this filter "volunteer"; "corps_member" is the field's own name.
    volunteer = django_filters.NumberFilter(field_name="corps_member", label=_("단원 id"))

    class Meta:
        model = Assignment
        fields = ["recipient", "corps_member", "volunteer", "program", "active_on"]

    def filter_active_on(
        self, queryset: QuerySet[Assignment], name: str, value: object
    ) -> QuerySet[Assignment]:
        return queryset.active_on(value)  # type: ignore[attr-defined]


class VisitFilter(django_filters.FilterSet):
    program = django_filters.ModelChoiceFilter(
        queryset=Program.objects.all(), to_field_name="code", label=_("사업 코드")
    )
    status = django_filters.ChoiceFilter(choices=Visit.Status.choices, label=_("상태"))
    started_after = django_filters.IsoDateTimeFilter(
        field_name="started_at", lookup_expr="gte", label=_("이 시각 이후 시작")
    )
    started_before = django_filters.IsoDateTimeFilter(
        field_name="started_at", lookup_expr="lt", label=_("이 시각 이전 시작")
    )
    has_open_exceptions = django_filters.BooleanFilter(
        method="filter_open_exceptions", label=_("처리되지 않은 예외가 있음")
    )

    class Meta:
        model = Visit
        fields = ["recipient", "corps_member", "program", "status"]

    def filter_open_exceptions(
        self, queryset: QuerySet[Visit], name: str, value: bool | None
    ) -> QuerySet[Visit]:
        if value is None:
            return queryset
        return queryset.with_open_exceptions(value)  # type: ignore[attr-defined]


class VisitExceptionFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=VisitException.Kind.choices, label=_("유형"))
    open = django_filters.BooleanFilter(
        field_name="resolved_at", lookup_expr="isnull", label=_("미처리")
    )

    class Meta:
        model = VisitException
        fields = ["kind", "open", "visit"]


class NoVisitAlertFilter(django_filters.FilterSet):
    as_of = django_filters.DateFilter(label=_("기준일"))

    class Meta:
        model = NoVisitAlert
        fields = ["as_of", "corps_member", "recipient"]
