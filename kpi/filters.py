"""Filters of /api/v1/kpi/: an indicator is named by its code ("4-1"), as the document does."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES

from kpi.models import (
    Indicator,
    LateRecord,
    ManualEntry,
    Measurement,
    MeasureTarget,
    Period,
    RollupRun,
    UnitProgramTarget,
)
from kpi.rollups import structure_year


class IndicatorFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(
        method="filter_year",
        label=_("연도: 그 해에 적용되는 성과목표 체계 (2024 → 2023년 체계)"),
    )
    goal = django_filters.NumberFilter(field_name="goal__number", label=_("전략목표 번호"))
    code = django_filters.CharFilter(field_name="code", label=_("성과지표 번호 (예: 4-1)"))

    class Meta:
        model = Indicator
        fields = ["year", "goal", "code"]

    def filter_year(
        self, queryset: QuerySet[Indicator], name: str, value: int
    ) -> QuerySet[Indicator]:
        # The 2023 plan also sets 2024's and 2025's targets: those years show its structure.
        return queryset.filter(goal__year=structure_year(int(value)))


class IndicatorCodeFilter(django_filters.CharFilter):
    """A measurement or manual entry belongs to an indicator through its measure or its unit
    program, whichever it has."""

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        if value in EMPTY_VALUES:
            return qs
        return qs.filter(Q(measure__indicator__code=value) | Q(unit_program__indicator__code=value))


class MeasureTargetFilter(django_filters.FilterSet):
    indicator = django_filters.CharFilter(
        field_name="measure__indicator__code", label=_("성과지표 번호 (예: 4-1)")
    )
    plan_year = django_filters.NumberFilter(
        field_name="measure__indicator__goal__year", label=_("성과목표 체계의 기준 연도")
    )

    class Meta:
        model = MeasureTarget
        fields = ["measure", "year", "indicator", "plan_year"]


class UnitProgramTargetFilter(django_filters.FilterSet):
    indicator = django_filters.CharFilter(
        field_name="unit_program__indicator__code", label=_("성과지표 번호 (예: 4-1)")
    )
    plan_year = django_filters.NumberFilter(
        field_name="unit_program__indicator__goal__year", label=_("성과목표 체계의 기준 연도")
    )

    class Meta:
        model = UnitProgramTarget
        fields = ["unit_program", "year", "indicator", "plan_year"]


class MeasurementFilter(django_filters.FilterSet):
    indicator = IndicatorCodeFilter(label=_("성과지표 번호 (예: 4-1)"))
    source = django_filters.ChoiceFilter(choices=Measurement.Source.choices, label=_("출처"))
    operational = django_filters.BooleanFilter(
        method="filter_operational", label=_("운영 지표만 (true) / 운영 지표 빼고 (false)")
    )

    class Meta:
        model = Measurement
        fields = ["indicator", "year", "month", "measure", "unit_program", "source", "operational"]

    def filter_operational(
        self, queryset: QuerySet[Measurement], name: str, value: bool
    ) -> QuerySet[Measurement]:
        if value:
            return queryset.filter(measure__operational=True)
        # Unit programs' figures have no measure: they are the document's, so they stay.
        return queryset.exclude(measure__operational=True)


class ManualEntryFilter(django_filters.FilterSet):
    indicator = IndicatorCodeFilter(label=_("성과지표 번호 (예: 4-1)"))

    class Meta:
        model = ManualEntry
        fields = ["indicator", "measure", "unit_program", "year", "month"]


class RollupRunFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=RollupRun.State.choices, label=_("상태"))
    trigger = django_filters.ChoiceFilter(choices=RollupRun.Trigger.choices, label=_("계기"))

    class Meta:
        model = RollupRun
        fields = ["year", "month", "state", "trigger"]


class PeriodFilter(django_filters.FilterSet):
    closed = django_filters.BooleanFilter(
        field_name="closed_at", lookup_expr="isnull", exclude=True, label=_("마감 여부")
    )

    class Meta:
        model = Period
        fields = ["year", "month", "closed"]


class LateRecordFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(field_name="period__year", label=_("연도"))
    month = django_filters.NumberFilter(field_name="period__month", label=_("월"))
    kind = django_filters.ChoiceFilter(choices=LateRecord.Kind.choices, label=_("유형"))

    class Meta:
        model = LateRecord
        fields = ["year", "month", "kind"]
