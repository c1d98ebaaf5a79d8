"""Template context every page may use."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def public_contact(request: HttpRequest) -> dict[str, Any]:
    """The care information desk's phone (돌봄종합정보상담), where the institute has set it:
    pages offer it beside the call-back request; without it they offer the request alone."""
    phone = settings.CARE_INFO_PHONE
    return {"care_info_phone": phone, "care_info_tel": "".join(c for c in phone if c.isdigit())}


def call_us_sentence() -> str:
    """A sentence "call … if it is urgent" for messages written in Python ("" unset)."""
    from django.utils.translation import gettext

    phone = settings.CARE_INFO_PHONE
    if not phone:
        return ""
    return " " + gettext("급하시면 %(phone)s(으)로 전화해 주세요.") % {"phone": phone}
