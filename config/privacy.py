"""개인정보 처리방침: the privacy policy a public institution must publish (개인정보 보호법
제30조), linked from the footer of every page, public ones included.

The retention periods come from the data that enforces them (``ProgramRules``), so the page
cannot promise one period while the system keeps another.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from care.models import ProgramRules

POLICY_VERSION = "2026-12-05"


def privacy_policy(request: HttpRequest) -> HttpResponse:
    rules = ProgramRules.objects.select_related("program").order_by("program__sort_order")
    return render(
        request,
        "privacy.html",
        {
            "rules": rules,
            "version": POLICY_VERSION,
            "officer": settings.PRIVACY_OFFICER,
        },
    )
