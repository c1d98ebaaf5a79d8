"""The desk's incident forms: the queue's filter and each action on an incident's page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from base.validators import PERSON_NAME_MAX_LENGTH
from care.incidents.models import Incident


class QueueFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("상태"),
        choices=[("", _("진행 중(접수·확인)")), *Incident.State.choices],
        required=False,
    )
    kind = forms.ChoiceField(
        label=_("유형"), choices=[("", _("전체")), *Incident.Kind.choices], required=False
    )


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class AcknowledgeForm(forms.Form):
    pass


class FollowUpForm(forms.Form):
    text = forms.CharField(
        label=_("후속 조치"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("주민등록번호는 적지 마세요."),
    )


class ExternalReportForm(forms.Form):
    agency = forms.CharField(
        label=_("기관"), max_length=100, help_text=_("예: 119, 112, 노인보호전문기관")
    )
    reported_at = forms.DateTimeField(
        label=_("신고 일시"), widget=DateTimeLocalInput(), input_formats=["%Y-%m-%dT%H:%M"]
    )
    person = forms.CharField(label=_("담당자"), max_length=PERSON_NAME_MAX_LENGTH, required=False)
    receipt_number = forms.CharField(label=_("접수번호"), max_length=50, required=False)


class CloseForm(forms.Form):
    outcome = forms.CharField(
        label=_("결과"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
