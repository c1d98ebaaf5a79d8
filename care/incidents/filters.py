from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from care.incidents.models import Incident, ReportingLine


class IncidentFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=Incident.State.choices, label=_("상태"))
    kind = django_filters.ChoiceFilter(choices=Incident.Kind.choices, label=_("유형"))
    occurred_after = django_filters.IsoDateTimeFilter(
        field_name="occurred_at", lookup_expr="gte", label=_("발생 일시 이후")
    )
    occurred_before = django_filters.IsoDateTimeFilter(
        field_name="occurred_at", lookup_expr="lt", label=_("발생 일시 이전")
    )

    class Meta:
        model = Incident
        fields = ["state", "kind", "recipient", "occurred_after", "occurred_before"]


class ReportingLineFilter(django_filters.FilterSet):
    target_group = django_filters.ChoiceFilter(
        choices=ReportingLine._meta.get_field("target_group").choices, label=_("대상 구분")
    )

    class Meta:
        model = ReportingLine
        fields = ["target_group"]
