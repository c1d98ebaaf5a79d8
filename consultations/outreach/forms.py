"""Forms of the outreach pages on the counselors' desk. They validate input; the writes are
``consultations.outreach.services``."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.models import Program, Region
from care.forms import DATE_INPUT
from consultations.models import Organization
from consultations.outreach.models import OutreachSite
from consultations.outreach.serializers import staff_users
from consultations.services import COUNSELING_PROGRAMS


class StaffChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        full = obj.get_full_name() if hasattr(obj, "get_full_name") else ""
        return f"{full} ({obj.get_username()})" if full else obj.get_username()


class OutreachSessionForm(forms.Form):
    """An outreach day: where, when, with whom, how many came."""

    held_on = forms.DateField(label=_("상담일"), widget=DATE_INPUT, initial=timezone.localdate)
    site = forms.ModelChoiceField(
        label=_("장소"),
        queryset=OutreachSite.objects.active().select_related("region"),
        empty_label=_("장소를 고르세요"),
    )
    organization = forms.ModelChoiceField(
        label=_("협약기관"),
        queryset=Organization.objects.filter(is_partner=True),
        required=False,
        empty_label=_("장소의 협약기관"),
        help_text=_("비우면 장소에 정해 둔 협약기관"),
    )
    staff = StaffChoiceField(
        label=_("참여 직원"),
        queryset=get_user_model().objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    attendees = forms.IntegerField(label=_("참석 인원"), min_value=0, max_value=100_000, initial=0)
    program = forms.ModelChoiceField(
        label=_("사업"),
        queryset=Program.objects.filter(code__in=COUNSELING_PROGRAMS, is_active=True),
        to_field_name="code",
        initial="outreach_counseling",
        empty_label=None,
    )
    notes = forms.CharField(
        label=_("메모"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff_users()  # type: ignore[attr-defined]
        if user is not None and not self.is_bound and "staff" not in self.initial:
            self.initial["staff"] = [user.pk]


class OutreachSiteForm(forms.ModelForm):
    region = forms.ModelChoiceField(
        label=_("시·군"), queryset=Region.objects.filter(is_active=True), empty_label=None
    )
    organization = forms.ModelChoiceField(
        label=_("협약기관"),
        queryset=Organization.objects.order_by("name"),
        required=False,
        empty_label=_("없음"),
    )

    class Meta:
        model = OutreachSite
        fields = ["name", "kind", "address", "region", "admin_unit", "organization", "is_active"]

    def _post_clean(self) -> None:
        # The service validates the model (and names a duplicate name); the form only reads.
        pass


MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_of(value: str | None) -> date:
    """``YYYY-MM`` from the list's filter, or this month (Seoul)."""
    found = MONTH.match(value or "")
    if found:
        year, month = int(found.group(1)), int(found.group(2))
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return date(year, month, 1)
    return timezone.localdate().replace(day=1)
