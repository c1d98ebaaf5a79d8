"""The desk's form to record a compliance item; the write is ``compliance_record_create``."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from volunteers.compliance.models import ComplianceRecord, ComplianceRequirement

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ComplianceRecordForm(forms.Form):
    requirement = forms.ModelChoiceField(
        queryset=ComplianceRequirement.objects.in_force(), label=_("요건")
    )
    done_on = forms.DateField(initial=timezone.localdate, widget=DATE_INPUT, label=_("이수·확인일"))
    expires_on = forms.DateField(
        required=False,
        widget=DATE_INPUT,
        label=_("만료일"),
        help_text=_("비워 두면 요건의 유효기간으로 계산합니다."),
    )
    result = forms.ChoiceField(
        choices=ComplianceRecord.Result.choices,
        required=False,
        widget=forms.RadioSelect,
        label=_("범죄경력 조회 결과"),
        help_text=_("범죄경력 조회에만, 적합/부적합만 기록합니다. 다른 내용은 적지 않습니다."),
    )
    evidence_note = forms.CharField(
        max_length=200,
        required=False,
        label=_("증빙 메모"),
        help_text=_("이수증·증권 번호 등 (범죄경력 조회에는 적지 않습니다)."),
    )

    def add_service_errors(self, exc: ValidationError) -> None:
        """A service's ValidationError on its field when the form has it."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)
            return
        for field, messages in exc.message_dict.items():
            self.add_error(field if field in self.fields else None, messages)
