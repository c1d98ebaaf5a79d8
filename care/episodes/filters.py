from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from base.models import Program, Region
from care.episodes.models import Episode
from care.episodes.selectors import near_limit_ids


class EpisodeFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=Episode.State.choices, label=_("상태"))
    program = django_filters.ModelChoiceFilter(
        queryset=Program.objects.all(), to_field_name="code", label=_("사업 코드")
    )
    region = django_filters.ModelChoiceFilter(
        field_name="recipient__region",
        queryset=Region.objects.all(),
        to_field_name="code",
        label=_("시·군 코드"),
    )
    near_limit = django_filters.BooleanFilter(
        method="filter_near_limit", label=_("최대 일수·시간의 경고 기준에 이른 회차")
    )

    class Meta:
        model = Episode
        fields = ["state", "program", "region", "recipient", "near_limit"]

    def filter_near_limit(
        self, queryset: QuerySet[Episode], name: str, value: bool | None
    ) -> QuerySet[Episode]:
        if value is None:
            return queryset
        ids = near_limit_ids()
        return queryset.filter(pk__in=ids) if value else queryset.exclude(pk__in=ids)
