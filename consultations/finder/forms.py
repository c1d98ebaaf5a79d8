"""The finder's GET forms: the search with its filters, and the questionnaire. Choices are
given by code (``?region=jeonju&group=elderly``) so that a link can be read and shared."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from base.models import Region
from consultations.finder.selectors import (
    AGE_GROUP_BY_CODE,
    AGE_GROUPS,
    INCOME_NONE,
    INCOME_UNKNOWN,
    HelpAnswers,
    finder_cache_key,
)
from consultations.models import EligibilityTag, ResourceCategory, TargetGroup, WelfareResource

QUERY_MAX = 50


class CodeChoiceField(forms.ModelChoiceField):
    """A reference-data choice sent as its code."""

    def __init__(self, queryset: Any, **kwargs: Any) -> None:
        kwargs.setdefault("to_field_name", "code")
        kwargs.setdefault("required", False)
        kwargs.setdefault("empty_label", _("전체"))
        super().__init__(queryset, **kwargs)


class CategoryChoiceField(CodeChoiceField):
    def label_from_instance(self, obj: ResourceCategory) -> str:
        # Sub-categories indented under their parent, so the list reads as the taxonomy does.
        return f"· {obj.name}" if obj.parent_id else obj.name


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("무엇을 찾으세요?"),
        required=False,
        max_length=QUERY_MAX,
        help_text=_("예: 돌봄, 도시락, 병원 동행, 집수리"),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    region = CodeChoiceField(Region.objects.filter(is_active=True), label=_("사는 곳 (시·군)"))
    group = CodeChoiceField(TargetGroup.objects.filter(is_active=True), label=_("누구를 위한"))
    category = CategoryChoiceField(
        # Each parent followed by its children.
        ResourceCategory.objects.filter(is_active=True).order_by(
            Coalesce("parent__sort_order", "sort_order"),
            Coalesce("parent__code", "code"),
            F("parent_id").asc(nulls_first=True),
            "sort_order",
            "code",
        ),
        label=_("분야"),
    )
    age = forms.IntegerField(
        label=_("나이"),
        required=False,
        min_value=0,
        max_value=150,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    cost = forms.ChoiceField(
        label=_("비용"),
        required=False,
        choices=[("", _("전체")), *WelfareResource.Cost.choices],
    )

    FILTERS = ("region", "group", "category", "age", "cost")

    def is_search(self) -> bool:
        """Something was asked: a word or a filter (the bare landing page is not a search)."""
        return any(self.data.get(name) not in (None, "") for name in ("q", *self.FILTERS))

    def has_filters(self) -> bool:
        return any(self.data.get(name) not in (None, "") for name in self.FILTERS)

    def cache_key(self) -> str:
        """What the filtered queryset holds, for ``search_page``'s cache of public searches."""
        data = self.cleaned_data
        return finder_cache_key(
            region=data.get("region"),
            target_group=data.get("group"),
            category=data.get("category"),
            age=data.get("age"),
            cost=data.get("cost") or "",
        )


class HelpForm(forms.Form):
    """The questionnaire "어떤 도움을 받을 수 있나요?"."""

    region = CodeChoiceField(
        Region.objects.filter(is_active=True),
        label=_("어디에 사세요? (시·군)"),
        required=True,
        empty_label=_("고르세요"),
    )
    age_group = forms.ChoiceField(
        label=_("도움이 필요한 분의 나이"),
        required=False,
        choices=[("", _("말하지 않음")), *[(g.code, g.label) for g in AGE_GROUPS]],
    )
    situation = forms.ModelMultipleChoiceField(
        EligibilityTag.objects.filter(is_active=True, kind=EligibilityTag.Kind.SITUATION),
        to_field_name="code",
        required=False,
        label=_("지금 어떤 상황인가요? (여러 개 고를 수 있어요)"),
        widget=forms.CheckboxSelectMultiple,
    )
    income = forms.ChoiceField(label=_("소득 (해당하는 것 하나)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.income_tags = {
            tag.code: tag
            for tag in EligibilityTag.objects.filter(
                is_active=True, kind=EligibilityTag.Kind.INCOME
            )
        }
        self.fields["income"].choices = [
            *[(code, tag.name) for code, tag in self.income_tags.items()],
            (INCOME_NONE, _("해당 없음")),
            (INCOME_UNKNOWN, _("잘 모름")),
        ]
        self.fields["income"].widget = forms.RadioSelect(choices=self.fields["income"].choices)
        self.fields["income"].initial = INCOME_UNKNOWN

    def answers(self) -> HelpAnswers:
        data = self.cleaned_data
        income = data.get("income") or INCOME_UNKNOWN
        return HelpAnswers(
            region=data.get("region"),
            age_group=AGE_GROUP_BY_CODE.get(data.get("age_group") or ""),
            situations=tuple(data.get("situation") or ()),
            income=income,
            income_tag=self.income_tags.get(income),
        )
