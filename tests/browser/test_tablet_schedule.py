"""The tablet follows the schedule in a real browser: today's list opens offline from the
worker's cache, a scheduled visit started there reaches the server as that visit, and a
coordinator's change made meanwhile reaches the tablet at its next sync."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from base.models import ServiceType
from care.models import Visit
from care.schedule.models import ScheduledVisit
from care.schedule.services import scheduled_visit_reassign
from tests.browser.conftest import TABLET_PORTRAIT
from tests.browser.test_tablet_offline import log_in, outbox_size, wait_until
from tests.care.schedule_factories import scheduled_visit, seoul
from tests.factories import (
    AssignmentFactory,
    CorpsMemberFactory,
    RecipientFactory,
    UserFactory,
)

pytestmark = [
    pytest.mark.browser,
    # As in test_tablet_offline.py: the live server reads committed data.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def day_plan(tablet_caregiver: Any) -> dict[str, ScheduledVisit]:
    """Two visits today for the caregiver (listed out of order on purpose) and one tomorrow."""
    member = tablet_caregiver.corps_member
    first, second, third = tablet_caregiver.recipients
    today = timezone.localdate()
    return {
        "afternoon": scheduled_visit(
            corps_member=member,
            recipient=second,
            starts_at=seoul(today, 14),
            planned_minutes=60,
            services=["safety_check"],
        ),
        "morning": scheduled_visit(
            corps_member=member,
            recipient=first,
            starts_at=seoul(today, 9, 30),
            planned_minutes=120,
            services=["housework", "meal"],
        ),
        "tomorrow": scheduled_visit(
            corps_member=member,
            recipient=third,
            starts_at=seoul(today + dt.timedelta(days=1), 10),
            services=["mobility"],
        ),
    }


def open_today(context: Any, server_url: str, user: Any) -> Page:
    page = context.new_page()
    page.set_viewport_size(TABLET_PORTRAIT)
    log_in(page, server_url, user)
    # The worker has stored today's and tomorrow's pages and each scheduled visit's screen.
    expect(page.locator("html[data-offline-ready='1']")).to_have_count(1)
    return page


def test_a_scheduled_visit_started_offline_is_done_once_synced(
    context: Any, server_url: str, tablet_caregiver: Any, day_plan: Any, screenshot: Any
) -> None:
    morning, afternoon = day_plan["morning"], day_plan["afternoon"]
    page = open_today(context, server_url, tablet_caregiver)
    cards = page.locator(".scheduled")
    expect(cards).to_have_count(2)
    expect(cards.nth(0).locator(".clock-time")).to_have_text("09:30")
    expect(cards.nth(1).locator(".clock-time")).to_have_text("14:00")
    expect(cards.nth(0)).to_contain_text(morning.recipient.name)
    expect(cards.nth(0)).to_contain_text("120분")
    expect(cards.nth(0)).to_contain_text("예정")
    # The third recipient has nothing today: still one tap away.
    expect(page.locator(".unscheduled .recipient")).to_have_count(1)
    start = cards.nth(0).locator("a.start")
    box = start.bounding_box()
    assert box is not None and box["height"] >= 56 and box["width"] >= 200  # a finger's target
    screenshot(page, "today-schedule")

    context.set_offline(True)
    expect(page.locator("#net-state")).to_have_attribute("data-online", "0")
    page.goto(f"{server_url}/tablet/")  # from the worker's cache
    expect(cards).to_have_count(2)
    page.goto(f"{server_url}/tablet/tomorrow/")
    expect(page.locator(".scheduled")).to_have_count(1)
    expect(page.locator(".scheduled")).to_contain_text(day_plan["tomorrow"].recipient.name)
    page.goto(f"{server_url}/tablet/")

    cards.nth(0).locator("a.start").click()
    expect(page).to_have_url(f"{server_url}/tablet/schedule/{morning.pk}/")
    expect(page.locator(".recipient-info")).to_contain_text(morning.recipient.name)
    page.click("#check-in")
    # The planned services are chosen at check-in.
    for code in ("housework", "meal"):
        expect(page.locator(f".toggle[data-code='{code}']")).to_have_attribute(
            "aria-pressed", "true"
        )
    expect(page.locator(".toggle[data-code='safety_check']")).to_have_attribute(
        "aria-pressed", "false"
    )
    page.fill("#notes", "일정대로 방문")
    screenshot(page, "scheduled-visit")
    page.click("#check-out")
    page.click("#save")
    expect(page).to_have_url(f"{server_url}/tablet/")  # back on today's list, from the cache
    expect(page.locator("#flash")).to_contain_text("저장했습니다. 연결되면 전송합니다.")
    expect(page.locator("#outbox-count")).to_have_text("전송 대기 1건")
    queued = page.evaluate(
        """async () => (await import("/static/tablet/outbox.js")).outboxList(
            JSON.parse(document.getElementById("tablet-config").textContent).userId)"""
    )
    assert [item["payload"]["scheduled_visit"] for item in queued] == [morning.pk]
    assert Visit.objects.count() == 0

    context.set_offline(False)  # the "online" event sends the outbox
    expect(page.locator("#outbox-count")).to_have_attribute("data-count", "0")
    wait_until(lambda: Visit.objects.count() == 1)
    # The sync brought the new schedule: today's list, on screen, reloads and says it is done.
    expect(cards.nth(0)).to_have_attribute("data-state", "done")
    wait_until(lambda: outbox_size(page) == 0)
    visit = Visit.objects.get()
    morning.refresh_from_db()
    assert morning.state == ScheduledVisit.State.DONE
    assert morning.visit_id == visit.pk
    assert visit.notes == "일정대로 방문"
    assert sorted(visit.service_types.values_list("code", flat=True)) == ["housework", "meal"]
    afternoon.refresh_from_db()
    assert afternoon.state == ScheduledVisit.State.PLANNED

    # The stored schedule was refreshed too: offline, today's list says it is done.
    context.set_offline(True)
    page.goto(f"{server_url}/tablet/")
    expect(cards.nth(0)).to_have_attribute("data-state", "done")
    expect(cards.nth(0)).to_contain_text("완료")
    expect(cards.nth(0).locator("a.start")).to_have_count(0)


def test_a_substitution_made_while_offline_shows_after_the_next_sync(
    context: Any,
    server_url: str,
    tablet_caregiver: Any,
    day_plan: Any,
    screenshot: Any,
) -> None:
    colleague = CorpsMemberFactory(
        user=UserFactory(username="danwon2", roles=["caregiver"]), name="박정숙"
    )
    their_person = RecipientFactory(name="최옥자", phone="063-555-0101")
    AssignmentFactory(recipient=their_person, corps_member=colleague)
    theirs = scheduled_visit(
        corps_member=colleague,
        recipient=their_person,
        starts_at=seoul(timezone.localdate(), 16),
        services=["housework"],
    )
    page = open_today(context, server_url, tablet_caregiver)
    expect(page.locator(".scheduled")).to_have_count(2)

    context.set_offline(True)
    expect(page.locator("#net-state")).to_have_attribute("data-online", "0")
    # Meanwhile the coordinator covers the colleague's visit with this caregiver.
    member = tablet_caregiver.corps_member
    member.service_types.set(ServiceType.objects.all())
    scheduled_visit_reassign(
        actor=UserFactory(username="coord", roles=["coordinator"]),
        scheduled_visit=theirs,
        corps_member=member,
        reason="박정숙 단원 병가",
    )
    page.goto(f"{server_url}/tablet/")
    expect(page.locator(".scheduled")).to_have_count(2)  # offline: the list as it was stored

    context.set_offline(False)  # the next sync brings the new schedule, and the list reloads
    substituted = page.locator(f".scheduled[data-scheduled-id='{theirs.pk}']")
    expect(substituted).to_be_visible()
    expect(substituted).to_contain_text(their_person.name)
    expect(substituted.locator(".substitution")).to_have_text("대체")
    expect(page.locator(".scheduled")).to_have_count(3)
    screenshot(page, "today-substitution")

    # Stored for offline use too: the list and the covered visit's screen.
    context.set_offline(True)
    page.goto(f"{server_url}/tablet/")
    expect(page.locator(".scheduled")).to_have_count(3)
    page.goto(f"{server_url}/tablet/schedule/{theirs.pk}/")
    expect(page.locator(".recipient-info")).to_contain_text(their_person.name)
    expect(page.locator(".scheduled-banner")).to_contain_text("대체")
