"""Forms of the home-repair desk pages. They check the input; ``care.repairs.services`` writes."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.models import Region
from care.forms import DATE_INPUT
from care.models import Recipient
from care.repairs.models import RepairJob, RepairPhoto

# The directory is consultations' (above care): reached through the job's foreign key.
Organization = RepairJob._meta.get_field("contractor").related_model


class RepairListFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("상태"), required=False, choices=[("", _("전체")), *RepairJob.State.choices]
    )
    region = forms.ModelChoiceField(
        label=_("시·군"), required=False, queryset=Region.objects.all(), to_field_name="code"
    )
    year = forms.IntegerField(label=_("연도"), required=False, min_value=2000, max_value=2100)


class SurveyForm(forms.Form):
    recipient = forms.ModelChoiceField(
        label=_("가구(돌봄대상자)"),
        queryset=Recipient.objects.select_related("region").order_by("name", "id"),
    )
    surveyed_on = forms.DateField(label=_("조사일"), widget=DATE_INPUT, initial=timezone.localdate)
    needs = forms.CharField(
        label=_("개선 필요 사항"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )


class ItemForm(forms.Form):
    item = forms.CharField(label=_("품목"), max_length=100)
    quantity = forms.DecimalField(
        label=_("수량"), max_digits=8, decimal_places=2, min_value=0, initial=1
    )
    unit = forms.CharField(label=_("단위"), max_length=10, required=False)
    unit_cost = forms.IntegerField(label=_("단가(원)"), min_value=0)


class QuoteForm(forms.Form):
    quoted_on = forms.DateField(label=_("견적일"), widget=DATE_INPUT, initial=timezone.localdate)
    contractor = forms.ModelChoiceField(
        label=_("시공 업체"), queryset=Organization._default_manager.order_by("name")
    )
    quote_amount = forms.IntegerField(
        label=_("견적 금액(원)"),
        min_value=0,
        required=False,
        help_text=_("비워 두면 품목 금액의 합계입니다."),
    )


class StartForm(forms.Form):
    started_on = forms.DateField(label=_("착공일"), widget=DATE_INPUT, initial=timezone.localdate)


class CompleteForm(forms.Form):
    # Not required here: the service names the missing date (the same message as the API's).
    completed_on = forms.DateField(label=_("완료일"), widget=DATE_INPUT, required=False)
    completion_note = forms.CharField(
        label=_("완료 내용"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class SignOffForm(forms.Form):
    signed_by_name = forms.CharField(label=_("확인자 이름"), max_length=50)
    signed_by_relation = forms.ChoiceField(
        label=_("대상자와의 관계"), choices=RepairJob.Relation.choices
    )
    signed_on = forms.DateField(label=_("확인일"), widget=DATE_INPUT, initial=timezone.localdate)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("취소 사유"), widget=forms.Textarea(attrs={"rows": 2}))


class PhotoForm(forms.Form):
    stage = forms.ChoiceField(label=_("구분"), choices=RepairPhoto.Stage.choices)
    # A plain file field: the service checks that it is an image (Pillow), not the form.
    image = forms.FileField(
        label=_("사진"),
        help_text=_("10MB 이하의 사진. 위치 정보(EXIF)는 지우고 저장합니다."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )
    taken_on = forms.DateField(label=_("촬영일"), widget=DATE_INPUT, required=False)
    caption = forms.CharField(label=_("설명"), max_length=200, required=False)
