"""The tablet pages in a real browser: visits recorded offline wait in the outbox, survive a
reload, and reach the server exactly once when the network comes back."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
import uuid
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from care.models import Assignment, Visit
from care.visits import VisitInput, visit_record
from tests.browser.conftest import pass_login

pytestmark = [
    pytest.mark.browser,
    # The live server answers from its own thread, so the test data must be committed; the
    # serialized rollback restores the reference data (regions, roles) that a flush between
    # transactional tests would otherwise remove.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def log_in(page: Page, server_url: str, user: Any) -> None:
    page.goto(f"{server_url}/tablet/")
    expect(page).to_have_url(f"{server_url}/login/?next=/tablet/")
    pass_login(page, server_url, user.username, user.password_plain)
    expect(page).to_have_url(f"{server_url}/tablet/")
    # The page's scripts have run and its first outbox check is over.
    expect(page.locator("html[data-tablet-ready='1']")).to_have_count(1)


def wait_until(condition: Any, timeout: float = 10.0) -> None:
    """Polls the database, which the browser writes to through the live server."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


def record_visit(
    page: Page, services: list[str], notes: str, *, back_to_list: bool | None = True
) -> None:
    """Records a visit on the open visit screen. Saving goes back to today's list, which says
    so; offline with no stored list (``back_to_list=False``), the screen stays and says it.
    ``None``: either (whether the list is stored is not what the test is about)."""
    page.click("#check-in")
    expect(page.locator("#clock-state")).to_contain_text("체크인")
    for code in services:
        page.click(f".toggle[data-code='{code}']")
        expect(page.locator(f".toggle[data-code='{code}']")).to_have_attribute(
            "aria-pressed", "true"
        )
    page.fill("#notes", notes)
    page.click("#check-out")
    expect(page.locator("#clock-state")).to_contain_text("체크아웃")
    page.click("#save")
    if back_to_list is None:
        expect(page.locator("#flash, #form-message").filter(has_text="저장")).to_have_count(1)
    elif back_to_list:
        expect(page).to_have_url(re.compile(r"/tablet/$"))
        expect(page.locator("#flash")).to_contain_text("저장")
        expect(page.locator("#flash")).to_be_focused()
    else:
        expect(page.locator("#form-message")).to_contain_text("저장")
        # The screen is ready for the next visit: the saved one has left it.
        expect(page.locator("#check-in")).to_be_enabled()


def outbox_items(page: Page) -> list[dict[str, Any]]:
    return page.evaluate(
        """async () => (await import("/static/tablet/outbox.js")).outboxList(
            JSON.parse(document.getElementById("tablet-config").textContent).userId)"""
    )


def outbox_size(page: Page) -> int:
    return page.evaluate(
        """() => new Promise((resolve, reject) => {
            const open = indexedDB.open("care-tablet");
            open.onsuccess = () => {
                const count = open.result.transaction("outbox").objectStore("outbox").count();
                count.onsuccess = () => resolve(count.result);
                count.onerror = () => reject(count.error);
            };
            open.onerror = () => reject(open.error);
        })"""
    )


def queue_visits(page: Page, recipient_id: int, count: int) -> None:
    """Puts visits straight into the outbox, as if saved offline (one a minute from
    2025-01-01), without going through the visit screen."""
    page.evaluate(
        """async ([recipient, count]) => {
            const outbox = await import("/static/tablet/outbox.js");
            const owner = JSON.parse(document.getElementById("tablet-config").textContent).userId;
            for (let i = 0; i < count; i++) {
                const started = new Date(Date.UTC(2025, 0, 1, 0, i)).toISOString();
                const client_uuid = outbox.newUuid();
                await outbox.saveDraftToOutbox("none", {
                    client_uuid, owner, saved_at: started,
                    payload: {client_uuid, recipient, started_at: started, ended_at: null,
                              service_types: ["meal"], notes: ""},
                });
            }
        }""",
        [recipient_id, count],
    )


def test_visits_recorded_offline_reach_the_server_once(
    context: Any, server_url: str, tablet_caregiver: Any, screenshot: Any
) -> None:
    recipient = tablet_caregiver.recipients[0]
    page = context.new_page()
    log_in(page, server_url, tablet_caregiver)
    expect(page.locator(".recipient")).to_have_count(3)
    # The worker has stored the pages, the visit screens of all three recipients included.
    expect(page.locator("html[data-offline-ready='1']")).to_have_count(1)
    screenshot(page, "home")

    page.click(f"[data-recipient-id='{recipient.pk}'] a.record")
    expect(page).to_have_url(f"{server_url}/tablet/visit/{recipient.pk}/")
    page.click("#check-in")
    page.click(".toggle[data-code='housework']")
    page.click(".toggle[data-code='meal']")
    page.fill("#notes", "식사 준비 후 설거지, 컨디션 양호")
    screenshot(page, "visit-landscape")
    page.click("#check-out")
    page.click("#save")
    # Back on today's list, which says the server's answer took the visit out of the outbox.
    expect(page).to_have_url(f"{server_url}/tablet/")
    expect(page.locator("#flash")).to_have_text(f"{recipient.name} 님 방문: 저장하고 전송했습니다.")
    expect(page.locator("#outbox-count")).to_have_attribute("data-count", "0")
    wait_until(lambda: Visit.objects.count() == 1)
    first = Visit.objects.get()
    assert first.recipient_id == recipient.pk
    assert first.corps_member.user_id == tablet_caregiver.pk
    assert sorted(first.service_types.values_list("code", flat=True)) == ["housework", "meal"]
    assert first.ended_at > first.started_at

    context.set_offline(True)
    expect(page.locator("#net-state")).to_have_attribute("data-online", "0")
    visit_url = f"{server_url}/tablet/visit/{recipient.pk}/"
    # Offline, the screens come from the worker's cache, the outbox from IndexedDB.
    page.goto(visit_url)
    record_visit(page, ["safety_check"], "오프라인 방문 1")
    page.goto(visit_url)
    record_visit(page, ["housework", "safety_check"], "오프라인 방문 2")
    expect(page.locator("#outbox-count")).to_have_attribute("data-count", "2")
    expect(page.locator("#outbox-count")).to_have_text("전송 대기 2건")

    page.goto(visit_url)
    expect(page.locator("#check-in")).to_be_enabled()
    expect(page.locator(".recipient-info")).to_contain_text(recipient.name)
    expect(page.locator("#outbox-count")).to_have_text("전송 대기 2건")
    assert outbox_size(page) == 2

    # Another assigned recipient's visit screen was stored by the home page, never opened.
    other = tablet_caregiver.recipients[1]
    page.goto(f"{server_url}/tablet/visit/{other.pk}/")
    expect(page.locator(".recipient-info")).to_contain_text(other.name)
    page.goto(f"{server_url}/tablet/visits/")
    expect(page.locator("#outbox-list [data-state='pending']")).to_have_count(2)
    expect(page.locator("#server-note")).to_contain_text("오프라인")
    screenshot(page, "offline-outbox")
    assert Visit.objects.count() == 1

    context.set_offline(False)  # the "online" event sends the outbox
    expect(page.locator("#outbox-count")).to_have_attribute("data-count", "0")
    wait_until(lambda: Visit.objects.count() == 3)
    wait_until(lambda: outbox_size(page) == 0)
    expect(page.locator("#server-list .visit-item")).to_have_count(3)
    expect(page.locator("#outbox-section")).to_be_hidden()
    screenshot(page, "visits")

    page.click("#sync-button")
    expect(page.locator("#sync-message")).to_contain_text("보낼 기록이 없습니다")
    assert Visit.objects.count() == 3
    visits = list(Visit.objects.order_by("started_at"))
    assert len({visit.client_uuid for visit in visits}) == 3
    assert [visit.notes for visit in visits] == [
        "식사 준비 후 설거지, 컨디션 양호",
        "오프라인 방문 1",
        "오프라인 방문 2",
    ]
    assert all(visit.ended_at > visit.started_at for visit in visits)


def test_an_expired_session_keeps_the_outbox_until_the_caregiver_logs_in_again(
    context: Any, server_url: str, tablet_caregiver: Any
) -> None:
    recipient = tablet_caregiver.recipients[1]
    page = context.new_page()
    log_in(page, server_url, tablet_caregiver)
    page.goto(f"{server_url}/tablet/visit/{recipient.pk}/")

    # The session ends elsewhere: logged out in another tab.
    other_tab = context.new_page()
    other_tab.goto(f"{server_url}/tablet/")
    # The page's logout guard first clears the stored pages, then submits: wait for it.
    with other_tab.expect_navigation(url=f"{server_url}/logout/"):
        other_tab.click("header.top form button[type=submit]")
    other_tab.close()

    context.set_offline(True)
    record_visit(page, ["safety_check"], "세션 만료 뒤 기록", back_to_list=None)
    expect(page.locator("#outbox-count")).to_have_text("전송 대기 1건")
    context.set_offline(False)

    relogin = page.locator("#relogin")
    expect(relogin).to_be_visible()
    expect(relogin).to_contain_text("다시 로그인하세요")
    expect(relogin.locator("a")).to_have_attribute("href", "/login/?next=/tablet/")
    expect(page.locator("#outbox-count")).to_have_text("전송 대기 1건")
    assert outbox_size(page) == 1
    assert Visit.objects.count() == 0

    relogin.locator("a").click()
    pass_login(page, server_url, tablet_caregiver.username, tablet_caregiver.password_plain)
    expect(page).to_have_url(f"{server_url}/tablet/")
    expect(page.locator("#outbox-count")).to_have_attribute("data-count", "0")
    wait_until(lambda: Visit.objects.count() == 1)
    assert Visit.objects.get().notes == "세션 만료 뒤 기록"
    # The outbox entry goes once the sync's answer is handled, a moment after the insert.
    wait_until(lambda: outbox_size(page) == 0)


def test_conflicts_and_errors_stay_with_their_messages_until_dismissed(
    context: Any, server_url: str, tablet_caregiver: Any, screenshot: Any
) -> None:
    kept, ending = tablet_caregiver.recipients[0], tablet_caregiver.recipients[2]
    page = context.new_page()
    log_in(page, server_url, tablet_caregiver)
    expect(page.locator("html[data-offline-ready='1']")).to_have_count(1)

    context.set_offline(True)
    page.goto(f"{server_url}/tablet/visit/{kept.pk}/")
    record_visit(page, ["housework"], "충돌할 기록")
    page.goto(f"{server_url}/tablet/visit/{ending.pk}/")
    record_visit(page, ["mobility"], "배정이 끝난 대상자")
    expect(page.locator("#outbox-count")).to_have_text("전송 대기 2건")

    # Meanwhile on the server: the same client_uuid was stored with other content (a conflict),
    # and the other recipient's assignment was ended (an error for that visit).
    queued = {item["payload"]["recipient"]: item["payload"] for item in outbox_items(page)}
    first = queued[kept.pk]
    visit_record(
        actor=tablet_caregiver,
        item=VisitInput(
            client_uuid=uuid.UUID(first["client_uuid"]),
            recipient_id=kept.pk,
            started_at=dt.datetime.fromisoformat(first["started_at"]),
            ended_at=dt.datetime.fromisoformat(first["ended_at"]),
            service_type_codes=("meal",),
            notes="서버에 먼저 저장된 다른 내용",
        ),
    )
    Assignment.objects.filter(recipient=ending).update(
        ends_on=timezone.localdate() - dt.timedelta(days=1)
    )

    page.goto(f"{server_url}/tablet/visits/")
    context.set_offline(False)
    expect(page.locator("#attention-count")).to_have_text("확인 필요 2건")
    expect(page.locator("#outbox-count")).to_have_text("전송 대기 0건")
    conflict = page.locator("#outbox-list [data-state='conflict']")
    error = page.locator("#outbox-list [data-state='error']")
    expect(conflict).to_contain_text("서버에 같은 기록 ID로 다른 내용이 이미 저장되어 있습니다")
    # The server's own message, under the field's Korean name.
    expect(error.locator(".errorlist li")).to_have_count(1)
    expect(error.locator(".errorlist li")).to_contain_text("대상자: ")
    screenshot(page, "attention")
    assert Visit.objects.count() == 1  # the server's own copy; nothing added, nothing doubled

    # They stay through reloads and syncs until the caregiver decides.
    page.reload()
    page.click("#sync-button")
    expect(page.locator("#outbox-list .visit-item")).to_have_count(2)
    page.once("dialog", lambda dialog: dialog.accept())
    conflict.locator("button.dismiss").click()
    expect(conflict).to_have_count(0)
    expect(page.locator("#attention-count")).to_have_text("확인 필요 1건")
    assert outbox_size(page) == 1
    assert Visit.objects.count() == 1


def test_a_large_outbox_is_sent_in_batches_of_at_most_100(
    context: Any, server_url: str, tablet_caregiver: Any
) -> None:
    page = context.new_page()
    log_in(page, server_url, tablet_caregiver)
    batches: list[list[str]] = []

    def answer(route: Any) -> None:
        visits = json.loads(route.request.post_data)["visits"]
        batches.append([visit["client_uuid"] for visit in visits])
        results = [
            {"index": i, "client_uuid": visit["client_uuid"], "status": "created"}
            for i, visit in enumerate(visits)
        ]
        route.fulfill(json={"results": results, "summary": {"created": len(results)}})

    page.route("**/api/v1/visits/sync/", answer)
    queue_visits(page, tablet_caregiver.recipients[0].pk, 250)
    page.click("#sync-button")
    expect(page.locator("#sync-message")).to_have_text("250건을 전송했습니다.")
    assert [len(batch) for batch in batches] == [100, 100, 50]
    assert len({key for batch in batches for key in batch}) == 250
    assert outbox_size(page) == 0


def test_a_mistaken_check_in_can_be_discarded(
    context: Any, server_url: str, tablet_caregiver: Any
) -> None:
    recipient = tablet_caregiver.recipients[0]
    page = context.new_page()
    log_in(page, server_url, tablet_caregiver)
    page.goto(f"{server_url}/tablet/visit/{recipient.pk}/")
    page.click("#check-in")
    page.reload()  # the check-in survives a reload
    expect(page.locator("#clock-state")).to_contain_text("체크인")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#discard")
    expect(page.locator("#check-in")).to_be_enabled()
    expect(page.locator("#discard")).to_be_hidden()
    page.reload()
    expect(page.locator("#clock-state")).to_have_text("아직 체크인하지 않았습니다.")
    assert outbox_size(page) == 0
