from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from care.conferences.models import CaseConference, CaseConferenceAttendee
from care.conferences.selectors import conference_filter

Organization = CaseConferenceAttendee._meta.get_field("organization").related_model


class CaseConferenceFilter(django_filters.FilterSet):
    held_from = django_filters.DateFilter(method="filter_all", label=_("이날부터"))
    held_to = django_filters.DateFilter(method="filter_all", label=_("이날까지"))
    organization = django_filters.ModelChoiceFilter(
        queryset=Organization._default_manager.all(),
        method="filter_all",
        label=_("참석한 기관"),
    )
    open_actions = django_filters.BooleanFilter(
        method="filter_all", label=_("완료되지 않은 할 일이 있는 회의")
    )

    class Meta:
        model = CaseConference
        fields = ["held_from", "held_to", "organization", "open_actions"]

    def filter_all(self, queryset: QuerySet, name: str, value: object) -> QuerySet:
        # Each method filter narrows on its own; conference_filter keeps the rules in one place.
        if value is None or value == "":
            return queryset
        key = {"organization": "attendee_organization"}.get(name, name)
        return conference_filter(queryset, **{key: value})
