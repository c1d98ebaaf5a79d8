from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from base.models import Region
from consultations.consultation_filters import IdFilter, StrictBooleanFilter
from consultations.outreach.models import OutreachSession, OutreachSite


class OutreachSessionFilter(django_filters.FilterSet):
    held_after = django_filters.DateFilter(
        field_name="held_on", lookup_expr="gte", label=_("이 날부터 (그날 포함)")
    )
    held_before = django_filters.DateFilter(
        field_name="held_on", lookup_expr="lt", label=_("이 날 전까지 (그날 제외)")
    )
    region = django_filters.ModelChoiceFilter(
        field_name="site__region",
        queryset=Region.objects.all(),
        to_field_name="code",
        label=_("장소의 시·군 코드"),
    )
    site = IdFilter(field_name="site", label=_("장소 id"))
    partner = IdFilter(field_name="organization", label=_("협약기관 id"))

    class Meta:
        model = OutreachSession
        fields = ["held_after", "held_before", "region", "site", "partner"]


class OutreachSiteFilter(django_filters.FilterSet):
    region = django_filters.ModelChoiceFilter(
        queryset=Region.objects.all(), to_field_name="code", label=_("시·군 코드")
    )
    kind = django_filters.ChoiceFilter(choices=OutreachSite.Kind.choices, label=_("장소 유형"))
    is_rural = StrictBooleanFilter(field_name="is_rural", label=_("농촌지역 (읍·면)"))
    is_active = StrictBooleanFilter(field_name="is_active", label=_("사용 중"))
    partner = IdFilter(field_name="organization", label=_("협약기관 id"))

    class Meta:
        model = OutreachSite
        fields = ["region", "kind", "is_rural", "is_active", "partner"]
