"""Issue 9's "done when", as the people involved would do it, in Chromium on a phone:

- a resident with no account finds help for a sudden illness of her mother's carer in 전주
  in under a minute, and asks for a call back;
- the counselor sees the request, calls, records the consultation, and 4-2's
  돌봄종합정보상담 count moves by one;
- a provider corrects its phone number from the link, and staff accept it;
- an HSDS tool reading /hsds/services gets valid HSDS 3.0.
"""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from consultations.callbacks.models import CallbackRequest
from consultations.freshness.models import ProposedChange
from consultations.freshness.services import invitation_token
from consultations.models import Organization, WelfareResource
from consultations.services import resource_save
from kpi import rollups
from kpi.goals import goals_load
from kpi.models import Measurement
from tests.browser.conftest import log_in
from tests.consultations.freshness.factories import invitation_for
from tests.consultations.hsds.schemas import errors
from tests.factories import UserFactory, region

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
METRIC = "care_info_consultations"


def care_info_count() -> int:
    now = timezone.localtime()
    rollups.rollup_month(year=now.year, month=now.month)
    row = Measurement.objects.get(
        year=now.year,
        month=now.month,
        source=Measurement.Source.AUTO,
        unit_program__metric=METRIC,
    )
    return int(row.value or 0)


@pytest.fixture
def directory() -> WelfareResource:
    """A small directory: the emergency care the resident needs, and two that do not fit."""
    from consultations.models import EligibilityTag, ResourceCategory

    institute = Organization.objects.create(name="전북특별자치도사회서비스원", kind="public")
    care = ResourceCategory.objects.get(code="care_emergency")
    emergency = resource_save(
        name="긴급돌봄 지원",
        organization=institute,
        category=care,
        summary="주 돌봄자가 갑자기 아프거나 다쳤을 때 집으로 찾아가 돌봐 드려요",
        description="가사, 식사, 외출 동행을 짧은 기간 도와드립니다.",
        eligibility="돌봄이 필요한데 돌봐 줄 사람이 갑자기 없어진 도민",
        how_to_apply="전화로 신청하면 담당자가 연락드립니다.",
        phone="063-111-2222",
        province_wide=True,
        regions=[],
        eligibility_tags=[EligibilityTag.objects.get(code="carer_illness")],
    )
    other = Organization.objects.create(name="무주군노인복지관", kind="welfare_center")
    resource_save(
        name="노인 여가 교실",
        organization=other,
        category=ResourceCategory.objects.exclude(pk=care.pk).first(),
        summary="어르신 여가 프로그램",
        regions=[region("muju")],
    )
    return emergency


def test_a_resident_finds_help_asks_for_a_call_and_the_count_moves(
    context: Any, server_url: str, directory: WelfareResource
) -> None:
    goals_load()
    before = care_info_count()

    # a resident on her phone, no account: the questionnaire, in under a minute
    resident = context.new_page()
    resident.set_viewport_size(PHONE)
    started = time.monotonic()
    resident.goto(f"{server_url}/find/")
    resident.click("text=어떤 도움을 받을 수 있나요?")
    resident.select_option("#id_region", "jeonju")
    resident.check("input[name=situation][value=carer_illness]")
    resident.click("text=맞는 도움 보기")
    first = resident.locator("#results .result").first
    expect(first).to_contain_text("긴급돌봄 지원")
    expect(first.locator(".why")).to_contain_text("주 돌봄자")
    first.locator("h3 a").click()
    expect(resident.locator("h1")).to_contain_text("긴급돌봄 지원")
    expect(resident.locator('a[href="tel:0631112222"]').first).to_be_visible()
    resident.click("text=전화 상담 신청하기")
    resident.fill("#id_name", "딸 김민지")
    resident.fill("#id_phone", "010-2345-6789")
    resident.select_option("#id_region", "jeonju")
    resident.check("#id_consent")
    resident.click("#request-submit")
    number = resident.locator("#request-number").inner_text().strip()
    took = time.monotonic() - started
    assert took < 60, f"the resident needed {took:.0f} s"
    request = CallbackRequest.objects.get(number=number)
    assert (request.region.code, request.phone) == ("jeonju", "010-2345-6789")

    # the counselor sees it, calls, and records the consultation from the prefilled form
    counselor = UserFactory(username="sangdam1", roles=["counselor"])
    desk = context.new_page()
    desk.set_viewport_size(DESKTOP)
    log_in(desk, server_url, counselor, landing="/consultations/requests/")
    desk.click(f"text={number}")
    desk.click("#request-take")
    expect(desk.locator("#id_person_contact")).to_have_value("010-2345-6789")
    desk.check("input[name=outcome][value=informed]")
    desk.click("#save")
    desk.wait_for_load_state()
    request.refresh_from_db()
    assert request.state == CallbackRequest.State.CALLED_BACK
    assert request.consultation is not None

    # and 4-2's 돌봄종합정보상담 moves by one
    assert care_info_count() == before + 1


def test_a_provider_corrects_its_phone_and_staff_accept_it(context: Any, server_url: str) -> None:
    invitation = invitation_for()
    provider = context.new_page()
    provider.set_viewport_size(PHONE)
    provider.goto(f"{server_url}/provider/review/{invitation_token(invitation)}/")
    provider.fill("#id_phone", "063-999-8888")
    provider.click("#correct-button")
    expect(provider.locator("#thanks")).to_be_visible()

    desk = context.new_page()
    log_in(
        desk,
        server_url,
        UserFactory(username="sangdam2", roles=["counselor"]),
        landing="/consultations/directory/changes/",
    )
    desk.click("#change-queue tr.change a")
    desk.click("#accept-button")
    expect(desk.locator(".messages")).to_be_visible()

    assert WelfareResource.objects.get(pk=invitation.resource_id).phone == "063-999-8888"
    assert ProposedChange.objects.get().state == ProposedChange.State.ACCEPTED


def test_an_hsds_tool_reading_the_services_gets_valid_hsds(
    server_url: str, directory: WelfareResource
) -> None:
    with urllib.request.urlopen(f"{server_url}/hsds/services?full=true") as response:
        page = json.loads(response.read())

    assert page["total_items"] == 2
    for service in page["contents"]:
        assert errors("service.json", service, service["name"]) == []
