"""In the browser: a coordinator enrols a tablet with a one-time code; the caregiver logs in
there, logs out and in again, and the outbox is still there; another browser is refused. The
office roles' two-factor pages (enrolment with its QR code, the code step, recovery codes,
the password change, the tablets on the desk) pass axe."""

from __future__ import annotations

import re
from base64 import b32decode
from typing import Any

import pytest
from django.conf import settings
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from base.devices.models import EnrolledTablet
from base.devices.services import enrolment_code_create
from care.models import Visit
from tests.browser.conftest import broken_references
from tests.browser.test_tablet_offline import outbox_size, record_visit, wait_until
from tests.factories import PASSWORD, UserFactory
from tests.two_factor import authenticator_for, fresh_code

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def type_login(page: Page, username: str) -> None:
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def problems(page: Page, axe: Any) -> list[Any]:
    return [*axe(page), *broken_references(page)]


def test_an_enrolled_tablet_keeps_the_outbox_across_logout_and_login(
    context: Any, server_url: str, tablet_caregiver: Any, axe: Any
) -> None:
    coordinator = UserFactory(username="coord", roles=["coordinator"])
    code = enrolment_code_create(name="완주 1번", by=coordinator).display_code
    page = context.new_page()

    # The tablet opens the enrolment page and types the code from the desk.
    page.goto(f"{server_url}/tablet/enrol/")
    assert problems(page, axe) == []
    page.fill("#id_code", code)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("태블릿 등록 완료")
    cookie = next(c for c in context.cookies() if c["name"] == settings.DEVICE_COOKIE_NAME)
    assert cookie["httpOnly"]

    # The caregiver logs in there and records a visit offline: it waits in the outbox.
    page.goto(f"{server_url}/tablet/")
    type_login(page, tablet_caregiver.username)
    expect(page).to_have_url(f"{server_url}/tablet/")
    expect(page.locator("html[data-tablet-ready='1']")).to_have_count(1)
    page.goto(f"{server_url}/tablet/visit/{tablet_caregiver.recipients[0].pk}/")
    context.set_offline(True)
    record_visit(page, ["safety_check"], "등록된 태블릿에서 기록", back_to_list=None)
    assert outbox_size(page) == 1
    # Back online, the visit is held back (as if the connection dropped) until after logout.
    page.route("**/api/v1/visits/sync/", lambda route: route.abort())
    context.set_offline(False)
    page.goto(f"{server_url}/tablet/")
    assert outbox_size(page) == 1

    # Logging out (after the warning about unsent visits) keeps the outbox and the device.
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation(url=f"{server_url}/logout/"):
        page.click("header.top form button[type=submit]")
    assert [c["value"] for c in context.cookies() if c["name"] == settings.DEVICE_COOKIE_NAME] == [
        cookie["value"]
    ]
    assert Visit.objects.count() == 0

    # The same tablet logs in again: the visits waiting are sent.
    page.goto(f"{server_url}/tablet/")
    type_login(page, tablet_caregiver.username)
    expect(page).to_have_url(f"{server_url}/tablet/")
    page.unroute("**/api/v1/visits/sync/")
    page.click("#sync-button")
    wait_until(lambda: Visit.objects.count() == 1)
    assert Visit.objects.get().notes == "등록된 태블릿에서 기록"
    wait_until(lambda: outbox_size(page) == 0)
    assert EnrolledTablet.objects.get().last_seen is not None


def test_a_browser_that_is_not_an_enrolled_tablet_is_refused_in_korean(
    context: Any, server_url: str, tablet_caregiver: Any, axe: Any
) -> None:
    page = context.new_page()
    page.goto(f"{server_url}/tablet/")

    type_login(page, tablet_caregiver.username)

    expect(page.locator("[role=alert]")).to_contain_text("등록된 태블릿에서만 로그인할 수 있습니다")
    assert "/login/" in page.url
    assert problems(page, axe) == []


def test_a_coordinators_first_login_enrols_an_app_and_every_page_passes_axe(
    context: Any, server_url: str, axe: Any
) -> None:
    UserFactory(username="coord", roles=["coordinator"])
    page = context.new_page()
    page.goto(f"{server_url}/coordinator/")
    type_login(page, "coord")

    # Enrolment: the QR code as inline SVG and the key to type, confirmed by a real code.
    expect(page).to_have_url(f"{server_url}/login/enrol/")
    expect(page.locator("figure.qr svg")).to_have_count(1)
    assert problems(page, axe) == []
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    key = b32decode(secret + "=" * (-len(secret) % 8))
    page.fill("#id_code", f"{totp(key):06d}")
    page.click("button[type=submit]")

    # The recovery codes, once; then on to the desk asked for.
    expect(page).to_have_url(f"{server_url}/account/recovery-codes/")
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    assert problems(page, axe) == []
    page.click("text=적어 두었습니다. 계속")
    expect(page).to_have_url(f"{server_url}/coordinator/")

    # The tablets on the desk, with a new enrolment code.
    page.click("header.top nav >> text=태블릿 등록")
    page.fill("#id_name", "완주 2번")
    page.click("text=등록 코드 만들기")
    expect(page.locator("#enrolment-code strong")).to_have_text(re.compile(r"^\w{4}-\w{4}$"))
    assert problems(page, axe) == []

    # The password page, from the header.
    page.click("header.top >> text=비밀번호 변경")
    expect(page).to_have_url(f"{server_url}/account/password/")
    assert problems(page, axe) == []


def test_the_code_step_passes_axe_and_logs_in(context: Any, server_url: str, axe: Any) -> None:
    user = UserFactory(username="coun", roles=["counselor"])
    device = authenticator_for(user)
    page = context.new_page()
    page.goto(f"{server_url}/consultations/")
    type_login(page, "coun")

    expect(page).to_have_url(f"{server_url}/login/code/")
    assert problems(page, axe) == []
    page.fill("#id_code", "000000" if fresh_code(device) != "000000" else "111111")
    page.click("button[type=submit]")
    expect(page.locator("#id_code_error")).to_be_visible()
    assert problems(page, axe) == []
    page.wait_for_timeout(1100)  # django-otp makes the device wait a second after a failure
    page.fill("#id_code", fresh_code(device))
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{server_url}/consultations/")
