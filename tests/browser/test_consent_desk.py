"""The recipient page's consent section and the intake's consent items in a real browser:
no serious or critical axe-core violation, no broken id reference, and a withdrawal taken
through the page flags the person."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from care.consent.models import ConsentRecord
from tests.browser.conftest import broken_references, log_in
from tests.factories import ConsentRecordFactory, RecipientFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_consent_pages_have_no_serious_accessibility_violation(
    context: Any, server_url: str, axe: Any
) -> None:
    # given a person with the collection item, a withdrawn third-party item and no sensitive
    coordinator = UserFactory(username="consent-desk", roles=["coordinator"])
    recipient = RecipientFactory()
    ConsentRecordFactory(
        recipient=recipient, withdrawn_on=timezone.localdate(), withdrawal_method="in_writing"
    )
    page = context.new_page()
    detail = f"/coordinator/recipients/{recipient.pk}/"
    log_in(page, server_url, coordinator, landing=detail)

    # then the recipient page and the intake pass
    for path in (detail, "/coordinator/recipients/new/"):
        page.goto(f"{server_url}{path}")
        assert [*axe(page), *broken_references(page)] == [], path

    # and when the collection item is withdrawn by phone through the page
    page.goto(f"{server_url}{detail}")
    record = ConsentRecord.objects.get(recipient=recipient, item="collection_use")
    page.select_option(f"#withdrawal-method-{record.pk}", "phone")
    page.locator(f"#withdrawal-method-{record.pk}").locator("xpath=..").locator(
        "button[type=submit]"
    ).click()

    # then the page flags the person, and still passes
    expect(page.locator("#consent-flag")).to_be_visible()
    assert [*axe(page), *broken_references(page)] == []
