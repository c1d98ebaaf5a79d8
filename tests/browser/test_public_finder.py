"""The residents' finder in a real browser: axe-core finds no WCAG 2.1 A/AA violation of any
impact on any of its pages, on a phone and a PC; search works by keyboard alone and with
JavaScript switched off."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from consultations.models import WelfareResource
from tests.browser.conftest import axe_violations, broken_references
from tests.consultations.consultation_factories import OrganizationFactory
from tests.consultations.finder.factories import public_resource

pytestmark = [
    pytest.mark.browser,
    # The live server answers from its own thread, so the test data must be committed; the
    # serialized rollback restores the reference data (regions, tags) afterwards.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


@dataclass
class Directory:
    emergency: WelfareResource
    meals: WelfareResource


@pytest.fixture
def directory(db: None) -> Directory:
    """A small public directory: the province's emergency care, a 전주 meal service with an
    income limit, a paid childcare service, and an unpublished entry."""
    institute = OrganizationFactory(name="전북특별자치도사회서비스원", phone="063-251-0000")
    emergency = public_resource(
        name="긴급돌봄지원",
        organization=institute,
        category="care_emergency",
        summary="돌봐 주던 가족이 갑자기 아플 때 돌봄을 보내 드려요",
        description="긴급돌봄지원단이 방문해 가사·일상생활·이동을 지원합니다.",
        eligibility="주돌봄자의 갑작스러운 질병·부상으로 돌봄이 필요한 도민",
        how_to_apply="돌봄종합정보상담 전화 후 방문 조사",
        documents="없음",
        hours="평일 09:00~18:00",
        address="전북특별자치도 전주시 완산구 효자로 1",
        phone="063-251-0000",
        cost="free",
        fee="무료",
        regions=(),
        province_wide=True,
        target_groups=("elderly", "disabled"),
        tags=("carer_illness", "after_discharge"),
    )
    meals = public_resource(
        name="밑반찬·도시락 배달",
        category="living_meal",
        summary="혼자 식사를 챙기기 어려우면 반찬을 가져다 드려요",
        regions=("jeonju",),
        cost="free",
        min_age=65,
        tags=("living_alone", "basic_livelihood"),
    )
    public_resource(
        name="아동돌봄(다함께돌봄)",
        category="care_child",
        regions=("jeonju", "wanju"),
        cost="paid",
        max_age=12,
        target_groups=("child",),
        tags=("child_care",),
    )
    public_resource(name="숨긴 돌봄", is_published=False)
    return Directory(emergency=emergency, meals=meals)


def finder_pages(directory: Directory) -> dict[str, str]:
    help_answers = "region=jeonju&age_group=senior&situation=carer_illness&income=unknown"
    return {
        "home": "/find/",
        "results": f"/find/?q={quote('돌봄')}&region=jeonju",
        "results, word only": f"/find/?q={quote('도시락')}",
        "no results": f"/find/?q={quote('우주여행')}",
        "bad input": "/find/?age=-3",
        "resource": f"/find/resources/{directory.emergency.pk}/",
        "categories": "/find/categories/",
        "category": "/find/categories/care/",
        "help": "/find/help/",
        "help results": f"/find/help/?{help_answers}",
        "help nothing": "/find/help/?region=muju&situation=housing&income=none",
        "help errors": "/find/help/?region=",
    }


def all_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.0/2.1 A and AA violations of every impact, minor ones included."""
    return axe_violations(page)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_every_finder_page_has_no_accessibility_violation(
    context: Any, server_url: str, directory: Directory, viewport: dict[str, int]
) -> None:
    page = context.new_page()
    page.set_viewport_size(viewport)
    problems: dict[str, Any] = {}

    for name, path in finder_pages(directory).items():
        response = page.goto(f"{server_url}{path}")
        assert response is not None and response.status in (200, 400), (name, response)
        found = [*all_violations(page), *broken_references(page)]
        # Nothing wider than the screen: a phone reader never scrolls sideways.
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > viewport["width"]:
            found.append(f"page is {width}px wide")
        if found:
            problems[name] = found

    assert problems == {}


def test_a_resident_searches_and_opens_a_result_with_the_keyboard_alone(
    context: Any, server_url: str, directory: Directory
) -> None:
    page = context.new_page()
    page.set_viewport_size(PHONE)
    page.goto(f"{server_url}/find/")

    # From the top of the page: Tab reaches the search box after the skip link and the menu.
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "id_q":
            break
    assert page.evaluate("document.activeElement.id") == "id_q"
    page.keyboard.type("긴급돌봄")
    page.keyboard.press("Enter")
    page.wait_for_url("**/find/?q=*")
    expect(page.locator("#results-heading")).to_contain_text("1건")

    # The skip link to the results, then the first result.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("검색 결과 바로가기")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    first = page.locator("ol.results a").first
    expect(first).to_be_focused()
    page.keyboard.press("Enter")

    page.wait_for_url(f"**/find/resources/{directory.emergency.pk}/")
    expect(page.locator("h1")).to_have_text("긴급돌봄지원")
    expect(page.locator("a[href='tel:0632510000']").first).to_be_visible()


def test_the_search_and_the_questionnaire_work_without_javascript(
    browser: Any, server_url: str, directory: Directory
) -> None:
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, locale="ko-KR")
    try:
        page = context.new_page()
        page.goto(f"{server_url}/find/")
        page.fill("#id_q", "도시락")
        page.select_option("#id_region", "jeonju")
        page.click("form.search button[type=submit]")
        expect(page.locator("ol.results li")).to_have_count(1)
        page.click("ol.results a")
        expect(page.locator("h1")).to_have_text("밑반찬·도시락 배달")

        page.goto(f"{server_url}/find/help/")
        page.select_option("#id_region", "jeonju")
        page.check("input[value=carer_illness]")
        page.click("form.help button[type=submit]")
        expect(page.locator("ol.results h3").first).to_have_text("긴급돌봄지원")
        expect(page.locator(".why").first).to_contain_text("주 돌봄자의 갑작스런 질병·부상")
    finally:
        context.close()


def test_the_language_switch_works_without_javascript(
    browser: Any, server_url: str, directory: Directory
) -> None:
    context = browser.new_context(java_script_enabled=False, viewport=DESKTOP)
    try:
        page = context.new_page()
        page.goto(f"{server_url}/find/categories/")
        page.select_option("#site-language", "en")
        page.click("footer form button[type=submit]")
        page.wait_for_url("**/find/categories/")
        assert page.evaluate("document.documentElement.lang") == "en"
    finally:
        context.close()
