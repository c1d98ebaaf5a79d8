"""The coordinators' desk in a real browser: an intake sent with mistakes starts at the error
summary, whose links put the cursor in the field; a week of visits is verified in one action."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from care.models import Visit
from tests.browser.conftest import pass_login
from tests.care.test_coordinator_desk import WEEK, visit_on
from tests.factories import PASSWORD, AssignmentFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    # The live server answers from its own thread: the test data must be committed.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def log_in(page: Page, server_url: str, path: str) -> None:
    user = UserFactory(username="desk-browser", roles=["coordinator"])
    page.goto(f"{server_url}{path}")
    pass_login(page, server_url, user.username, PASSWORD)
    expect(page).to_have_url(f"{server_url}{path}")


def test_an_intake_with_mistakes_starts_at_the_error_summary(
    context: Any, server_url: str, axe: Any
) -> None:
    page = context.new_page()
    log_in(page, server_url, "/coordinator/recipients/new/")

    # when the coordinator sends the intake with the name only
    page.fill("#id_name", "홍길순")
    page.click("button[type=submit]:has-text('등록')")

    # then focus is on the summary at the top, which lists every mistake
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.locator("a[href='#id_address']")).to_have_count(1)
    assert axe(page) == []
    # and its link puts the cursor in the field, not only the scroll
    summary.locator("a[href='#id_address']").click()
    expect(page.locator("#id_address")).to_be_focused()


def test_a_week_of_visits_is_verified_in_one_action(context: Any, server_url: str) -> None:
    visits = [visit_on(AssignmentFactory(), day) for day in WEEK]
    page = context.new_page()
    log_in(page, server_url, "/coordinator/visits/")

    page.fill("#id_started_from", "2026-11-16")
    page.fill("#id_started_until", "2026-11-22")
    page.click("button:has-text('찾기')")
    page.click("a:has-text('7건 한꺼번에 확인')")
    expect(page.locator("main")).to_contain_text("방문 7건을 확인 처리합니다")
    page.click("button:has-text('7건 확인')")

    expect(page.locator(".messages")).to_contain_text("방문기록 7건을 확인했습니다.")
    assert (
        Visit.objects.filter(pk__in=[v.pk for v in visits], status=Visit.Status.VERIFIED).count()
        == 7
    )
