"""The administrators' rights-request desk in a real browser: axe-core finds no serious or
critical violation on its pages (an overdue row, a form with errors included), no label points
at nothing, and the Content-Security-Policy is not violated (no inline script)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from consultations.rights import services
from tests.browser.conftest import broken_references, log_in
from tests.factories import RecipientFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_rights_desk_has_no_serious_accessibility_violation(
    context: Any, server_url: str, axe: Any
) -> None:
    admin = UserFactory(username="admin1", roles=["administrator"])
    late = services.rights_request_create(
        actor=admin,
        kind="access",
        received_on=timezone.localdate() - dt.timedelta(days=12),
        received_via="phone",
        detail="제 기록을 보고 싶습니다",
        recipient=RecipientFactory(),
    )
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    log_in(page, server_url, admin, landing="/privacy-requests/")
    found: dict[str, Any] = {}
    for path in [
        "/",
        "/privacy-requests/",
        "/privacy-requests/new/",
        f"/privacy-requests/{late.pk}/",
    ]:
        response = page.goto(f"{server_url}{path}")
        assert response is not None and response.ok, path
        problems = [*axe(page), *broken_references(page)]
        if problems:
            found[path] = problems
    # a form sent back with its errors
    page.goto(f"{server_url}/privacy-requests/{late.pk}/")
    page.check("input[name=decision][value=refused]")
    page.click("form:has(input[name=decision]) button[type=submit]")
    assert page.locator("[role=alert]").count() >= 1
    problems = [*axe(page), *broken_references(page)]
    if problems:
        found["answer with errors"] = problems

    assert found == {}
    assert [text for text in console if "Content Security Policy" in text] == []
