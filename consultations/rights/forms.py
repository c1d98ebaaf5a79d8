from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from care.models import Recipient
from consultations.models import Consultation
from consultations.rights.models import RightsRequest


class RightsRequestForm(forms.Form):
    """A request as received: whose data (a recipient's number, or a consultation's for a
    client who is no recipient), what is asked, when and how."""

    PERSON_KINDS = [("recipient", _("돌봄대상자")), ("consultation", _("상담기록의 상담 대상자"))]

    kind = forms.ChoiceField(label=_("요구 종류"), choices=RightsRequest.Kind.choices)
    person_kind = forms.ChoiceField(label=_("정보주체 구분"), choices=PERSON_KINDS)
    person_id = forms.IntegerField(
        label=_("대상자 번호 또는 상담기록 번호"), min_value=1, max_value=2**62
    )
    requester = forms.ChoiceField(label=_("요구한 사람"), choices=RightsRequest.Requester.choices)
    received_on = forms.DateField(
        label=_("접수일"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("처리 기한은 접수일부터 10일입니다."),
    )
    received_via = forms.ChoiceField(label=_("접수 방법"), choices=RightsRequest.Channel.choices)
    detail = forms.CharField(
        label=_("요구 내용"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        pk, kind = data.get("person_id"), data.get("person_kind")
        if pk is None or kind is None:
            return data
        model = Recipient if kind == "recipient" else Consultation
        found = model.objects.filter(pk=pk).first()
        if found is None:
            self.add_error("person_id", _("그 번호의 기록이 없습니다."))
        else:
            data["person"] = found
        return data


class AnswerForm(forms.Form):
    DECISIONS = [("granted", _("처리 완료 (요구대로)")), ("refused", _("거절 (사유 필수)"))]

    decision = forms.ChoiceField(label=_("결정"), choices=DECISIONS, widget=forms.RadioSelect)
    answered_on = forms.DateField(
        label=_("답변일"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    answer = forms.CharField(
        label=_("답변 또는 거절 사유"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("거절하면 근거를 적습니다 (예: 법령에 따른 보존 기간)."),
    )
