"""A download of personal data on the desk, in a real browser: the statement's link opens the
question of purpose (accessible, no CSP violation), a send without an answer starts at the
error summary, and an answered one downloads the workbook and logs it with its purpose."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from base.models import AccessLog
from tests.browser.conftest import log_in
from tests.care.statements.conftest import Month, may  # noqa: F401 (the month's fixture)
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_statement_download_asks_why_then_downloads_and_logs_it(
    context: Any,
    server_url: str,
    axe: Any,
    may: Month,  # noqa: F811
) -> None:
    user = UserFactory(username="desk-exports", roles=["coordinator"])
    page = context.new_page()
    log_in(page, server_url, user, landing="/coordinator/statements/?year=2024&month=5")

    page.click("#statement-download")
    expect(page.locator("h1")).to_have_text("개인정보 출력 목적 확인")
    expect(page.locator("#export-people")).to_contain_text("대상자 3명")
    assert axe(page) == []

    page.click("#export-form button[type=submit]")
    expect(page.locator("#error-summary")).to_be_focused()
    assert axe(page) == []
    assert not AccessLog.objects.exists()

    page.check("input[name=purpose][value=other]")
    page.fill("#id_purpose_note", "도 감사 자료 제출")
    with page.expect_download() as download:
        page.click("#export-form button[type=submit]")

    assert download.value.suggested_filename == "2024년_05월_활동실적.xlsx"
    rows = AccessLog.objects.filter(action="export")
    assert rows.count() == 3
    assert set(rows.values_list("purpose", "purpose_note")) == {("other", "도 감사 자료 제출")}
