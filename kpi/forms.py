"""Forms of the goal tracker's dashboard (/kpi/).

They render the fields and parse the input. The rules about which months and lines are
acceptable are the API's (``kpi.serializers``), run from ``clean()``, so that the page and
/api/v1/kpi/ can never accept different things; the writes are ``kpi.rollups``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from kpi.models import YEAR_MAX, YEAR_MIN
from kpi.serializers import ManualEntryCreateSerializer, RollupRequestSerializer

MONTH_CHOICES = [(month, format_lazy(_("{month}월"), month=month)) for month in range(1, 13)]
# A manual line on the form: "m-<measure id>" or "p-<unit program id>".
LINE_KEY = re.compile(r"^(?P<kind>[mp])-(?P<pk>[1-9][0-9]{0,17})$")
LINE_FIELDS = {"m": "measure", "p": "unit_program"}

LineChoices = Sequence[tuple[str, Sequence[tuple[str, str]]]]


def line_key(kind: str, pk: int) -> str:
    """The form's value of a measure (``measure``) or unit program (``unit_program``)."""
    return f"{'m' if kind == 'measure' else 'p'}-{pk}"


def _year_field(label: Any) -> forms.IntegerField:
    return forms.IntegerField(
        min_value=YEAR_MIN, max_value=YEAR_MAX, label=label, widget=forms.Select
    )


def _month_field() -> forms.TypedChoiceField:
    return forms.TypedChoiceField(choices=MONTH_CHOICES, coerce=int, label=_("월"))


class ApiRulesForm(forms.Form):
    """A form whose ``clean()`` also runs the API serializer of the same action."""

    api_serializer: type[serializers.Serializer]
    # The serializer's field → the form's field that shows its errors.
    error_fields: dict[str, str] = {}
    # Both forms sit on one page and share field names: distinct ids keep the labels apart.
    id_prefix: str

    def __init__(self, *args: Any, years: Sequence[int] = (), **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)
        self.offer(years=years)

    def offer(self, *, years: Sequence[int]) -> None:
        """The years the selects list; input is checked by the field, not by this list."""
        self.fields["year"].widget.choices = [(year, year) for year in years]  # type: ignore[attr-defined]

    def api_data(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        return cleaned

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        checked = self.api_serializer(data=self.api_data(cleaned))
        if checked.is_valid():
            return {**cleaned, **checked.validated_data}
        for field, messages in checked.errors.items():
            shown = self.error_fields.get(field, field)
            self.add_error(shown if shown in self.fields else None, list(map(str, messages)))
        return cleaned


class YearForm(forms.Form):
    """The year selector (GET)."""

    year = _year_field(_("연도"))


class RollupForm(ApiRulesForm):
    """집계 실행: a month to compute now (not a future or a closed month)."""

    api_serializer = RollupRequestSerializer
    id_prefix = "rollup"
    year = _year_field(_("연도"))
    month = _month_field()


class MonthCloseForm(forms.Form):
    """마감: the month's year and number, from the period list's button."""

    year = forms.IntegerField(min_value=YEAR_MIN, max_value=YEAR_MAX, widget=forms.HiddenInput)
    month = forms.IntegerField(min_value=1, max_value=12, widget=forms.HiddenInput)


class ManualEntryForm(ApiRulesForm):
    """수기 실적 입력: a month's figure of a manual measure or unit program, with evidence."""

    api_serializer = ManualEntryCreateSerializer
    error_fields = {"measure": "line", "unit_program": "line"}
    id_prefix = "entry"
    line = forms.RegexField(
        regex=LINE_KEY,
        label=_("측정방법·단위사업"),
        widget=forms.Select,
        error_messages={"invalid": _("측정방법이나 단위사업 하나를 고르세요.")},
    )
    year = _year_field(_("연도"))
    month = _month_field()
    value = forms.DecimalField(
        min_value=0, max_digits=14, decimal_places=2, label=_("그 달의 실적")
    )
    evidence = forms.CharField(
        label=_("근거"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("문서명, 회의록, 공문 번호 등"),
        error_messages={"required": _("근거를 적어 주세요.")},
    )

    def __init__(self, *args: Any, lines: LineChoices = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offer_lines(lines)

    def offer_lines(self, lines: LineChoices) -> None:
        """Grouped by indicator: [("1-1 수탁기관 운영 활성화 지원", [("m-1", "지원사업 횟수")]), …].
        A posted line is checked by the API's rules, not by this list."""
        self.fields["line"].widget.choices = [("", "—"), *lines]  # type: ignore[attr-defined]

    def api_data(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        match = LINE_KEY.match(cleaned["line"])
        assert match is not None  # the RegexField has checked it
        return {
            LINE_FIELDS[match["kind"]]: int(match["pk"]),
            "year": cleaned["year"],
            "month": cleaned["month"],
            "value": cleaned["value"],
            "evidence": cleaned["evidence"],
        }

    def entry_fields(self) -> dict[str, Any]:
        """The keyword arguments of ``kpi.rollups.manual_entry_record``."""
        data = self.cleaned_data
        return {
            "measure": data.get("measure"),
            "unit_program": data.get("unit_program"),
            "year": data["year"],
            "month": data["month"],
            "value": data["value"],
            "evidence": data["evidence"],
        }
