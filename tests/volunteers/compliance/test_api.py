"""/api/v1/volunteers/{id}/compliance/, /api/v1/compliance-requirements/, and the compliance
rule where the API writes assignments, care plans and substitutions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from base.models import AccessLog
from tests.care.schedule.helpers import entry, episode, occurrence
from tests.factories import CorpsMemberFactory, UserFactory, program, service_type
from tests.volunteers.compliance.factories import (
    ComplianceRecordFactory,
    member_with,
    requirement,
    today,
)
from volunteers.models import ComplianceRecord, ComplianceRequirement

pytestmark = pytest.mark.django_db

REQUIREMENTS = "/api/v1/compliance-requirements/"


def compliance_url(member: Any) -> str:
    return f"/api/v1/volunteers/{member.pk}/compliance/"


def record_payload(**overrides: Any) -> dict[str, Any]:
    payload = {"requirement": "health_check", "done_on": today().isoformat()}
    payload.update(overrides)
    return payload


# --- reading a member's compliance -----------------------------------------------------------


def test_a_coordinator_reads_a_members_standing_per_requirement(
    coordinator_api: APIClient,
) -> None:
    member = member_with(lapsed=["criminal_record"], missing=["insurance"])

    response = coordinator_api.get(compliance_url(member))

    assert response.status_code == 200
    body = response.json()
    by_code = {item["requirement"]: item for item in body["items"]}
    assert body["blocked"] is True
    assert by_code["criminal_record"]["status"] == "lapsed"
    assert by_code["criminal_record"]["result"] == "pass"
    assert by_code["insurance"]["status"] == "missing" and by_code["insurance"]["done_on"] is None
    assert by_code["health_check"]["status"] == "ok"


def test_a_read_of_a_members_compliance_is_in_the_access_log(
    coordinator_api: APIClient,
) -> None:
    member = CorpsMemberFactory()

    coordinator_api.get(compliance_url(member))

    log = AccessLog.objects.get(subject_type="corps_member")
    assert log.subject_id == member.pk and log.action == AccessLog.Action.VIEW


def test_a_caregiver_reads_their_own_compliance(caregiver: Any, caregiver_api: APIClient) -> None:
    response = caregiver_api.get(compliance_url(caregiver.corps_member_record))

    assert response.status_code == 200
    assert response.json()["corps_member"] == caregiver.corps_member_record.pk


def test_a_caregiver_cannot_read_another_members_compliance(
    caregiver_api: APIClient, other_caregiver: Any
) -> None:
    response = caregiver_api.get(compliance_url(other_caregiver.corps_member_record))

    assert response.status_code == 404


def test_a_caregiver_cannot_record_an_item(caregiver: Any, caregiver_api: APIClient) -> None:
    response = caregiver_api.post(
        compliance_url(caregiver.corps_member_record), record_payload(), format="json"
    )

    assert response.status_code == 403
    assert (
        not ComplianceRecord.objects.filter(corps_member=caregiver.corps_member_record)
        .exclude(done_on=dt.date(2020, 1, 2))
        .exists()
    )


@pytest.mark.parametrize("client_fixture", ["manager_api", "counselor_api"])
def test_managers_and_counselors_read_no_ones_compliance(
    request: pytest.FixtureRequest, client_fixture: str
) -> None:
    client = request.getfixturevalue(client_fixture)

    response = client.get(compliance_url(CorpsMemberFactory()))

    assert response.status_code == 403


def test_compliance_needs_a_login(api: APIClient) -> None:
    member = CorpsMemberFactory()

    assert api.get(compliance_url(member)).status_code == 401
    assert api.post(compliance_url(member), record_payload(), format="json").status_code == 401


def test_an_unknown_member_is_a_404(coordinator_api: APIClient) -> None:
    assert coordinator_api.get("/api/v1/volunteers/999999/compliance/").status_code == 404


def test_reading_a_members_compliance_costs_the_same_however_long_their_history(
    coordinator_api: APIClient,
) -> None:
    short = CorpsMemberFactory(compliant=False)
    ComplianceRecordFactory(corps_member=short)
    long = CorpsMemberFactory(compliant=False)
    for years in range(8):
        for code in ("health_check", "insurance", "privacy"):
            ComplianceRecordFactory(
                corps_member=long,
                requirement=requirement(code),
                done_on=today() - dt.timedelta(days=365 * years + 3),
            )

    def queries(member: Any) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert coordinator_api.get(compliance_url(member)).status_code == 200
        return len(captured)

    assert queries(short) == queries(long)


# --- recording an item -----------------------------------------------------------------------


def test_a_coordinator_records_an_item_and_gets_the_new_standing(
    coordinator_api: APIClient,
) -> None:
    member = member_with(lapsed=["health_check"])

    response = coordinator_api.post(compliance_url(member), record_payload(), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["blocked"] is False
    record = ComplianceRecord.objects.get(corps_member=member, done_on=today())
    assert record.recorded_by.username == "coordinator1"
    assert record.expires_on == record.requirement.expiry_for(today())


def test_a_criminal_record_check_is_recorded_as_fail_and_blocks(
    coordinator_api: APIClient,
) -> None:
    member = CorpsMemberFactory()

    response = coordinator_api.post(
        compliance_url(member),
        record_payload(requirement="criminal_record", result="fail"),
        format="json",
    )

    assert response.status_code == 201
    by_code = {item["requirement"]: item for item in response.json()["items"]}
    assert by_code["criminal_record"]["status"] == "failed"
    assert by_code["criminal_record"]["evidence_note"] == ""
    assert response.json()["blocked"] is True


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"requirement": "nonsense"}, "requirement"),
        ({"done_on": "어제"}, "done_on"),
        ({"done_on": (today() + dt.timedelta(days=3)).isoformat()}, "done_on"),
        ({"result": "pass"}, "result"),
        ({"requirement": "criminal_record"}, "result"),
        ({"requirement": "criminal_record", "result": "maybe"}, "result"),
        (
            {"requirement": "criminal_record", "result": "fail", "evidence_note": "죄명"},
            "evidence_note",
        ),
        ({"evidence_note": "800101-1234567"}, "evidence_note"),
        ({"expires_on": (today() - dt.timedelta(days=1)).isoformat()}, "expires_on"),
    ],
)
def test_a_bad_item_is_a_400_naming_the_field_and_writes_nothing(
    coordinator_api: APIClient, overrides: dict[str, Any], field: str
) -> None:
    member = CorpsMemberFactory(compliant=False)

    response = coordinator_api.post(
        compliance_url(member), record_payload(**overrides), format="json"
    )

    assert response.status_code == 400
    assert field in response.json()
    assert not ComplianceRecord.objects.filter(corps_member=member).exists()


# --- the requirements --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "client_fixture", ["coordinator_api", "caregiver_api", "manager_api", "counselor_api"]
)
def test_every_staff_role_reads_the_requirements(
    request: pytest.FixtureRequest, client_fixture: str
) -> None:
    client = request.getfixturevalue(client_fixture)

    response = client.get(REQUIREMENTS)

    assert response.status_code == 200
    by_code = {row["code"]: row for row in response.json()}
    assert by_code["criminal_record"]["applies_to"] == ["elderly", "child", "disabled"]
    assert by_code["mandatory_reporter"]["required"] is True
    assert {"privacy", "elder_abuse_prevention", "health_check", "insurance"} <= set(by_code)


def test_the_requirements_need_a_login_and_cannot_be_written(
    api: APIClient, coordinator_api: APIClient
) -> None:
    assert api.get(REQUIREMENTS).status_code == 401
    written = coordinator_api.post(REQUIREMENTS, {"code": "x", "name": "x"}, format="json")
    assert written.status_code in (403, 405)
    assert not ComplianceRequirement.objects.filter(code="x").exists()
    assert coordinator_api.get(f"{REQUIREMENTS}nonsense/").status_code == 404


def test_the_requirements_list_costs_the_same_however_long(coordinator_api: APIClient) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert coordinator_api.get(REQUIREMENTS).status_code == 200
        return len(captured)

    queries()  # the first request also reads the user's permissions
    before = queries()
    for number in range(10):
        ComplianceRequirement.objects.create(
            code=f"extra-{number}", name=f"추가 교육 {number}", kind="training"
        )

    assert queries() == before


# --- the rule where the API writes work -------------------------------------------------------


def assignment_payload(member: Any, **overrides: Any) -> dict[str, Any]:
    payload = {
        "recipient": episode().recipient.pk,
        "corps_member": member.pk,
        "program": program().code,
        "starts_on": today().isoformat(),
    }
    payload.update(overrides)
    return payload


def test_the_api_refuses_an_assignment_to_a_member_with_an_expired_check(
    coordinator_api: APIClient,
) -> None:
    member = member_with(lapsed=["criminal_record"], missing=["insurance"])

    response = coordinator_api.post(
        "/api/v1/assignments/", assignment_payload(member), format="json"
    )

    assert response.status_code == 400
    messages = " ".join(response.json()["corps_member"])
    assert "성범죄·아동학대 범죄경력 조회: 만료" in messages
    assert "상해·배상책임보험: 미이수" in messages
    assert not member.assignments.exists()


def test_the_api_records_the_override_reason_on_the_assignment(
    coordinator: Any, coordinator_api: APIClient
) -> None:
    member = member_with(lapsed=["criminal_record"])

    response = coordinator_api.post(
        "/api/v1/assignments/",
        assignment_payload(member, compliance_override_reason="조회 회신 지연, 관리자 승인"),
        format="json",
    )

    assert response.status_code == 201, response.content
    override = response.json()["compliance_override"]
    assert override["reason"] == "조회 회신 지연, 관리자 승인"
    assert override["granted_by"] == coordinator.username
    assert override["action"] == "assignment" and override["granted_at"]
    assert "compliance_override_reason" not in response.json()


def test_an_override_reason_with_a_resident_registration_number_is_a_400(
    coordinator_api: APIClient,
) -> None:
    member = member_with(lapsed=["criminal_record"])

    response = coordinator_api.post(
        "/api/v1/assignments/",
        assignment_payload(member, compliance_override_reason="800101-1234567 확인"),
        format="json",
    )

    assert response.status_code == 400
    assert "compliance_override_reason" in response.json()
    assert not member.assignments.exists()


def test_the_api_refuses_a_plan_entry_for_a_lapsed_member_and_takes_a_reason(
    coordinator_api: APIClient,
) -> None:
    member = member_with(lapsed=["health_check"], user=UserFactory(roles=["caregiver"]))
    member.service_types.set([service_type("housework")])
    payload = {
        "episode": episode().pk,
        "weekday": 2,
        "start_time": "10:00",
        "planned_minutes": 60,
        "service_types": ["housework"],
        "corps_member": member.pk,
    }

    refused = coordinator_api.post("/api/v1/care-plans/", payload, format="json")
    allowed = coordinator_api.post(
        "/api/v1/care-plans/",
        {**payload, "compliance_override_reason": "검진 예약 완료(3일 뒤)"},
        format="json",
    )

    assert refused.status_code == 400 and "corps_member" in refused.json()
    assert allowed.status_code == 201, allowed.content
    assert allowed.json()["compliance_override"]["reason"] == "검진 예약 완료(3일 뒤)"


def test_the_api_refuses_a_lapsed_substitute_and_takes_a_reason(
    coordinator_api: APIClient,
) -> None:
    day = today() + dt.timedelta(days=2)
    regular = CorpsMemberFactory(user=UserFactory(roles=["caregiver"]))
    visit = occurrence(entry(episode(), regular, weekday=day.weekday()), day)
    substitute = member_with(missing=["privacy"], user=UserFactory(roles=["caregiver"]))
    substitute.service_types.set([service_type("housework")])
    url = f"/api/v1/scheduled-visits/{visit.pk}/reassign/"

    refused = coordinator_api.post(url, {"corps_member": substitute.pk}, format="json")
    allowed = coordinator_api.post(
        url,
        {"corps_member": substitute.pk, "compliance_override_reason": "교육 이수 예정"},
        format="json",
    )

    assert refused.status_code == 400
    assert "개인정보보호 교육: 미이수" in " ".join(refused.json()["corps_member"])
    assert allowed.status_code == 200, allowed.content
    assert allowed.json()["compliance_override"]["reason"] == "교육 이수 예정"


def test_a_caregiver_sees_no_override_field_to_write(caregiver_api: APIClient) -> None:
    response = caregiver_api.post(
        "/api/v1/assignments/",
        assignment_payload(CorpsMemberFactory(), compliance_override_reason="x"),
        format="json",
    )

    assert response.status_code == 403
