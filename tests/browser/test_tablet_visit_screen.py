"""The visit screen as a caregiver holds the tablet: in portrait everything from check-in to
save on one screen, the focus kept where the work goes on, back to today's list after a save;
and every tablet page usable on a 320 px wide phone."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from base.models import ServiceType
from care.models import Assignment, Visit
from care.schedule.models import ScheduledVisit
from tests.browser.conftest import TABLET_PORTRAIT
from tests.browser.test_tablet_offline import log_in, queue_visits, wait_until
from tests.care.schedule_factories import scheduled_visit, seoul
from tests.care.visit_factories import VisitFactory

pytestmark = [
    pytest.mark.browser,
    # As in test_tablet_offline.py: the live server reads committed data.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 320, "height": 640}


def focused(page: Page) -> str:
    """The focused element as tag#id, "BODY#" when the focus has been dropped."""
    return page.evaluate("`${document.activeElement.tagName}#${document.activeElement.id}`")


def past_visit(caregiver: Any, started_at: dt.datetime) -> Visit:
    """A visit as the server has it, sent long ago."""
    assignment = Assignment.objects.get(recipient=caregiver.recipients[0])
    return VisitFactory(
        recipient=assignment.recipient,
        corps_member=assignment.corps_member,
        episode=assignment.episode,
        program=assignment.program,
        started_at=started_at,
    )


def test_a_scheduled_visit_fits_one_portrait_screen_from_check_in_to_save(
    context: Any, server_url: str, tablet_caregiver: Any, screenshot: Any
) -> None:
    morning = scheduled_visit(
        corps_member=tablet_caregiver.corps_member,
        recipient=tablet_caregiver.recipients[0],
        starts_at=seoul(timezone.localdate(), 9, 30),
        services=["housework", "meal"],
    )
    page = context.new_page()
    page.set_viewport_size(TABLET_PORTRAIT)
    log_in(page, server_url, tablet_caregiver)
    page.goto(f"{server_url}/tablet/schedule/{morning.pk}/")
    expect(page.locator("#check-in")).to_be_enabled()
    expect(page.locator("#save-hint")).to_contain_text("체크아웃도 함께 기록")

    page.click("#check-in")

    # The focus moves on to the services, and the check-in is read out.
    assert focused(page) != "BODY#"
    expect(page.locator(".toggle").first).to_be_focused()
    expect(page.locator("#clock-state")).to_have_text(re.compile(r"^체크인 \d\d:\d\d$"))
    # 시:분 in large type where the button was.
    checked_in = page.locator("#checked-in-time")
    expect(checked_in).to_have_text(re.compile(r"^\d\d:\d\d$"))
    assert float(checked_in.evaluate("e => getComputedStyle(e).fontSize")[:-2]) >= 36
    expect(page.locator("#save")).to_have_text("저장하고 체크아웃")
    # Every service shown, and the save button above the fold: nothing to scroll.
    toggles = page.locator(".toggle")
    expect(toggles).to_have_count(ServiceType.objects.filter(is_active=True).count())
    for index in range(toggles.count()):
        box = toggles.nth(index).bounding_box()
        assert box is not None and box["y"] + box["height"] <= TABLET_PORTRAIT["height"]
    save = page.locator("#save").bounding_box()
    assert save is not None and save["y"] + save["height"] <= TABLET_PORTRAIT["height"]
    assert page.evaluate("window.scrollY") == 0
    page.fill("#notes", "식사 준비 후 설거지, 컨디션 양호")
    screenshot(page, "visit")

    page.click("#check-out")

    expect(page.locator("#save")).to_be_focused()
    expect(page.locator("#clock-state")).to_contain_text("체크아웃")
    expect(page.locator("#checked-out-time")).to_have_text(re.compile(r"^\d\d:\d\d$"))
    expect(page.locator("#save")).to_have_text("저장")

    page.click("#save")

    expect(page).to_have_url(f"{server_url}/tablet/")
    flash = page.locator("#flash")
    expect(flash).to_have_text(f"{morning.recipient.name} 님 방문: 저장하고 전송했습니다.")
    expect(flash).to_be_focused()
    expect(flash).to_have_attribute("role", "status")
    wait_until(lambda: ScheduledVisit.objects.filter(pk=morning.pk, visit__isnull=False).exists())
    # Said once: the list opened again does not repeat it.
    page.reload()
    expect(page.locator("html[data-tablet-ready='1']")).to_have_count(1)
    expect(flash).to_be_hidden()


def test_saving_without_check_out_checks_out_and_keeps_the_focus(
    context: Any, server_url: str, tablet_caregiver: Any
) -> None:
    recipient = tablet_caregiver.recipients[1]
    page = context.new_page()
    page.set_viewport_size(TABLET_PORTRAIT)
    log_in(page, server_url, tablet_caregiver)
    page.goto(f"{server_url}/tablet/visit/{recipient.pk}/")
    page.click("#check-in")
    page.click("#save")  # no service chosen yet

    expect(page.locator("#form-message")).to_contain_text("서비스를 하나 이상")
    assert focused(page) != "BODY#"

    page.click(".toggle[data-code='safety_check']")
    page.click("#save")

    expect(page).to_have_url(f"{server_url}/tablet/")
    expect(page.locator("#flash")).to_be_focused()
    wait_until(lambda: Visit.objects.filter(recipient=recipient).count() == 1)
    visit = Visit.objects.get(recipient=recipient)
    assert visit.ended_at is not None and visit.ended_at > visit.started_at


def test_a_discarded_check_in_gives_the_focus_back_to_check_in(
    context: Any, server_url: str, tablet_caregiver: Any
) -> None:
    page = context.new_page()
    log_in(page, server_url, tablet_caregiver)
    page.goto(f"{server_url}/tablet/visit/{tablet_caregiver.recipients[0].pk}/")
    page.click("#check-in")
    page.once("dialog", lambda dialog: dialog.accept())

    page.click("#discard")

    expect(page.locator("#check-in")).to_be_focused()
    expect(page.locator("#checked-in")).to_be_hidden()


def test_send_now_is_quiet_until_something_waits(
    context: Any, server_url: str, tablet_caregiver: Any
) -> None:
    page = context.new_page()
    page.set_viewport_size(TABLET_PORTRAIT)
    log_in(page, server_url, tablet_caregiver)
    button = page.locator("#sync-button")
    expect(button).to_have_class(re.compile(r"\bquiet\b"))
    quiet_background = button.evaluate("e => getComputedStyle(e).backgroundColor")
    assert quiet_background == "rgba(0, 0, 0, 0)"
    assert button.bounding_box()["width"] < 300  # type: ignore[index]

    context.set_offline(True)
    queue_visits(page, tablet_caregiver.recipients[0].pk, 1)
    button.click()

    expect(page.locator("#outbox-count")).to_have_text("전송 대기 1건")
    expect(button).not_to_have_class(re.compile(r"\bquiet\b"))
    assert button.evaluate("e => getComputedStyle(e).backgroundColor") != quiet_background
    assert button.bounding_box()["width"] > 600  # type: ignore[index]  # a row of its own


def test_the_visit_list_shows_the_year_of_past_years_and_the_newest_first(
    context: Any, server_url: str, tablet_caregiver: Any
) -> None:
    this_year = past_visit(tablet_caregiver, timezone.now() - dt.timedelta(hours=3))
    old = past_visit(tablet_caregiver, seoul(dt.date(2023, 12, 29), 10))
    page = context.new_page()
    log_in(page, server_url, tablet_caregiver)

    page.goto(f"{server_url}/tablet/visits/")

    items = page.locator("#server-list .visit-item")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_have_attribute("data-visit-id", str(this_year.pk))
    expect(items.nth(1)).to_have_attribute("data-visit-id", str(old.pk))
    expect(items.nth(1)).to_contain_text("2023년 12월 29일")
    expect(items.nth(0)).not_to_contain_text(f"{timezone.localdate().year}년")


def test_no_tablet_page_is_wider_than_a_320_px_phone(
    context: Any, server_url: str, tablet_caregiver: Any
) -> None:
    today = timezone.localdate()
    planned = scheduled_visit(
        corps_member=tablet_caregiver.corps_member,
        recipient=tablet_caregiver.recipients[0],
        starts_at=seoul(today, 9, 30),
        services=["housework", "meal"],
    )
    scheduled_visit(
        corps_member=tablet_caregiver.corps_member,
        recipient=tablet_caregiver.recipients[1],
        starts_at=seoul(today + dt.timedelta(days=1), 10),
    )
    past_visit(tablet_caregiver, timezone.now() - dt.timedelta(hours=3))
    past_visit(tablet_caregiver, seoul(dt.date(2023, 12, 29), 10))
    page = context.new_page()
    page.set_viewport_size(PHONE)
    log_in(page, server_url, tablet_caregiver)
    pages = {
        "/tablet/": ".scheduled",
        "/tablet/tomorrow/": ".scheduled",
        f"/tablet/schedule/{planned.pk}/": "#check-in",
        f"/tablet/visit/{tablet_caregiver.recipients[2].pk}/": "#check-in",
        "/tablet/visits/": "#server-list .visit-item",
        "/tablet/month/": ".statement",
    }

    for path, content in pages.items():
        page.goto(f"{server_url}{path}")
        expect(page.locator(content).first).to_be_visible()
        if path.startswith("/tablet/schedule/"):
            page.click("#check-in")  # the large check-in time in place of the button
            expect(page.locator("#checked-in-time")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width} px wide"
