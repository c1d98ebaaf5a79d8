"""The public request form and the desk's close form. Every refusal names, in plain Korean,
what to change; the form never says a request was refused for being a bot (the honeypot is
dropped silently by the view)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from base.models import Region
from base.validators import contains_resident_registration_number
from consultations.callbacks import consent as consent_texts
from consultations.callbacks.models import CallbackRequest
from consultations.models import ResourceCategory, WelfareResource

NAME_MAX = 50
TEXT_MAX = 1000

# A link in any of the shapes spam carries: a scheme, www., or a name ending in a common
# top-level domain (also an e-mail address, which nobody needs here: we call back).
_LINK = re.compile(
    r"(?i)(?:[a-z][a-z0-9+.-]*://|www\.|[a-z0-9-]+\s*(?:\.|\[\.\]|\(\.\))\s*"
    r"(?:com|net|org|kr|co|io|me|ly|xyz|info|biz|site|top|shop|link|app|gl|to|ru|cn|us)\b)"
)

# Korean phone numbers as people write them: 010-1234-5678, 010 1234 5678, (063)123-4567,
# +82 10-1234-5678. Mobile 010/011/016–019, Seoul 02, the other area codes 031–064, and
# internet phones 070.
_MOBILE = re.compile(r"^(01[016789])(\d{3,4})(\d{4})$")
_SEOUL = re.compile(r"^(02)(\d{3,4})(\d{4})$")
_AREA = re.compile(r"^(0(?:3[1-3]|4[1-4]|5[1-5]|6[1-4]))(\d{3,4})(\d{4})$")
_INTERNET = re.compile(r"^(070)(\d{4})(\d{4})$")
_PHONE_CHARACTERS = re.compile(r"^[\d\s\-.()+]+$")


def phone_normalise(value: str) -> str | None:
    """The number as 010-1234-5678, or None when it is not a Korean phone number."""
    value = (value or "").strip()
    if not value or not _PHONE_CHARACTERS.match(value):
        return None
    digits = re.sub(r"\D", "", value)
    if value.lstrip().startswith("+"):
        if not digits.startswith("82"):
            return None
        digits = "0" + digits[2:].lstrip("0")
    for pattern in (_MOBILE, _SEOUL, _AREA, _INTERNET):
        match = pattern.match(digits)
        if match:
            return "-".join(match.groups())
    return None


def contains_link(text: str) -> bool:
    return bool(_LINK.search(text or ""))


class CallbackRequestForm(forms.Form):
    """상담 신청. The honeypot ``homepage`` is a field no person sees or reaches: CSS moves it
    off screen, it is hidden from screen readers and out of the tab order."""

    name = forms.CharField(
        label=_("이름"),
        max_length=NAME_MAX,
        help_text=_("별명도 괜찮아요. 전화드릴 때 이 이름으로 부릅니다."),
        error_messages={
            "required": _("이름을 적어 주세요. 별명도 괜찮아요."),
            "max_length": _("이름은 %(limit_value)d자까지 적을 수 있어요 (지금 %(show_value)d자)."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("전화번호"),
        max_length=20,
        help_text=_("예: 010-1234-5678 또는 063-123-4567"),
        error_messages={
            "required": _("전화드릴 번호를 적어 주세요."),
            "max_length": _("전화번호가 너무 깁니다. 예: 010-1234-5678"),
        },
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    region = forms.ModelChoiceField(
        label=_("사는 시·군"),
        queryset=Region.objects.filter(is_active=True),
        to_field_name="code",
        empty_label=_("고르세요"),
        error_messages={
            "required": _("사는 시·군을 골라 주세요."),
            "invalid_choice": _("목록에서 시·군을 골라 주세요."),
        },
    )
    preferred_time = forms.ChoiceField(
        label=_("전화 받기 좋은 시간"),
        choices=CallbackRequest.PreferredTime.choices,
        initial=CallbackRequest.PreferredTime.ANYTIME,
        widget=forms.RadioSelect,
        error_messages={"required": _("전화 받기 좋은 시간을 골라 주세요.")},
    )
    topic = forms.ModelChoiceField(
        label=_("상담 분야"),
        # The consultation topics (Consultation.topics): the top of the directory's taxonomy.
        queryset=ResourceCategory.objects.filter(is_active=True, parent__isnull=True),
        to_field_name="code",
        required=False,
        empty_label=_("잘 모르겠어요"),
        error_messages={"invalid_choice": _("목록에서 상담 분야를 골라 주세요.")},
    )
    text = forms.CharField(
        label=_("어떤 도움이 필요하신가요? (선택)"),
        max_length=TEXT_MAX,
        required=False,
        help_text=_("짧게 적어 주세요 (1,000자까지). 주민등록번호나 누리집 주소는 적지 마세요."),
        error_messages={
            "max_length": _(
                "내용은 %(limit_value)d자까지 적을 수 있어요 (지금 %(show_value)d자). "
                "줄여 주시면 나머지는 전화로 들을게요."
            ),
        },
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": TEXT_MAX}),
    )
    consent = forms.BooleanField(
        label=_("위 개인정보 수집·이용에 동의합니다"),
        error_messages={
            "required": _(
                "개인정보 수집·이용에 동의해야 신청할 수 있어요. "
                "동의하지 않으셔도 전화나 방문으로 같은 상담을 받을 수 있어요."
            )
        },
    )
    consent_version = forms.CharField(
        widget=forms.HiddenInput, initial=consent_texts.CURRENT.version
    )
    resource = forms.CharField(widget=forms.HiddenInput, required=False)
    # The honeypot: a person never sees it; a form-filling script usually fills a "homepage".
    homepage = forms.CharField(
        label=_("이 칸은 비워 두세요"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def is_bot(self) -> bool:
        return bool((self.data.get("homepage") or "").strip())

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if contains_resident_registration_number(name):
            raise ValidationError(
                _("이름 칸에 주민등록번호처럼 보이는 숫자가 있어요. 이름만 적어 주세요."),
                code="resident_registration_number",
            )
        if contains_link(name):
            raise ValidationError(
                _("이름에 누리집 주소(http://, www., .com 등)는 적을 수 없어요."), code="link"
            )
        return name

    def clean_phone(self) -> str:
        raw = self.cleaned_data["phone"]
        if contains_resident_registration_number(raw):
            raise ValidationError(
                _("주민등록번호는 적지 마세요. 전화번호만 적어 주세요."),
                code="resident_registration_number",
            )
        phone = phone_normalise(raw)
        if phone is None:
            raise ValidationError(
                _(
                    "전화번호를 다시 확인해 주세요. 휴대전화는 010-1234-5678, "
                    "집 전화는 063-123-4567처럼 지역번호부터 적어요."
                ),
                code="phone",
            )
        return phone

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if contains_resident_registration_number(text):
            raise ValidationError(
                _(
                    "내용에 주민등록번호처럼 보이는 숫자가 있어요. 주민등록번호는 받지 않아요: "
                    "지우고 다시 보내 주세요."
                ),
                code="resident_registration_number",
            )
        if contains_link(text):
            raise ValidationError(
                _(
                    "내용에 누리집 주소나 이메일(http://, www., .com 등)은 적을 수 없어요. "
                    "주소 없이 적어 주세요."
                ),
                code="link",
            )
        return text

    def clean_consent_version(self) -> str:
        version = self.cleaned_data["consent_version"]
        if version not in consent_texts.VERSIONS:
            # The form was opened before the wording changed: show the new one to agree to.
            raise ValidationError(
                _("동의 내용이 바뀌었어요. 새 내용을 읽고 다시 동의해 주세요."), code="consent"
            )
        return version

    def clean_resource(self) -> WelfareResource | None:
        return public_resource(self.cleaned_data.get("resource") or "")

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "phone": data["phone"],
            "region": data["region"],
            "preferred_time": data["preferred_time"],
            "topic": data["topic"],
            "resource": data["resource"],
            "text": data["text"],
            "consent_version": data["consent_version"],
        }


def public_resource(value: str) -> WelfareResource | None:
    """A published, running resource by its public id (UUID) or its number; else None."""
    value = (value or "").strip()[:40]
    resources = WelfareResource.objects.public().select_related("organization", "category__parent")
    try:
        return resources.filter(uuid=uuid.UUID(value)).first()
    except ValueError:
        pass
    if value.isdigit() and len(value) <= 18:
        return resources.filter(pk=int(value)).first()
    return None


def prefill_from_resource(resource: WelfareResource) -> dict[str, Any]:
    """The topic and a first sentence for a resident who came from a resource's page."""
    category = resource.category
    topic = category.parent if category.parent_id else category
    return {
        "resource": str(resource.uuid),
        "topic": topic.code if topic.is_active else None,
        "text": str(_("「%(name)s」(%(organization)s)에 대해 상담받고 싶어요."))
        % {"name": resource.name, "organization": resource.organization.name},
    }


class CloseForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("종결 사유"),
        choices=CallbackRequest.CloseReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("종결 사유를 고르세요.")},
    )
    note = forms.CharField(
        label=_("메모"),
        max_length=300,
        help_text=_("무엇을 했는지 (예: 3회 전화, 받지 않음 · 문자 남김)"),
        error_messages={"required": _("무엇을 했는지 적어 주세요.")},
    )
