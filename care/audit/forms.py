from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ReviewForm(forms.Form):
    note = forms.CharField(
        label=_("점검 의견"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("무엇을 확인했고 어떤 조치를 했는지 (이상 없음도 적습니다)"),
    )
