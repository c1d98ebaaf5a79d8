from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultations.models import Organization
from consultations.partners.models import RENEWAL_WINDOW_DAYS, Agreement


class AgreementFilter(django_filters.FilterSet):
    organization = django_filters.ModelChoiceFilter(
        queryset=Organization.objects.all(), label=_("협약기관")
    )
    status = django_filters.ChoiceFilter(
        field_name="current_status", choices=Agreement.Status.choices, label=_("상태")
    )
    renewal_due = django_filters.BooleanFilter(
        method="filter_renewal_due",
        label=_("갱신 예정일이 60일 이내인 협약 (만료·이미 갱신된 협약 제외)"),
    )

    class Meta:
        model = Agreement
        fields = ["organization", "status", "renewal_due"]

    def filter_renewal_due(
        self, queryset: QuerySet[Agreement], name: str, value: bool | None
    ) -> QuerySet[Agreement]:
        if value is None:
            return queryset
        due = Agreement.objects.due_for_renewal(
            timezone.localdate(), within_days=RENEWAL_WINDOW_DAYS
        ).values("pk")
        return queryset.filter(pk__in=due) if value else queryset.exclude(pk__in=due)
