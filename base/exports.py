"""Downloads of personal data (개인정보 다운로드): the one question every file that names people
asks before it is made, and how its answer reaches the access log.

A download of a list of people (an activity statement with its recipients, a person's record,
any workbook with names) asks why it is needed: one of ``ExportPurpose`` (보고, 점검, 활동비
지급, 정보주체 요청, or 기타 with a note). The API takes the answer as the query parameters
``purpose`` and ``purpose_note`` (``ExportPurposeSerializer``: 400 naming the parameter when it
is missing); a desk page shows ``ExportPurposeForm`` on a small confirmation page
(``templates/exports/confirm.html``) and makes the file when it is answered. Either way the
answer goes to ``base.services.access_log_record(action=EXPORT, purpose=..., purpose_note=...)``,
one row per person in the file, and the monthly access review lists it with the purpose.

The safeguards standard (개인정보의 안전성 확보조치 기준 제8조) asks the controller to check the
access log for downloads and, where one is found, to confirm its reason: asking it at the time
and keeping it on the log row makes that check a reading rather than an inquiry.

Files that are no such download, and why (``tests/base/test_exports.py`` holds this list and
fails on any other download in the code): the KPI report (aggregates, no person); the HSDS
export (the public directory: organizations and services, never a person); a partner
agreement's signed copy and a repair job's photos (one document of one job or agreement,
served through a role-checked view; the signed copy is between institutions).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from base.models import ExportPurpose

NOTE_MAX_LENGTH = 200
NOTE_REQUIRED = _("기타를 고르면 출력 사유를 적어 주세요.")


@dataclass(frozen=True)
class Purpose:
    """An answered question: the purpose and, for "other" above all, a note."""

    purpose: str
    note: str = ""

    def log_fields(self) -> dict[str, str]:
        """The keyword arguments of ``access_log_record`` that carry it."""
        return {"purpose": self.purpose, "purpose_note": self.note}


class ExportPurposeSerializer(serializers.Serializer):
    """The API's form of the question, read from the query string of a download."""

    purpose = serializers.ChoiceField(
        choices=ExportPurpose.choices,
        help_text=_("개인정보 출력 목적 (파일을 내려받을 때 필수)"),
    )
    purpose_note = serializers.CharField(
        max_length=NOTE_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("출력 사유 (목적이 other이면 필수)"),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["purpose"] == ExportPurpose.OTHER and not attrs.get("purpose_note", "").strip():
            raise serializers.ValidationError({"purpose_note": [NOTE_REQUIRED]})
        return attrs


def purpose_from_query(query_params: Any) -> Purpose:
    """The answer in a download's query string, or a 400 naming what is missing."""
    asked = ExportPurposeSerializer(data=query_params)
    asked.is_valid(raise_exception=True)
    return Purpose(asked.validated_data["purpose"], asked.validated_data["purpose_note"].strip())


# For ``extend_schema(parameters=...)`` of a download: the two parameters, documented once.
PURPOSE_PARAMETERS = [
    OpenApiParameter(
        "purpose",
        OpenApiTypes.STR,
        enum=ExportPurpose.values,
        description=_("개인정보 출력 목적: 파일로 내려받을 때 필수 (접속기록에 남음)"),
    ),
    OpenApiParameter(
        "purpose_note",
        OpenApiTypes.STR,
        description=_("출력 사유 (목적이 other이면 필수, 200자 이내)"),
    ),
]


class ExportPurposeForm(forms.Form):
    """The desk's form of the question, on the confirmation page before the file."""

    purpose = forms.ChoiceField(
        label=_("출력 목적"),
        choices=ExportPurpose.choices,
        widget=forms.RadioSelect,
    )
    purpose_note = forms.CharField(
        label=_("출력 사유"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        help_text=_("기타를 고르면 필수입니다."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if (
            cleaned.get("purpose") == ExportPurpose.OTHER
            and not cleaned.get("purpose_note", "").strip()
        ):
            self.add_error("purpose_note", NOTE_REQUIRED)
        return cleaned

    def answer(self) -> Purpose:
        return Purpose(self.cleaned_data["purpose"], self.cleaned_data["purpose_note"].strip())
