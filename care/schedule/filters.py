from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from base.models import Region
from care.schedule.models import CarePlanEntry, ScheduledVisit
from care.schedule.selectors import local_day_bounds


class CarePlanEntryFilter(django_filters.FilterSet):
    episode = django_filters.NumberFilter(label=_("돌봄 회차 id"))
    corps_member = django_filters.NumberFilter(label=_("단원 id"))

    class Meta:
        model = CarePlanEntry
        fields = ["episode", "corps_member"]


class ScheduledVisitFilter(django_filters.FilterSet):
    # Days are Seoul days: a visit at 00:30 KST on the 5th is on the 5th, whatever UTC says.
    date_from = django_filters.DateFilter(
        method="filter_date_from", label=_("이 날짜부터 (서울 기준)")
    )
    date_to = django_filters.DateFilter(method="filter_date_to", label=_("이 날짜까지 (서울 기준)"))
    corps_member = django_filters.NumberFilter(label=_("단원 id"))
    episode = django_filters.NumberFilter(label=_("돌봄 회차 id"))
    region = django_filters.ModelChoiceFilter(
        queryset=Region.objects.all(),
        to_field_name="code",
        field_name="recipient__region",
        label=_("대상자의 시·군 코드"),
    )
    state = django_filters.ChoiceFilter(choices=ScheduledVisit.State.choices, label=_("상태"))

    class Meta:
        model = ScheduledVisit
        fields = ["date_from", "date_to", "corps_member", "episode", "region", "state"]

    def filter_date_from(
        self, queryset: QuerySet[ScheduledVisit], name: str, value: dt.date
    ) -> QuerySet[ScheduledVisit]:
        return queryset.filter(starts_at__gte=local_day_bounds(value)[0])

    def filter_date_to(
        self, queryset: QuerySet[ScheduledVisit], name: str, value: dt.date
    ) -> QuerySet[ScheduledVisit]:
        return queryset.filter(starts_at__lt=local_day_bounds(value)[1])
