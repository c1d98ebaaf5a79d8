"""Forms of the schedule's desk pages; the writes are ``care.schedule.services``."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.models import Region
from volunteers.models import CorpsMember

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class WeekForm(forms.Form):
    """Which week, and whose: a 시·군 (rows are corps members) or one corps member (rows are
    the people they visit)."""

    week = forms.DateField(required=False, widget=DATE_INPUT, label=_("주(아무 날짜)"))
    region = forms.ModelChoiceField(
        queryset=Region.objects.all(),
        to_field_name="code",
        required=False,
        label=_("시·군"),
        empty_label=_("전체"),
    )
    corps_member = forms.ModelChoiceField(
        queryset=CorpsMember.objects.active().select_related("region"),
        required=False,
        label=_("단원"),
        empty_label=_("전체"),
    )


class CoverDayForm(forms.Form):
    """대체 방문: a corps member who cannot work, and the day."""

    corps_member = forms.ModelChoiceField(
        queryset=CorpsMember.objects.select_related("region"), label=_("쉬는 단원")
    )
    day = forms.DateField(initial=timezone.localdate, widget=DATE_INPUT, label=_("날짜"))
