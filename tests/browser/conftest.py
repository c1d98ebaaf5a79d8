"""Fixtures of the browser tests: Debian's Chromium driven by Playwright, against pytest-django's
live server.

Playwright never downloads a browser here (CI may not fetch one): the tests use the Chromium of
the machine, `/usr/bin/chromium` or `CHROMIUM_PATH`. Without it they are skipped on a laptop and
fail in CI (env `CI` set), where a skipped browser test would hide a broken install step.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from tests.factories import (
    PASSWORD,
    AssignmentFactory,
    CorpsMemberFactory,
    RecipientFactory,
    UserFactory,
    region,
    service_type,
)

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# A 10-inch tablet held in landscape.
TABLET_LANDSCAPE = {"width": 1280, "height": 800}
TABLET_PORTRAIT = {"width": 800, "height": 1280}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# axe-core, vendored (version in vendor/README.md): the tests run without the network.
AXE_SCRIPT = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
# WCAG 2.0 and 2.1, levels A and AA: what the institute's accessibility rules ask for.
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
BLOCKING_IMPACTS = ("serious", "critical")
# What axe leaves to a person's review, but a page must never do: a label for nothing, a
# description or name pointing at an id that is not on the page, the same id twice.
BROKEN_REFERENCES_JS = """() => {
  const broken = [];
  for (const label of document.querySelectorAll("label[for]")) {
    const target = label.getAttribute("for");
    if (!target || !document.getElementById(target)) {
      broken.push(`label for="${target}" (${label.textContent.trim().slice(0, 40)})`);
    }
  }
  for (const attribute of ["aria-describedby", "aria-labelledby", "aria-controls", "list"]) {
    for (const element of document.querySelectorAll(`[${attribute}]`)) {
      for (const id of element.getAttribute(attribute).split(/\\s+/).filter(Boolean)) {
        if (!document.getElementById(id)) broken.push(`${attribute}="${id}" on #${element.id}`);
      }
    }
  }
  const seen = new Set();
  for (const element of document.querySelectorAll("[id]")) {
    if (seen.has(element.id)) broken.push(`id "${element.id}" twice`);
    seen.add(element.id);
  }
  return broken;
}"""


def chromium_path() -> str:
    return os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser(django_db_setup: None) -> Iterator[Any]:
    """One Chromium per test module.

    Playwright's sync API keeps an asyncio loop marked as running on the test's thread for as
    long as it is open, and Django then refuses ORM calls from that thread ("async context").
    They are plain sync calls here, so the check is lifted, but only while the browser is open:
    hence module scope (tests of other modules run without either), and the test database is
    created before (``django_db_setup``) rather than under the lifted check.
    """
    path = chromium_path()
    if not os.access(path, os.X_OK):
        message = f"Chromium not found at {path} (apt-get install chromium, or set CHROMIUM_PATH)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # With the loop running, Django's connection handler (a thread-critical asgiref Local)
    # hands this thread new connection objects, which lack the database snapshot that
    # `serialized_rollback` restores between tests: it is carried over by hand.
    snapshots = {
        alias: getattr(connections[alias], "_test_serialized_contents", None)
        for alias in connections
    }
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        # Without this, `context.set_offline(True)` cuts the pages off but not the service
        # worker, whose fetches still reach the server: the offline test would pass without
        # the worker's cache ever being used. Read by the Playwright driver at launch.
        patch.setenv("PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS", "1")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=path, headless=True, args=CHROMIUM_ARGS
            )
            for alias, snapshot in snapshots.items():
                if snapshot is not None:
                    connections[alias]._test_serialized_contents = snapshot
            yield browser
            # Those connections are not the ones the test database teardown closes; left
            # open, PostgreSQL would refuse to drop the test database.
            connections.close_all()
            browser.close()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    from playwright.sync_api import expect

    # The machine is shared with other test runs (2 cores): the 5 s default is too tight.
    expect.set_options(timeout=15_000)
    context = browser.new_context(
        viewport=TABLET_LANDSCAPE,
        locale="ko-KR",
        timezone_id="Asia/Seoul",
        service_workers="allow",
    )
    context.set_default_timeout(15_000)
    # Chromium reports every refusal under the Content-Security-Policy (config/security.py) on
    # the console: a page, the tablet's worker or the API docs needing more fails its test.
    violations: list[str] = []
    context.on(
        "console",
        lambda message: violations.append(message.text)
        if "Content Security Policy" in message.text
        else None,
    )
    yield context
    context.close()
    assert not violations, f"Content-Security-Policy violations: {violations}"


@pytest.fixture
def server_url(live_server: Any, settings: Any) -> str:
    """The live server as http://localhost:…: a secure context, so service workers run.

    pytest-django already serves on localhost unless DJANGO_LIVE_TEST_SERVER_ADDRESS says
    otherwise; an IP address is swapped for the name, which the server must then accept.
    """
    url = live_server.url.replace("127.0.0.1", "localhost")
    if "localhost" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    return url


@pytest.fixture
def tablet_caregiver(db: None) -> Any:
    """A caregiver with a login and three recipients assigned today, as in the field."""
    user = UserFactory(username="danwon1", roles=["caregiver"])
    member = CorpsMemberFactory(user=user, name="김영희")
    starts = timezone.localdate() - dt.timedelta(days=20)
    people = [
        ("김순례", "063-261-1234", "전북특별자치도 완주군 봉동읍 봉동로 12", "wanju", "봉동읍",
         "high", ["housework", "meal"]),
        ("박말순", "063-290-5678", "전북특별자치도 완주군 삼례읍 삼례로 45-3", "wanju", "삼례읍",
         "medium", ["safety_check"]),
        ("이복남", "063-222-9012", "전북특별자치도 전주시 완산구 효자로 101", "jeonju", "효자동",
         "low", ["mobility", "daily_living"]),
    ]  # fmt: skip
    recipients = []
    for name, phone, address, region_code, unit, risk, needs in people:
        recipient = RecipientFactory(
            name=name,
            phone=phone,
            address=address,
            region=region(region_code),
            admin_unit=unit,
            risk_level=risk,
            guardian_name="보호자",
            guardian_relation="자녀",
            guardian_phone="010-1234-5678",
        )
        recipient.needs.set([service_type(code) for code in needs])
        AssignmentFactory(recipient=recipient, corps_member=member, starts_on=starts)
        recipients.append(recipient)
    user.recipients = recipients
    user.password_plain = PASSWORD
    return user


@pytest.fixture
def screenshot() -> Any:
    """Saves a page as docs/screenshots/tablet-NAME.png when SAVE_SCREENSHOTS=1, else nothing:
    an ordinary test run must not rewrite the committed pictures."""

    def take(page: Any, name: str) -> None:
        if os.environ.get("SAVE_SCREENSHOTS") != "1":
            return
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"tablet-{name}.png"))

    return take


def pass_login(page: Any, server_url: str, username: str, password: str) -> None:
    """Fill the login form on the page as the user would, with the second factor their role
    asks for: a caregiver's browser is made an enrolled tablet first (its cookie), and the
    office roles type their authenticator's current code (a real TOTP computation)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from base.twofactor.services import needs_enrolled_device, needs_two_factor
    from tests.two_factor import authenticator_for, enrolled_credential, fresh_code

    user = get_user_model().objects.get(username=username)
    device = authenticator_for(user) if needs_two_factor(user) else None
    if needs_enrolled_device(user):
        page.context.add_cookies(
            [
                {
                    "name": settings.DEVICE_COOKIE_NAME,
                    "value": enrolled_credential(),
                    "url": server_url,
                    "httpOnly": True,
                }
            ]
        )
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    if device is not None:
        page.wait_for_url(f"{server_url}/login/code/")
        page.fill("#id_code", fresh_code(device))
        page.click("button[type=submit]")


def log_in(page: Any, server_url: str, user: Any, *, landing: str) -> None:
    """Logs in through the login page, asking for ``landing`` first, and waits until there."""
    page.goto(f"{server_url}{landing}")
    pass_login(page, server_url, user.username, PASSWORD)
    page.wait_for_url(f"{server_url}{landing}")


def axe_violations(
    page: Any, options: dict[str, Any] = AXE_OPTIONS, impacts: tuple[str, ...] | None = None
) -> list[dict[str, Any]]:
    """axe-core's violations of the page as it is now (``options``: WCAG 2.1 A/AA unless
    told), each as {id, impact, help, targets}; all impacts, or only ``impacts``. The public
    pages are held to every impact; the desks to ``BLOCKING_IMPACTS``."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    violations = page.evaluate("options => axe.run(document, options)", options)["violations"]
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "targets": [" ".join(node["target"]) for node in violation["nodes"][:5]],
        }
        for violation in violations
        if impacts is None or violation["impact"] in impacts
    ]


@pytest.fixture(scope="session")
def axe() -> Any:
    """``axe(page)``: the serious and critical WCAG 2.1 A/AA violations of the page."""
    return partial(axe_violations, impacts=BLOCKING_IMPACTS)


def broken_references(page: Any) -> list[str]:
    return page.evaluate(BROKEN_REFERENCES_JS)
