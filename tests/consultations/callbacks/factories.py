"""Call-back requests made through the service, as the public form makes them."""

from __future__ import annotations

from typing import Any

from consultations.callbacks import services
from consultations.callbacks.models import CallbackRequest
from tests.consultations.consultation_factories import category
from tests.factories import region

_counter = iter(range(1000, 10_000))


def a_request(**overrides: Any) -> CallbackRequest:
    fields: dict[str, Any] = {
        "name": "김순자",
        "phone": f"010-2000-{next(_counter):04d}",
        "region": region("jeonju"),
        "preferred_time": CallbackRequest.PreferredTime.ANYTIME,
        "topic": category("care"),
        "text": "어머니를 돌보던 아버지가 갑자기 입원하셨어요.",
    }
    fields.update(overrides)
    return services.callback_request_submit(**fields)


def form_data(**overrides: Any) -> dict[str, Any]:
    """What a resident's browser posts."""
    data: dict[str, Any] = {
        "name": "김순자",
        "phone": "010-1234-5678",
        "region": "jeonju",
        "preferred_time": "weekday_morning",
        "topic": "care",
        "text": "어머니를 돌보던 아버지가 갑자기 입원하셨어요. 낮에 돌봐 줄 곳이 있을까요?",
        "consent": "on",
        "consent_version": "2026-1",
        "homepage": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}
