from __future__ import annotations

from datetime import date

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from care.repairs.models import RepairJob


@extend_schema_field(OpenApiTypes.INT)
class YearFilter(django_filters.NumberFilter):
    """A year, typed as an integer in the schema (a method filter is not inferred)."""


class RepairJobFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=RepairJob.State.choices, label=_("상태"))
    region = django_filters.CharFilter(field_name="recipient__region__code", label=_("시·군 코드"))
    year = YearFilter(
        method="filter_year",
        label=_("연도(그해에 조사했거나 완료한 작업)"),
        min_value=2000,
        max_value=2100,
    )
    contractor = django_filters.NumberFilter(field_name="contractor", label=_("시공 업체 id"))
    recipient = django_filters.NumberFilter(field_name="recipient", label=_("대상자 id"))

    class Meta:
        model = RepairJob
        fields = ["state", "region", "year", "contractor", "recipient"]

    def filter_year(
        self, queryset: QuerySet[RepairJob], name: str, value: int | None
    ) -> QuerySet[RepairJob]:
        if value is None:
            return queryset
        year = int(value)
        start, end = date(year, 1, 1), date(year + 1, 1, 1)
        # Ranges, not __year, so that the date indexes serve them.
        return queryset.filter(
            Q(surveyed_on__gte=start, surveyed_on__lt=end)
            | Q(completed_on__gte=start, completed_on__lt=end)
        )
