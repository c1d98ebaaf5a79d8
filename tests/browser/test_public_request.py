"""The residents' request form in Chromium: axe-core finds no violation at all (of any
impact) on the form, the form with errors and the answer page, on a phone and a desktop; the
form can be completed with the keyboard alone; the honeypot is never reached by Tab."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from consultations.callbacks.models import CallbackRequest
from tests.browser.conftest import AXE_OPTIONS, axe_violations, broken_references

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

FORM = "/find/request/"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
# WCAG 2.0/2.1 A and AA (what the institute's rules ask for) and axe's best practices too.
ALL_RULES = {
    "runOnly": {"type": "tag", "values": [*AXE_OPTIONS["runOnly"]["values"], "best-practice"]}
}
VIEWPORTS = [pytest.param(PHONE, id="phone"), pytest.param(DESKTOP, id="desktop")]


def violations(page: Any) -> list[dict[str, Any]]:
    """Every axe-core violation (WCAG 2.1 A/AA and best practices), whatever its impact, and
    every broken label or ARIA reference."""
    return axe_violations(page, ALL_RULES) + [{"broken": ref} for ref in broken_references(page)]


def focused_id(page: Any) -> str:
    return page.evaluate(
        "document.activeElement && (document.activeElement.id || document.activeElement.tagName)"
    )


def tab_to(page: Any, element_id: str, limit: int = 30) -> list[str]:
    """Press Tab until ``element_id`` has the focus; the ids passed on the way."""
    seen = []
    for _press in range(limit):
        page.keyboard.press("Tab")
        seen.append(focused_id(page))
        if seen[-1] == element_id:
            return seen
    raise AssertionError(f"Tab never reached #{element_id}: {seen}")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_form_its_errors_and_the_answer_page_have_no_accessibility_violation(
    context: Any, server_url: str, viewport: dict[str, int]
) -> None:
    page = context.new_page()
    page.set_viewport_size(viewport)

    page.goto(f"{server_url}{FORM}")
    assert violations(page) == [], "form"

    page.click("#request-submit")
    expect(page.locator("#error-summary")).to_be_visible()
    assert violations(page) == [], "form with errors"

    page.fill("#id_name", "김순자")
    page.fill("#id_phone", "010-1234-5678")
    page.select_option("#id_region", "jeonju")
    page.check("#id_consent")
    page.click("#request-submit")
    expect(page.locator("#request-number")).to_be_visible()
    assert violations(page) == [], "answer page"
    # nothing wider than the screen on a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


def test_a_resident_completes_the_form_with_the_keyboard_alone(
    context: Any, server_url: str
) -> None:
    page = context.new_page()
    page.set_viewport_size(PHONE)
    page.goto(f"{server_url}{FORM}")

    tab_to(page, "id_name")
    page.keyboard.type("김순자")
    assert tab_to(page, "id_phone", limit=1)
    page.keyboard.type("010 1234 5678")
    assert tab_to(page, "id_region", limit=1)
    page.keyboard.press("ArrowDown")
    assert page.eval_on_selector("#id_region", "el => el.value") != ""
    # the radio group is one stop; its checked choice has the focus, arrows change it
    page.keyboard.press("Tab")
    assert focused_id(page).startswith("id_preferred_time_")
    page.keyboard.press("ArrowUp")
    assert tab_to(page, "id_topic", limit=1)
    page.keyboard.press("ArrowDown")
    assert tab_to(page, "id_text", limit=1)
    page.keyboard.type("아버지가 갑자기 입원하셨어요.")
    # straight from the text to the consent box: the honeypot is not in the way
    assert tab_to(page, "id_consent", limit=1)
    page.keyboard.press("Space")
    assert page.is_checked("#id_consent")
    assert tab_to(page, "request-submit", limit=1)
    page.keyboard.press("Enter")

    expect(page.locator("#request-number")).to_be_visible()
    stored = CallbackRequest.objects.get()
    assert page.inner_text("#request-number") == stored.number
    assert stored.phone == "010-1234-5678"
    assert stored.name == "김순자"
    assert stored.text == "아버지가 갑자기 입원하셨어요."


def test_the_honeypot_is_never_reached_by_the_keyboard(context: Any, server_url: str) -> None:
    page = context.new_page()
    page.goto(f"{server_url}{FORM}")

    reached = [focused_id(page)]
    for _press in range(60):
        page.keyboard.press("Tab")
        reached.append(focused_id(page))

    assert "id_homepage" not in reached
    assert "id_consent" in reached and "request-submit" in reached
    box = page.locator("#id_homepage").bounding_box()
    assert box is None or box["x"] + box["width"] <= 0
