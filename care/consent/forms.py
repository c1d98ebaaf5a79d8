"""The desk's consent forms: one item taken (in person, by phone, in writing) and a withdrawal;
and the intake's consent fields, shared by the intake form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from care.consent import texts
from care.consent.models import ConsentRecord
from care.consent.serializers import TAKEN_METHODS

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def item_choices() -> list[tuple[str, str]]:
    """Each item with the title and version of the text shown today."""
    return [
        (item, f"{ConsentRecord.Item(item).label} — {texts.CURRENT[item].title} "
               f"({texts.CURRENT[item].version})")
        for item in texts.ITEMS
    ]  # fmt: skip


class ConsentTakeForm(forms.Form):
    """동의 받기: one item, under the text shown today."""

    item = forms.ChoiceField(choices=item_choices, label=_("동의 항목"))
    given_on = forms.DateField(initial=timezone.localdate, widget=DATE_INPUT, label=_("동의일"))
    method = forms.ChoiceField(choices=TAKEN_METHODS, label=_("동의 방법"))
    given_by = forms.ChoiceField(
        choices=ConsentRecord.GivenBy.choices,
        label=_("동의한 사람"),
        help_text=_("만 14세 미만 아동은 법정대리인의 동의를 받습니다."),
    )
    representative_name = forms.CharField(max_length=50, required=False, label=_("법정대리인 이름"))
    representative_relation = forms.CharField(
        max_length=30, required=False, label=_("법정대리인 관계")
    )


class ConsentWithdrawForm(forms.Form):
    """동의 철회."""

    withdrawn_on = forms.DateField(initial=timezone.localdate, widget=DATE_INPUT, label=_("철회일"))
    method = forms.ChoiceField(choices=TAKEN_METHODS, label=_("철회 방법"))


class IntakeConsentFields(forms.Form):
    """The intake's consent section (mixed into the intake form): the items agreed, once, on
    one day, one way, by the person or their representative."""

    consent_items = forms.MultipleChoiceField(
        choices=item_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("동의한 항목"),
        help_text=_("이용 중으로 등록하려면 개인정보 수집·이용 동의가 있어야 합니다."),
    )
    consent_given_on = forms.DateField(
        initial=timezone.localdate, widget=DATE_INPUT, required=False, label=_("동의일")
    )
    consent_method = forms.ChoiceField(
        choices=[("", "---------"), *TAKEN_METHODS], required=False, label=_("동의 방법")
    )
    consent_given_by = forms.ChoiceField(
        choices=ConsentRecord.GivenBy.choices,
        required=False,
        label=_("동의한 사람"),
        help_text=_("만 14세 미만 아동은 법정대리인의 동의를 받습니다."),
    )
    consent_representative_name = forms.CharField(
        max_length=50, required=False, label=_("법정대리인 이름")
    )
    consent_representative_relation = forms.CharField(
        max_length=30, required=False, label=_("법정대리인 관계")
    )

    # What the items' labels name: the texts shown today, read out or handed over at intake.
    consent_texts = tuple(texts.CURRENT.values())

    CONSENT_FIELDS = (
        "consent_items", "consent_given_on", "consent_method", "consent_given_by",
        "consent_representative_name", "consent_representative_relation",
    )  # fmt: skip

    @staticmethod
    def consents_from(cleaned: dict[str, Any], errors: Any) -> list[dict[str, Any]]:
        """The items as ``recipient_create`` takes them; ``errors(field, message)`` is called
        for what is missing."""
        items = cleaned.get("consent_items") or []
        if not items:
            return []
        if not cleaned.get("consent_given_on"):
            errors("consent_given_on", _("동의일을 적어 주세요."))
        if not cleaned.get("consent_method"):
            errors("consent_method", _("동의 방법을 고르세요."))
        if not cleaned.get("consent_given_on") or not cleaned.get("consent_method"):
            return []
        return [
            {
                "item": item,
                "given_on": cleaned["consent_given_on"],
                "method": cleaned["consent_method"],
                "given_by": cleaned.get("consent_given_by") or ConsentRecord.GivenBy.SELF,
                "representative_name": cleaned.get("consent_representative_name", ""),
                "representative_relation": cleaned.get("consent_representative_relation", ""),
            }
            for item in items
        ]
