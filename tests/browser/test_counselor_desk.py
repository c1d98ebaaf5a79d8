"""The counselors' desk in a real browser, as a new counselor would use it: a phone
consultation, two fitting resources found by a Korean word and a region, one referred with the
person's consent, and the follow-up on the home page on its day."""

from __future__ import annotations

import os
import re
import time
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from consultations import services
from consultations.models import Consultation, Organization, Referral, WelfareResource
from tests.browser.conftest import SCREENSHOTS, pass_login
from tests.consultations.consultation_factories import category, target_group
from tests.factories import PASSWORD, RecipientFactory, UserFactory, region

pytestmark = [
    pytest.mark.browser,
    # The live server answers from its own thread, so the test data must be committed; the
    # serialized rollback restores the reference data (regions, roles) that a flush between
    # transactional tests would otherwise remove.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# The committed picture of the desk stays small enough to keep in the repository.
SCREENSHOT_MAX_BYTES = 150_000
DESKTOP = {"width": 1440, "height": 960}


def wait_until(condition: Any, timeout: float = 10.0) -> None:
    """Polls the database, which the browser writes to through the live server."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


def save_screenshot(page: Page, name: str) -> None:
    """docs/screenshots/NAME.png when SAVE_SCREENSHOTS=1: an ordinary run must not rewrite
    the committed pictures."""
    if os.environ.get("SAVE_SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    # The desk is used at a desktop first; the test itself runs at the tablet's size.
    size = page.viewport_size
    page.set_viewport_size(DESKTOP)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path))
    page.set_viewport_size(size)
    assert path.stat().st_size < SCREENSHOT_MAX_BYTES, f"{path} is too large to commit"


def open_form_after_login(page: Page, server_url: str, user: Any) -> None:
    page.goto(f"{server_url}/consultations/new/")
    expect(page).to_have_url(f"{server_url}/login/?next=/consultations/new/")
    pass_login(page, server_url, user.username, PASSWORD)
    expect(page).to_have_url(f"{server_url}/consultations/new/")
    # The page's script has run.
    expect(page.locator("html[data-desk-ready='1']")).to_have_count(1)


def directory() -> dict[str, WelfareResource]:
    """Resources as the directory holds them: two 돌봄 services reaching 장수군 (its own and a
    province-wide one), one in 전주시, and one in 장수군 that is not about 돌봄."""

    def organization(name: str, code: str | None) -> Organization:
        return services.organization_save(
            name=name,
            kind=Organization.Kind.WELFARE_CENTER,
            region=region(code) if code else None,
            phone="063-350-0000",
        )

    def resource(name: str, org: Organization, category_code: str, regions: list[str], **kw: Any):  # noqa: ANN202
        return services.resource_save(
            name=name,
            organization=org,
            category=category(category_code),
            eligibility=kw.pop("eligibility", "65세 이상 노인"),
            assured_date=timezone.localdate(),
            regions=[region(code) for code in regions],
            target_groups=[target_group("elderly")],
            **kw,
        )

    return {
        "jangsu": resource(
            "장수군 재가돌봄 방문서비스",
            organization("장수군노인복지관", "jangsu"),
            "care_home",
            ["jangsu"],
            phone="063-351-2000",
        ),
        "province": resource(
            "전북 긴급돌봄 지원",
            organization("전북특별자치도사회서비스원", None),
            "care_emergency",
            [],
            province_wide=True,
        ),
        "jeonju": resource(
            "전주시 아동돌봄 센터",
            organization("전주시아동센터", "jeonju"),
            "care_child",
            ["jeonju"],
        ),
        "meal": resource(
            "장수군 밑반찬 배달",
            organization("장수군자원봉사센터", "jangsu"),
            "living_meal",
            ["jangsu"],
            eligibility="혼자 사는 노인",
        ),
    }


def test_a_counselor_takes_a_call_refers_with_consent_and_sees_the_follow_up_today(
    context: Any, server_url: str
) -> None:
    resources = directory()
    counselor = UserFactory(username="sangdam1", roles=["counselor"])
    today = timezone.localdate().isoformat()
    page = context.new_page()

    # A new counselor opens the form and is asked to log in first.
    open_form_after_login(page, server_url, counselor)

    # The phone call: who, where, what about.
    page.check("input[name=channel][value=phone]")
    page.fill("#id_person_name", "홍길순")
    page.fill("#id_person_contact", "010-1234-5678")
    page.select_option("#id_region", label="장수군")
    care_topic = category("care").pk
    page.check(f"#id_topics input[value='{care_topic}']")
    page.fill("#id_summary", "어머니가 퇴원하셨는데 낮 동안 돌볼 사람이 없어 방문 돌봄을 찾음")

    # The resource search beside the form: a two-syllable Korean word and the county. The
    # panel took the county from the form already.
    expect(page.locator("#id_rs-region")).to_have_value("jangsu")
    page.fill("#id_rs-search", "돌봄")
    page.click("#resource-find")
    found = page.locator("#resource-results li.resource")
    expect(found).to_have_count(2)
    expect(found.nth(0)).to_contain_text("장수군 재가돌봄 방문서비스")
    expect(page.locator("#resource-results")).to_contain_text("전북 긴급돌봄 지원")
    expect(page.locator("#resource-results")).to_contain_text("도 전역")
    expect(page.locator("#resource-results")).not_to_contain_text("전주시 아동돌봄 센터")

    # One click puts the resource in the consultation's referral list.
    page.click(f"li[data-resource-id='{resources['jangsu'].pk}'] button.add-referral")
    expect(page.locator("#referral-list li")).to_have_count(1)
    expect(page.locator("#referral-list")).to_contain_text("장수군 재가돌봄 방문서비스")
    expect(page.locator("#referral-count")).to_have_text("1")
    expect(page.locator("#consent-needed")).to_be_visible()
    save_screenshot(page, "counselor-desk")

    # Saving without the person's consent is refused, and nothing is stored.
    page.click("#save")
    expect(page.locator("#field-share_consent .errorlist")).to_contain_text("제3자 제공 동의")
    assert Consultation.objects.count() == 0
    expect(page.locator("html[data-desk-ready='1']")).to_have_count(1)
    expect(page.locator("#referral-list li")).to_have_count(1)
    expect(page.locator("#id_person_name")).to_have_value("홍길순")

    # With consent asked and given, and a follow-up planned for today, it saves.
    page.check("#id_share_consent")
    expect(page.locator("#consent-needed")).to_be_hidden()
    page.check("input[name=outcome][value=follow_up]")
    page.fill("#id_follow_up_on", today)
    page.click("#save")
    expect(page).to_have_url(re.compile(rf"{re.escape(server_url)}/consultations/\d+/$"))
    expect(page.locator(".messages")).to_contain_text("상담을 저장했습니다 (의뢰 1건).")
    expect(page.locator("#referrals")).to_contain_text("장수군 재가돌봄 방문서비스")

    wait_until(lambda: Consultation.objects.count() == 1)
    consultation = Consultation.objects.get()
    assert consultation.counselor_id == counselor.pk
    assert consultation.channel == Consultation.Channel.PHONE
    assert consultation.region.code == "jangsu"
    assert consultation.share_consent_at is not None
    assert consultation.follow_up_on.isoformat() == today
    assert list(Referral.objects.values_list("consultation_id", "resource_id")) == [
        (consultation.pk, resources["jangsu"].pk)
    ]

    # On the due day the home page lists the follow-up.
    page.click("header.top nav a[href='/consultations/']")
    today_list = page.locator("#today")
    expect(today_list).to_contain_text("홍길순")
    expect(today_list.locator(f"tr[data-consultation-id='{consultation.pk}']")).to_have_count(1)


def test_a_registered_recipient_is_picked_and_an_anonymous_caller_is_referred_without_consent(
    context: Any, server_url: str
) -> None:
    resources = directory()
    counselor = UserFactory(username="sangdam2", roles=["counselor"])
    recipient = RecipientFactory(name="김순례", phone="063-261-1234")
    page = context.new_page()
    open_form_after_login(page, server_url, counselor)

    # A registered recipient calls: found by name, picked, and the form takes their county.
    page.check("input[name=person_kind][value=recipient]")
    expect(page.locator("#id_person_name")).to_be_hidden()
    page.fill("#recipient-q", "순례")
    page.press("#recipient-q", "Enter")
    expect(page.locator("#recipient-matches li")).to_have_count(1)
    page.click("#recipient-matches li button")
    expect(page.locator("#recipient-chosen")).to_contain_text("김순례")
    expect(page.locator("#id_region")).to_have_value("wanju")
    expect(page.locator("#id_rs-region")).to_have_value("wanju")
    page.check("input[name=channel][value=phone]")
    page.fill("#id_summary", "배정된 단원 방문 시간 문의")
    page.click("#save")
    expect(page).to_have_url(re.compile(rf"{re.escape(server_url)}/consultations/\d+/$"))
    expect(page.locator("#person")).to_contain_text("김순례")
    wait_until(lambda: Consultation.objects.filter(recipient=recipient).count() == 1)

    # An anonymous caller: nothing to consent to, and the referral is still made.
    page.goto(f"{server_url}/consultations/new/")
    expect(page.locator("html[data-desk-ready='1']")).to_have_count(1)
    page.check("input[name=person_kind][value=anonymous]")
    expect(page.locator(".consent")).to_be_hidden()
    page.check("input[name=channel][value=walk_in]")
    page.fill("#id_summary", "도내 긴급돌봄 신청 방법 문의")
    page.fill("#id_rs-search", "긴급돌봄")
    page.click("#resource-find")
    expect(page.locator("#resource-results li.resource")).to_have_count(1)
    page.click(f"li[data-resource-id='{resources['province'].pk}'] button.add-referral")
    expect(page.locator("#consent-needed")).to_be_hidden()
    page.click("#save")
    expect(page.locator(".messages")).to_contain_text("상담을 저장했습니다 (의뢰 1건).")
    anonymous = Consultation.objects.get(is_anonymous=True)
    assert anonymous.share_consent_at is None
    assert list(anonymous.referrals.values_list("resource_id", flat=True)) == [
        resources["province"].pk
    ]
