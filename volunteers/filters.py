from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from base.models import Region, ServiceType
from volunteers.models import CorpsMember


class CorpsMemberFilter(django_filters.FilterSet):
    region = django_filters.ModelChoiceFilter(
        queryset=Region.objects.all(), to_field_name="code", label=_("시·군 코드")
    )
    status = django_filters.ChoiceFilter(choices=CorpsMember.Status.choices, label=_("상태"))
    service_type = django_filters.ModelChoiceFilter(
        field_name="service_types",
        queryset=ServiceType.objects.all(),
        to_field_name="code",
        label=_("제공 가능 서비스 코드"),
    )

    class Meta:
        model = CorpsMember
        fields = ["region", "status", "service_type"]
