"""The provider's review page in a real browser: axe-core finds no violation of any impact
on the form, its errors, the thank-you and the already-received pages, on a phone and a
desktop; and the issue's "done when": a provider corrects its phone number from the link and
a counselor accepts it in the diff view."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from consultations.freshness import services
from consultations.freshness.models import ProposedChange, ReviewInvitation
from consultations.models import WelfareResource
from tests.browser.conftest import (
    axe_violations,
    broken_references,
    log_in,
)
from tests.consultations.freshness.factories import invitation_for, resource_with_contact
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    # The live server answers from its own thread: the data must be committed.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1440, "height": 960}


def all_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA violations of every impact (minor included), and broken
    label or description references."""
    return axe_violations(page) + [{"broken": ref} for ref in broken_references(page)]


@pytest.fixture
def invitation() -> ReviewInvitation:
    resource = resource_with_contact(
        name="어르신 안부 확인 서비스",
        summary="혼자 사는 어르신께 전화로 안부를 묻습니다.",
        phone="063-111-2222",
        hours="평일 09:00~18:00",
        how_to_apply="전화로 신청",
        assured_date=None,
    )
    return invitation_for(resource)


def link(server_url: str, invitation: ReviewInvitation) -> str:
    return f"{server_url}/provider/review/{services.invitation_token(invitation)}/"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_provider_pages_have_no_accessibility_violation(
    context: Any, server_url: str, invitation: ReviewInvitation, viewport: dict[str, int]
) -> None:
    page = context.new_page()
    page.set_viewport_size(viewport)
    audited: dict[str, Any] = {}

    page.goto(link(server_url, invitation))
    expect(page.locator("h1")).to_have_text("복지자원 정보 확인")
    audited["form"] = all_violations(page)

    page.fill("#id_phone", "전화 주세요")
    page.click("#correct-button")
    expect(page.locator("#error-summary")).to_be_visible()
    audited["form with an error"] = all_violations(page)

    page.fill("#id_phone", "063-333-4444")
    page.click("#correct-button")
    expect(page.locator("#thanks")).to_be_visible()
    audited["thank-you"] = all_violations(page)

    page.goto(link(server_url, invitation))
    expect(page.locator("#already-received")).to_be_visible()
    audited["already received"] = all_violations(page)

    assert {name: found for name, found in audited.items() if found} == {}


def test_the_expired_page_has_no_accessibility_violation(context: Any, server_url: str) -> None:
    from datetime import timedelta

    from django.utils import timezone

    expired = invitation_for(now=timezone.now() - timedelta(days=31))
    page = context.new_page()
    page.set_viewport_size(PHONE)

    response = page.goto(link(server_url, expired))

    assert response is not None and response.status == 410
    expect(page.locator("#link-expired")).to_be_visible()
    assert all_violations(page) == []


def test_a_provider_corrects_its_phone_and_a_counselor_accepts_it_in_the_diff(
    context: Any, server_url: str, invitation: ReviewInvitation, axe: Any
) -> None:
    # given the provider's link, opened on a phone
    provider = context.new_page()
    provider.set_viewport_size(PHONE)
    provider.goto(link(server_url, invitation))
    expect(provider.locator("#id_phone")).to_have_value("063-111-2222")

    # when the provider corrects the phone number and sends it
    provider.fill("#id_phone", "063-999-8888")
    provider.fill("#id_note", "대표번호가 바뀌었습니다.")
    provider.click("#correct-button")
    expect(provider.locator("#thanks")).to_contain_text("1가지")

    # and a counselor opens the queue, the change, and accepts it
    counselor = UserFactory(username="sangdam1", roles=["counselor"])
    desk = context.new_page()
    desk.set_viewport_size(DESKTOP)
    log_in(desk, server_url, counselor, landing="/consultations/directory/changes/")
    # the desk's pages meet the desks' own bar (no serious or critical violation)
    assert axe(desk) == []
    desk.click("#change-queue tr.change a")
    assert axe(desk) == []
    assert broken_references(desk) == []
    phone_row = desk.locator('#change-diff tr[data-field="phone"]')
    expect(phone_row).to_contain_text("바뀜")
    expect(phone_row.locator("td.current")).to_have_text("063-111-2222")
    expect(phone_row.locator("td.proposed")).to_have_text("063-999-8888")
    expect(desk.locator('#change-diff tr[data-field="hours"]')).not_to_contain_text("바뀜")
    expect(desk.locator("#provider-note")).to_have_text("대표번호가 바뀌었습니다.")
    desk.click("#accept-button")
    expect(desk.locator(".messages")).to_contain_text("반영")

    # then the resource carries the new number, checked today
    resource = WelfareResource.objects.get(pk=invitation.resource_id)
    assert resource.phone == "063-999-8888"
    assert resource.assured_date is not None
    assert ProposedChange.objects.get().state == ProposedChange.State.ACCEPTED
