from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from care.models import Assignment, Program, Recipient, Region


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
    active_on = django_filters.DateFilter(method="filter_active_on", label=_("이 날짜에 유효한 배정"))

    class Meta:
        model = Assignment
        fields = ["recipient", "corps_member", "program", "active_on"]

    def filter_active_on(self, queryset: QuerySet[Assignment], name: str, value: object) -> QuerySet[Assignment]:
        return queryset.active_on(value)  # type: ignore[attr-defined]
