"""Forms of the episode desk pages. They check the input; ``care.episodes.services`` writes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.models import Program, Region, ServiceType
from care.episodes.models import (
    AfterCareCheck,
    EligibilityAnswer,
    EligibilityCriterion,
    Episode,
    IncomeBracket,
)
from care.forms import DATE_INPUT
from care.models import Recipient

# The directory is consultations' (above care): reached through the episode's foreign keys.
Organization = Episode._meta.get_field("linked_organization").related_model
WelfareResource = Episode._meta.get_field("linked_resource").related_model


class CaseloadFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("상태"), required=False, choices=[("", _("전체")), *Episode.State.choices]
    )
    region = forms.ModelChoiceField(
        label=_("시·군"), required=False, queryset=Region.objects.all(), to_field_name="code"
    )
    program = forms.ModelChoiceField(
        label=_("사업"),
        required=False,
        queryset=Program.objects.filter(rules__isnull=False),
        to_field_name="code",
    )
    recipient = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)


class ReferralForm(forms.Form):
    program = forms.ModelChoiceField(
        label=_("사업"), queryset=Program.objects.filter(is_active=True, rules__isnull=False)
    )
    referred_on = forms.DateField(label=_("의뢰일"), widget=DATE_INPUT, initial=timezone.localdate)
    referral_source = forms.ChoiceField(
        label=_("의뢰 경로"), choices=Episode.ReferralSource.choices
    )
    referral_organization = forms.ModelChoiceField(
        label=_("의뢰 기관"), required=False, queryset=Organization._default_manager.all()
    )
    referral_region = forms.ModelChoiceField(
        label=_("의뢰 시·군"), required=False, queryset=Region.objects.all()
    )
    referrer_name = forms.CharField(label=_("의뢰인"), max_length=50, required=False)
    referrer_contact = forms.CharField(label=_("의뢰인 연락처"), max_length=50, required=False)
    emergency_reason = forms.ChoiceField(
        label=_("긴급돌봄 사유"), choices=Recipient.EmergencyReason.choices
    )
    referral_note = forms.CharField(label=_("의뢰 내용"), required=False, widget=forms.Textarea)


class AssessmentForm(forms.Form):
    """The assessment, with one answer, source, date and note per criterion of the program."""

    needs = forms.ModelMultipleChoiceField(
        label=_("필요 서비스"),
        required=False,
        queryset=ServiceType.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
    )
    risk_level = forms.ChoiceField(label=_("위험도"), choices=Recipient.RiskLevel.choices)
    living_situation = forms.ChoiceField(
        label=_("거주 형태"), choices=Episode.LivingSituation.choices
    )
    carer_situation = forms.CharField(label=_("주돌봄자 상황"), widget=forms.Textarea)
    income_bracket = forms.ModelChoiceField(
        label=_("소득 구간"), required=False, queryset=IncomeBracket.objects.all()
    )
    assessment_note = forms.CharField(label=_("사정 의견"), required=False, widget=forms.Textarea)

    def __init__(self, *args: Any, episode: Episode, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = list(
            EligibilityCriterion.objects.filter(program=episode.program_id, is_active=True)
        )
        brackets = [(b.code, b.name) for b in IncomeBracket.objects.all()]
        for criterion in self.criteria:
            choices = (
                [("yes", _("예")), ("no", _("아니오"))]
                if criterion.answer_kind == EligibilityCriterion.AnswerKind.YES_NO
                else brackets
            )
            prefix = f"c_{criterion.code}"
            self.fields[f"{prefix}_answer"] = forms.ChoiceField(
                label=criterion.question, choices=[("", "---"), *choices]
            )
            self.fields[f"{prefix}_source"] = forms.ChoiceField(
                label=_("확인 출처"), choices=EligibilityAnswer.Source.choices
            )
            self.fields[f"{prefix}_checked_on"] = forms.DateField(
                label=_("확인일"), widget=DATE_INPUT, initial=timezone.localdate
            )
            self.fields[f"{prefix}_note"] = forms.CharField(
                label=_("확인한 내용") if criterion.other_service else _("메모"),
                required=criterion.other_service,
                max_length=300,
            )

    def criterion_rows(self) -> list[tuple[EligibilityCriterion, list[Any]]]:
        """Each criterion with its four bound fields, for the template's table."""
        return [
            (
                criterion,
                [self[f"c_{criterion.code}_{part}"] for part in ("answer", "source",
                                                                 "checked_on", "note")],
            )
            for criterion in self.criteria
        ]  # fmt: skip

    def plain_fields(self) -> list[Any]:
        return [self[name] for name in self.fields if not name.startswith("c_")]

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "needs": data["needs"],
            "risk_level": data["risk_level"],
            "living_situation": data["living_situation"],
            "carer_situation": data["carer_situation"],
            "income_bracket": data["income_bracket"],
            "assessment_note": data["assessment_note"],
            "answers": [
                {
                    "criterion": criterion.code,
                    "answer": data[f"c_{criterion.code}_answer"],
                    "source": data[f"c_{criterion.code}_source"],
                    "checked_on": data[f"c_{criterion.code}_checked_on"],
                    "note": data[f"c_{criterion.code}_note"],
                }
                for criterion in self.criteria
            ],
        }


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("결정"),
        choices=[("1", _("선정")), ("0", _("미선정"))],
        coerce=lambda value: value == "1",
    )
    starts_on = forms.DateField(
        label=_("시작일"), required=False, widget=DATE_INPUT, initial=timezone.localdate
    )
    reason = forms.CharField(
        label=_("사유"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("미선정 사유, 또는 기준을 충족하지 않는 분을 예외로 선정하는 사유"),
    )


class StartForm(forms.Form):
    starts_on = forms.DateField(label=_("시작일"), required=False, widget=DATE_INPUT)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("사유"), max_length=500)


class ClosureForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("종결 사유"), choices=[("", "---"), *Episode.ClosureReason.choices]
    )
    closed_on = forms.DateField(
        label=_("종결일"), widget=DATE_INPUT, initial=timezone.localdate, required=False
    )
    linked_organization = forms.ModelChoiceField(
        label=_("연계 기관"),
        required=False,
        queryset=Organization._default_manager.order_by("name"),
        help_text=_("장기 서비스 연계일 때: 복지자원 목록의 기관"),
    )
    linked_resource = forms.ModelChoiceField(
        label=_("연계 서비스"),
        required=False,
        queryset=WelfareResource._default_manager.select_related("organization").order_by("name"),
        help_text=_("장기 서비스 연계일 때: 복지자원 목록의 서비스"),
    )
    note = forms.CharField(
        label=_("메모"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ExtensionRequestForm(forms.Form):
    reason = forms.CharField(label=_("연장 사유"), widget=forms.Textarea(attrs={"rows": 2}))
    extra_days = forms.IntegerField(
        label=_("연장 일수"), min_value=0, max_value=366, required=False
    )
    extra_hours = forms.DecimalField(
        label=_("연장 시간"), min_value=0, max_digits=6, decimal_places=1, required=False
    )


class ExtensionDecisionForm(forms.Form):
    note = forms.CharField(label=_("처리 의견"), required=False, max_length=500)


class AfterCareForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("결과"), choices=[("", "---"), *AfterCareCheck.Outcome.choices]
    )
    note = forms.CharField(
        label=_("내용"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
