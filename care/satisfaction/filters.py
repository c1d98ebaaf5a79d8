from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from base.models import Program, Region
from care.satisfaction.models import SatisfactionResponse


class SatisfactionResponseFilter(django_filters.FilterSet):
    occasion = django_filters.ChoiceFilter(
        choices=SatisfactionResponse.Occasion.choices, label=_("조사 시점")
    )
    channel = django_filters.ChoiceFilter(
        choices=SatisfactionResponse.Channel.choices, label=_("조사 방법")
    )
    program = django_filters.ModelChoiceFilter(
        field_name="episode__program",
        queryset=Program.objects.all(),
        to_field_name="code",
        label=_("사업 코드"),
    )
    region = django_filters.ModelChoiceFilter(
        field_name="episode__recipient__region",
        queryset=Region.objects.all(),
        to_field_name="code",
        label=_("시·군 코드"),
    )
    answered_after = django_filters.DateFilter(
        field_name="answered_on", lookup_expr="gte", label=_("응답일 부터")
    )
    answered_before = django_filters.DateFilter(
        field_name="answered_on", lookup_expr="lte", label=_("응답일 까지")
    )

    class Meta:
        model = SatisfactionResponse
        fields = ["episode", "occasion", "channel", "program", "region"]
