"""The tablet lets go of what it stores of people (issue 10, item 13): at logout, and after
TABLET_IDLE_CLEAR_MINUTES left alone, the service worker's stored pages and API answers and
the storage marks are gone, while unsent visits stay in the IndexedDB outbox and reach the
server after the next login."""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from care.models import Visit
from tests.browser.test_tablet_offline import log_in, outbox_items

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CACHES_JS = """async () => {
    const found = {};
    for (const name of await caches.keys()) {
        found[name] = (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname);
    }
    return found;
}"""
STORES_JS = """() => new Promise((resolve, reject) => {
    const open = indexedDB.open("care-tablet");
    open.onsuccess = () => {
        const db = open.result;
        const names = Array.from(db.objectStoreNames);
        const tx = db.transaction(names);
        const counts = {};
        for (const name of names) {
            const count = tx.objectStore(name).count();
            count.onsuccess = () => { counts[name] = count.result; };
        }
        tx.oncomplete = () => resolve(counts);
        tx.onerror = () => reject(tx.error);
    };
    open.onerror = () => reject(open.error);
})"""
STORAGE_KEYS_JS = """() => [...Object.keys(localStorage), ...Object.keys(sessionStorage)]
    .filter((key) => key.startsWith("care-tablet-"))"""


def personal_caches(page: Page) -> dict[str, list[str]]:
    """The caches other than the static files' (which hold no person)."""
    return {
        name: paths
        for name, paths in page.evaluate(CACHES_JS).items()
        if not name.startswith("tablet-static-")
    }


def ready_offline_with_an_unsent_visit(page: Page, server_url: str, caregiver: Any) -> int:
    """Logged in, the pages stored for offline use, and one visit the server has not got
    (its sync is cut off, as on a road without signal)."""
    log_in(page, server_url, caregiver)
    expect(page.locator("html[data-offline-ready='1']")).to_have_count(1)
    page.route("**/api/v1/visits/sync/", lambda route: route.abort())
    recipient = caregiver.recipients[0]
    started = timezone.now() - dt.timedelta(hours=1)
    page.evaluate(
        """async ([recipient, started, ended]) => {
            const outbox = await import("/static/tablet/outbox.js");
            const owner = JSON.parse(document.getElementById("tablet-config").textContent).userId;
            const client_uuid = outbox.newUuid();
            await outbox.outboxAdd({
                client_uuid, owner, saved_at: ended, recipient_name: "김순례",
                payload: {client_uuid, recipient, started_at: started, ended_at: ended,
                          service_types: ["meal"], notes: "연결이 끊긴 곳에서 기록"},
            });
        }""",
        [recipient.pk, started.isoformat(), (started + dt.timedelta(minutes=40)).isoformat()],
    )
    stored = personal_caches(page)
    assert any(f"/tablet/visit/{recipient.pk}/" in paths for paths in stored.values()), stored
    assert page.evaluate(STORAGE_KEYS_JS)
    return recipient.pk


def assert_only_the_outbox_is_left(page: Page) -> None:
    assert personal_caches(page) == {}
    assert page.evaluate(STORAGE_KEYS_JS) == []
    stores = page.evaluate(STORES_JS)
    assert stores["outbox"] == 1
    # No other store of the tablet's database holds anything but unsent work.
    assert {name for name, count in stores.items() if count} <= {"outbox", "drafts"}


def test_logging_out_warns_of_unsent_visits_keeps_them_and_drops_the_stored_pages(
    context: Any, server_url: str, tablet_caregiver: Any
) -> None:
    page = context.new_page()
    ready_offline_with_an_unsent_visit(page, server_url, tablet_caregiver)
    warnings: list[str] = []

    def accept(dialog: Any) -> None:
        warnings.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    with page.expect_navigation(url=f"{server_url}/logout/"):
        page.click("header.top form button[type=submit]")

    assert len(warnings) == 1 and "전송 대기 1건" in warnings[0]
    assert_only_the_outbox_is_left(page)
    assert Visit.objects.count() == 0


def test_a_tablet_left_alone_clears_itself_and_returns_to_the_login(
    context: Any, server_url: str, tablet_caregiver: Any
) -> None:
    context.clock.install()
    page = context.new_page()
    ready_offline_with_an_unsent_visit(page, server_url, tablet_caregiver)

    page.clock.fast_forward("31:00")

    expect(page).to_have_url(f"{server_url}/logout/")
    assert_only_the_outbox_is_left(page)
    assert Visit.objects.count() == 0

    # The caregiver logs in again: the visit kept through all this reaches the server.
    page.unroute("**/api/v1/visits/sync/")
    log_in(page, server_url, tablet_caregiver)
    deadline = time.monotonic() + 15
    while Visit.objects.count() != 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert Visit.objects.count() == 1, outbox_items(page)


def test_a_touch_starts_the_idle_time_again(
    context: Any, server_url: str, tablet_caregiver: Any
) -> None:
    context.clock.install()
    page = context.new_page()
    log_in(page, server_url, tablet_caregiver)
    expect(page.locator("html[data-offline-ready='1']")).to_have_count(1)

    page.clock.fast_forward("20:00")
    page.keyboard.press("Shift")
    page.clock.fast_forward("20:00")

    expect(page).to_have_url(f"{server_url}/tablet/")
    assert personal_caches(page)
    assert page.locator("html[data-idle-cleared]").count() == 0


def test_the_idle_time_is_the_setting_and_an_offline_tablet_clears_too(
    context: Any, server_url: str, tablet_caregiver: Any, settings: Any
) -> None:
    settings.TABLET_IDLE_CLEAR_MINUTES = 5
    context.clock.install()
    page = context.new_page()
    ready_offline_with_an_unsent_visit(page, server_url, tablet_caregiver)
    context.set_offline(True)

    page.clock.fast_forward("04:00")
    assert page.locator("html[data-idle-cleared]").count() == 0
    page.clock.fast_forward("01:30")

    # Offline, the tablet leaves for the login address: no page of anyone is left on screen.
    expect(page).not_to_have_url(re.compile(r"/tablet/$"))
    context.set_offline(False)
    page.goto(f"{server_url}/login/")
    assert_only_the_outbox_is_left(page)
