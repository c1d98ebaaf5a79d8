from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from consultations.partners.services import MAX_FILE_BYTES


class AgreementForm(forms.Form):
    title = forms.CharField(label=_("협약명"), max_length=150, initial=_("돌봄네트워크 업무협약"))
    signed_on = forms.DateField(label=_("체결일"), widget=forms.DateInput(attrs={"type": "date"}))
    starts_on = forms.DateField(
        label=_("협약 시작일"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=_("협약 종료일"),
        required=False,
        help_text=_("비우면 기간을 정하지 않은 협약"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    renewal_due_on = forms.DateField(
        label=_("갱신 예정일"),
        required=False,
        help_text=_("비우면 종료일 30일 전"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    scope = forms.CharField(
        label=_("협약 내용"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    signed_file = forms.FileField(
        label=_("협약서 사본"),
        required=False,
        help_text=_("PDF 또는 이미지, 10MB 이하"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/*"}),
    )

    def clean_signed_file(self) -> Any:
        upload = self.cleaned_data.get("signed_file")
        if upload and upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("파일은 10MB를 넘을 수 없습니다."))
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("협약 종료일은 시작일보다 빠를 수 없습니다."))
        return data

    def agreement_fields(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "signed_file"}
