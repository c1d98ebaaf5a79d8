"""Forms of the freshness workflow: the provider's corrections and the counselor's rejection."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from consultations.freshness.models import REVIEWABLE_FIELDS, validate_phone
from consultations.models import WelfareResource

# What one long field may hold from the public form: a page of text, well under the
# signal's free-text limit (base.validators.FREE_TEXT_LIMIT), so a paste of a whole
# brochure is refused next to its field rather than on save.
LONG_TEXT_LIMIT = 2000
NOTE_LIMIT = 1000
REASON_LIMIT = 500

HELP = {
    "summary": _("검색 결과에 보이는 한 문장"),
    "phone": _("도민이 전화할 번호 (예: 063-123-4567)"),
    "hours": _("예: 평일 09:00~18:00"),
}


def _field_for(name: str) -> forms.CharField:
    model_field = WelfareResource._meta.get_field(name)
    long_text = model_field.get_internal_type() == "TextField"
    validators = [validate_phone] if name == "phone" else []
    return forms.CharField(
        label=model_field.verbose_name,
        required=name == "name",
        max_length=LONG_TEXT_LIMIT if long_text else model_field.max_length,
        widget=forms.Textarea(attrs={"rows": 4}) if long_text else forms.TextInput(),
        validators=validators,
        help_text=HELP.get(name, ""),
        strip=True,
    )


class ProviderReviewForm(forms.Form):
    """The entry as it is now, to be corrected in place. Only REVIEWABLE_FIELDS exist here:
    whatever else is posted is never read."""

    note = forms.CharField(
        label=_("사회서비스원에 남길 말 (선택)"),
        required=False,
        max_length=NOTE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, resource: WelfareResource, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial", {name: getattr(resource, name) or "" for name in REVIEWABLE_FIELDS}
        )
        super().__init__(*args, **kwargs)
        note = self.fields.pop("note")
        for name in REVIEWABLE_FIELDS:
            self.fields[name] = _field_for(name)
        self.fields["note"] = note
        if name_field := self.fields.get("phone"):
            name_field.widget.input_type = "tel"
            name_field.widget.attrs["autocomplete"] = "tel"

    def submitted(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in REVIEWABLE_FIELDS}


class ProviderConfirmForm(forms.Form):
    """ "그대로 맞습니다": only an optional note."""

    note = forms.CharField(
        label=_("사회서비스원에 남길 말 (선택)"),
        required=False,
        max_length=NOTE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RejectForm(forms.Form):
    reject_reason = forms.CharField(
        label=_("반려 사유"),
        max_length=REASON_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("검토 기록에 남습니다."),
    )
