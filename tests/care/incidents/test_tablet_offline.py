"""An incident reported offline on the tablet, in a real browser (Playwright + Debian's
Chromium): it waits in the outbox and reaches the coordinators' queue exactly once when the
tablet comes back online; a suspected abuse report shows the line to call and keeps the
caregiver's answer."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from care.incidents.models import Incident
from tests.browser.test_tablet_offline import log_in, outbox_size, wait_until
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    # The live server answers from its own thread, so the test data must be committed. No
    # serialized rollback: this module runs after other transactional tests, whose flush has
    # already recreated the content types a snapshot would insert again; the reference data
    # and the reporting lines are put back by tests/conftest.py instead.
    pytest.mark.django_db(transaction=True),
]


def report_a_fall(page: Page, place: str, what: str) -> None:
    expect(page.locator("html[data-incident-ready='1']")).to_have_count(1)
    page.check("input[name=kind][value=fall]")
    page.fill("#incident-place", place)
    page.fill("#incident-what", what)
    page.fill("#incident-action", "부축 후 보호자 연락")
    page.click("#incident-save")


def queue_rows(html: str) -> list[str]:
    return re.findall(r'data-incident-id="(\d+)"', html)


def test_an_incident_reported_offline_reaches_the_coordinators_queue_once(
    context: Any, server_url: str, tablet_caregiver: Any, screenshot: Any
) -> None:
    recipient = tablet_caregiver.recipients[0]
    page = context.new_page()
    log_in(page, server_url, tablet_caregiver)
    # The worker has stored the pages, the recipients' incident forms included.
    expect(page.locator("html[data-offline-ready='1']")).to_have_count(1)

    # one tap from today's list opens the form for that recipient
    page.click(f"[data-recipient-id='{recipient.pk}'] a.incident")
    expect(page).to_have_url(f"{server_url}/tablet/incident/{recipient.pk}/")
    page.goto(f"{server_url}/tablet/")

    # offline, the form comes from the worker's cache and the report waits in the outbox
    context.set_offline(True)
    expect(page.locator("#net-state")).to_have_attribute("data-online", "0")
    page.goto(f"{server_url}/tablet/incident/{recipient.pk}/")
    report_a_fall(page, "욕실", "욕실에서 미끄러져 넘어짐, 의식 있음")
    expect(page).to_have_url(f"{server_url}/tablet/")
    expect(page.locator("#flash")).to_contain_text("사고 신고")
    expect(page.locator("#outbox-count")).to_have_attribute("data-count", "1")
    screenshot(page, "incident-offline")
    assert outbox_size(page) == 1
    assert not Incident.objects.exists()

    # back online, the outbox is sent: one incident, and the outbox is empty
    context.set_offline(False)
    expect(page.locator("#outbox-count")).to_have_attribute("data-count", "0")
    wait_until(lambda: Incident.objects.count() == 1)
    wait_until(lambda: outbox_size(page) == 0)
    page.click("#sync-button")
    expect(page.locator("#sync-message")).to_contain_text("보낼 기록이 없습니다")

    incident = Incident.objects.get()
    assert (incident.kind, incident.recipient_id) == ("fall", recipient.pk)
    assert incident.reporter_id == tablet_caregiver.pk
    assert incident.what_happened == "욕실에서 미끄러져 넘어짐, 의식 있음"
    # and the coordinators' queue lists it once
    desk = Client()
    desk.force_login(UserFactory(username="desk1", roles=["coordinator"]))
    assert queue_rows(desk.get("/coordinator/incidents/").content.decode()) == [str(incident.pk)]


def test_a_suspected_abuse_report_shows_the_line_to_call_and_keeps_the_answer(
    context: Any, server_url: str, tablet_caregiver: Any
) -> None:
    recipient = tablet_caregiver.recipients[1]
    page = context.new_page()
    log_in(page, server_url, tablet_caregiver)
    page.goto(f"{server_url}/tablet/incident/{recipient.pk}/")
    expect(page.locator("html[data-incident-ready='1']")).to_have_count(1)

    # choosing suspected abuse shows the elderly line (the recipient is 노인)
    page.check("input[name=kind][value=suspected_abuse]")
    lines = page.locator("#reporting-lines")
    expect(lines).to_be_visible()
    expect(lines.locator("[data-group='elderly']")).to_contain_text("노인보호전문기관 1577-1389")
    expect(lines.locator("[data-group='child']")).to_be_hidden()
    page.fill("#incident-place", "안방")
    page.fill("#incident-what", "팔에 멍 자국, 보호자의 폭언")

    # saving without saying whether the call was made is not possible
    page.click("#incident-save")
    expect(page.locator("#incident-message")).to_contain_text("신고 전화")
    page.locator("[data-group='elderly'] input[name=reporting_line]").first.check()
    page.click("#incident-save")
    expect(page).to_have_url(f"{server_url}/tablet/")

    wait_until(lambda: Incident.objects.count() == 1)
    incident = Incident.objects.get()
    assert incident.kind == "suspected_abuse"
    assert incident.reporting_line.phone == "1577-1389"
    assert incident.reported_to_line_at is not None
