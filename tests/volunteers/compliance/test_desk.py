"""The desk's compliance pages: the warnings list, a member's page with the record form, the
dashboard card and the corps list's column, and the override reason on the assignment board
and the cover page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from base.models import AccessLog
from care.models import Assignment
from tests.care.schedule.helpers import entry, episode, occurrence
from tests.factories import CorpsMemberFactory, UserFactory, program, service_type
from tests.volunteers.compliance.factories import member_with, requirement, today
from volunteers.models import ComplianceRecord

pytestmark = pytest.mark.django_db

WARNINGS = "/coordinator/corps-members/compliance/"


def member_url(member: Any) -> str:
    return f"/coordinator/corps-members/{member.pk}/compliance/"


@pytest.fixture
def desk(db: None) -> Client:
    client = Client()
    client.force_login(UserFactory(username="desk-coordinator", roles=["coordinator"]))
    return client


def test_the_warnings_page_lists_members_to_renew(desk: Client) -> None:
    lapsed = member_with(lapsed=["criminal_record"], name="만료단원")
    member_with(name="유효단원")

    page = desk.get(WARNINGS).content.decode()

    assert f'id="compliance-member-{lapsed.pk}"' in page
    assert "성범죄·아동학대 범죄경력 조회" in page and "새 배정 불가" in page
    assert "유효단원" not in page


@pytest.mark.parametrize("path", [WARNINGS, "/coordinator/corps-members/{pk}/compliance/"])
def test_the_compliance_pages_are_closed_to_caregivers_and_strangers(
    caregiver: Any, path: str
) -> None:
    url = path.format(pk=caregiver.corps_member_record.pk)
    client = Client()
    client.force_login(caregiver)

    assert Client().get(url).status_code == 302
    assert client.get(url).status_code == 403


def test_a_members_page_shows_each_requirement_and_logs_the_read(desk: Client) -> None:
    member = member_with(missing=["insurance"])

    page = desk.get(member_url(member)).content.decode()

    assert 'id="requirement-insurance"' in page and "미이수" in page
    assert 'name="requirement"' in page
    assert AccessLog.objects.filter(subject_type="corps_member", subject_id=member.pk).exists()


def test_the_form_records_an_item(desk: Client) -> None:
    member = member_with(missing=["insurance"])
    insurance = requirement("insurance")

    response = desk.post(
        member_url(member),
        {"requirement": insurance.pk, "done_on": today().isoformat(), "evidence_note": "증권 1"},
    )

    assert response.status_code == 302
    record = ComplianceRecord.objects.get(corps_member=member, requirement=insurance)
    assert record.evidence_note == "증권 1" and record.recorded_by.username == "desk-coordinator"


def test_the_form_refuses_a_detail_beside_a_criminal_record_result(desk: Client) -> None:
    member = CorpsMemberFactory(compliant=False)
    check = requirement("criminal_record")

    response = desk.post(
        member_url(member),
        {
            "requirement": check.pk,
            "done_on": today().isoformat(),
            "result": "fail",
            "evidence_note": "죄명 기재",
        },
    )

    assert response.status_code == 200
    assert "error-summary" in response.content.decode()
    assert not ComplianceRecord.objects.filter(corps_member=member).exists()


def test_the_dashboard_and_the_corps_list_show_the_warnings(desk: Client) -> None:
    lapsed = member_with(lapsed=["health_check"], name="만료단원")

    dashboard = desk.get("/coordinator/").content.decode()
    corps = desk.get("/coordinator/corps-members/").content.decode()

    assert WARNINGS in dashboard and "단원 요건" in dashboard
    assert member_url(lapsed) in corps and "만료·미이수" in corps


def test_the_assignment_board_asks_a_reason_for_a_lapsed_member(desk: Client) -> None:
    running = episode()
    member = member_with(lapsed=["criminal_record"], name="만료단원")
    form = {"corps_member": member.pk, "program": program().pk, "starts_on": today().isoformat()}
    url = f"/coordinator/recipients/{running.recipient.pk}/assign/"

    refused = desk.post(url, form, follow=True).content.decode()
    desk.post(url, {**form, "compliance_override_reason": "회신 지연, 팀장 승인"})

    assert "성범죄·아동학대 범죄경력 조회" in refused
    assignment = Assignment.objects.get(corps_member=member)
    assert assignment.compliance_override.reason == "회신 지연, 팀장 승인"


def test_the_assignment_board_marks_a_lapsed_suggestion(desk: Client) -> None:
    running = episode()
    member = member_with(lapsed=["health_check"], name="만료단원")
    member.service_types.set([service_type("housework")])

    page = desk.get(f"/coordinator/recipients/{running.recipient.pk}/").content.decode()

    assert "단원 요건 미충족" in page and 'name="compliance_override_reason"' in page


def test_the_cover_page_takes_a_reason_for_a_lapsed_substitute(desk: Client) -> None:
    day = today() + dt.timedelta(days=2)
    regular = CorpsMemberFactory(user=UserFactory(roles=["caregiver"]))
    visit = occurrence(entry(episode(), regular, weekday=day.weekday()), day)
    substitute = member_with(missing=["privacy"], user=UserFactory(roles=["caregiver"]))
    substitute.service_types.set([service_type("housework")])
    form = {
        "corps_member": regular.pk,
        "day": day.isoformat(),
        f"substitute_{visit.pk}": substitute.pk,
        "reason": "병가",
    }

    refused = desk.post("/coordinator/schedule/cover/", form).content.decode()
    desk.post(
        "/coordinator/schedule/cover/", {**form, "compliance_override_reason": "대체 가능자 없음"}
    )

    assert "개인정보보호 교육" in refused
    visit.refresh_from_db()
    assert visit.corps_member == substitute
    assert visit.compliance_override.reason == "대체 가능자 없음"


def test_admin_asks_a_reason_for_a_lapsed_member_and_records_it() -> None:
    admin_client = Client()
    admin_client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    running = episode()
    member = member_with(lapsed=["criminal_record"])
    form = {
        "recipient": running.recipient.pk,
        "corps_member": member.pk,
        "program": program().pk,
        "starts_on": today().isoformat(),
        "ends_on": "",
    }

    refused = admin_client.post("/admin/care/assignment/add/", form)
    admin_client.post(
        "/admin/care/assignment/add/", {**form, "compliance_override_reason": "관리자 승인"}
    )

    assert (
        refused.status_code == 200 and "성범죄·아동학대 범죄경력 조회" in refused.content.decode()
    )
    assert Assignment.objects.get(corps_member=member).compliance_override.reason == "관리자 승인"
