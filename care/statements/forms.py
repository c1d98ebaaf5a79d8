from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class MonthForm(forms.Form):
    """The month a desk page shows; the page falls back to last month when it is left out."""

    year = forms.IntegerField(label=_("연도"), min_value=2000, max_value=2100)
    month = forms.IntegerField(label=_("월"), min_value=1, max_value=12)
