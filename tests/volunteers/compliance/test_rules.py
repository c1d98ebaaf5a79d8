"""The compliance rules as services: recording an item, each member's standing, and the rule
that keeps a member with a lapsed or missing required item from new work unless a
coordinator gives a reason (recorded on the record it allowed)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from care.models import Recipient
from care.schedule import services as schedule_services
from care.services import assignment_create, assignment_update
from tests.care.schedule.helpers import entry, episode, occurrence
from tests.factories import (
    CorpsMemberFactory,
    RecipientFactory,
    UserFactory,
    program,
    region,
    service_type,
)
from tests.volunteers.compliance.factories import (
    ComplianceRecordFactory,
    member_with,
    requirement,
    today,
)
from volunteers.compliance import selectors
from volunteers.compliance.models import RECIPIENT_CATEGORIES, add_months
from volunteers.compliance.services import compliance_record_create
from volunteers.models import ComplianceOverride, ComplianceRecord, CorpsMember

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator_user(db: None) -> Any:
    return UserFactory(username="rules-coordinator", roles=["coordinator"])


def schedulable(corps_member: CorpsMember) -> CorpsMember:
    """Give a member what the schedule asks besides compliance: a login and the services."""
    corps_member.user = UserFactory(roles=["caregiver"])
    corps_member.region = region("jeonju")
    corps_member.save()
    corps_member.service_types.set([service_type("housework"), service_type("meal")])
    return corps_member


def assign(actor: Any, corps_member: CorpsMember, **fields: Any) -> Any:
    running = episode(fields.pop("recipient", None))
    return assignment_create(
        actor=actor,
        recipient=running.recipient,
        corps_member=corps_member,
        program=program(),
        starts_on=today(),
        **fields,
    )


# --- recording --------------------------------------------------------------------------------


def test_the_expiry_is_computed_from_the_requirements_validity(coordinator_user: Any) -> None:
    member = CorpsMemberFactory(compliant=False)

    record = compliance_record_create(
        actor=coordinator_user,
        corps_member=member,
        requirement=requirement("health_check"),
        done_on=dt.date(2025, 1, 31),
    )

    assert record.expires_on == dt.date(2026, 1, 31)
    assert record.recorded_by == coordinator_user


def test_months_are_added_with_the_day_clamped_to_the_months_end() -> None:
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2025, 11, 30), 3) == dt.date(2026, 2, 28)


def test_the_criminal_record_check_is_recorded_as_pass_or_fail(coordinator_user: Any) -> None:
    record = compliance_record_create(
        actor=coordinator_user,
        corps_member=CorpsMemberFactory(compliant=False),
        requirement=requirement("criminal_record"),
        done_on=today(),
        result="pass",
    )

    assert record.result == "pass" and record.evidence_note == ""


@pytest.mark.parametrize(
    ("code", "fields", "field"),
    [
        ("criminal_record", {}, "result"),
        ("criminal_record", {"result": "pass", "evidence_note": "조회 회신 내용"}, "evidence_note"),
        ("health_check", {"result": "pass"}, "result"),
        ("insurance", {"evidence_note": "주민번호 800101-1234567"}, "evidence_note"),
        ("health_check", {"done_on": today() + dt.timedelta(days=1)}, "done_on"),
        ("health_check", {"expires_on": today() - dt.timedelta(days=1)}, "expires_on"),
    ],
)
def test_a_bad_record_names_its_field_and_writes_nothing(
    coordinator_user: Any, code: str, fields: dict[str, Any], field: str
) -> None:
    values: dict[str, Any] = {"done_on": today(), **fields}

    with pytest.raises(ValidationError) as raised:
        compliance_record_create(
            actor=coordinator_user,
            corps_member=CorpsMemberFactory(compliant=False),
            requirement=requirement(code),
            **values,
        )

    assert field in raised.value.message_dict
    assert not ComplianceRecord.objects.exists()


def test_the_database_refuses_a_note_beside_a_result() -> None:
    with pytest.raises(Exception, match="compliance_record_result_without_note"):
        ComplianceRecordFactory(
            requirement=requirement("criminal_record"), result="fail", evidence_note="상세"
        )


# --- standing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_left", "status"),
    [(200, "ok"), (31, "ok"), (30, "expiring"), (0, "expiring"), (-1, "lapsed")],
)
def test_a_members_standing_follows_the_days_left(days_left: int, status: str) -> None:
    record = ComplianceRecordFactory(expires_on=today() + dt.timedelta(days=days_left))

    standing = selectors.member_standing(corps_member=record.corps_member)

    by_code = {item.requirement.code: item.status for item in standing.items}
    assert by_code["health_check"] == status
    assert by_code["insurance"] == "missing"


def test_a_failed_criminal_record_check_is_failed_however_recent() -> None:
    record = ComplianceRecordFactory(requirement=requirement("criminal_record"), result="fail")

    standing = selectors.member_standing(corps_member=record.corps_member)

    assert {i.requirement.code: i.status for i in standing.items}["criminal_record"] == "failed"
    assert standing.blocked


def test_the_latest_record_counts_so_a_renewal_ends_a_lapse() -> None:
    member = member_with(lapsed=["health_check"])
    ComplianceRecordFactory(corps_member=member, done_on=today())

    assert not selectors.member_standing(corps_member=member).blocked


# --- the rule on new work -------------------------------------------------------------------


def test_an_expired_criminal_record_check_blocks_a_new_assignment(coordinator_user: Any) -> None:
    member = member_with(lapsed=["criminal_record"])

    with pytest.raises(ValidationError) as raised:
        assign(coordinator_user, member)

    messages = raised.value.message_dict["corps_member"]
    assert any("성범죄·아동학대 범죄경력 조회" in message for message in messages)
    assert any("compliance_override_reason" in message for message in messages)
    assert not member.assignments.exists()
    assert not ComplianceOverride.objects.exists()


def test_a_missing_required_item_blocks_a_new_assignment(coordinator_user: Any) -> None:
    member = member_with(missing=["insurance"])

    with pytest.raises(ValidationError) as raised:
        assign(coordinator_user, member)

    assert "상해·배상책임보험: 미이수" in " ".join(raised.value.message_dict["corps_member"])


def test_the_override_records_its_reason_on_the_assignment(coordinator_user: Any) -> None:
    member = member_with(lapsed=["criminal_record"])

    assignment = assign(
        coordinator_user, member, compliance_override_reason="회신 대기 중, 보호자 동석 방문"
    )

    override = assignment.compliance_override
    assert override.reason == "회신 대기 중, 보호자 동석 방문"
    assert override.granted_by == coordinator_user and override.granted_at is not None
    assert override.action == "assignment" and override.corps_member == member
    assert "성범죄·아동학대 범죄경력 조회" in override.items


def test_an_override_reason_is_not_recorded_when_nothing_lapsed(coordinator_user: Any) -> None:
    assignment = assign(coordinator_user, CorpsMemberFactory(), compliance_override_reason="혹시")

    assert assignment.compliance_override is None
    assert not ComplianceOverride.objects.exists()


def test_an_item_about_to_lapse_does_not_block(coordinator_user: Any) -> None:
    member = member_with(expiring={"criminal_record": 5})

    assert assign(coordinator_user, member).compliance_override is None


def test_the_criminal_record_check_is_not_asked_for_a_category_it_does_not_cover(
    coordinator_user: Any,
) -> None:
    member = member_with(lapsed=["criminal_record"])
    recipient = RecipientFactory(region=region("jeonju"), category=Recipient.Category.OTHER)

    assert assign(coordinator_user, member, recipient=recipient).compliance_override is None


def test_moving_an_assignment_to_a_lapsed_member_is_refused(coordinator_user: Any) -> None:
    assignment = assign(coordinator_user, CorpsMemberFactory())

    with pytest.raises(ValidationError) as raised:
        assignment_update(
            actor=coordinator_user,
            assignment=assignment,
            corps_member=member_with(lapsed=["health_check"]),
        )

    assert "corps_member" in raised.value.message_dict


def test_a_lapsed_member_gets_no_care_plan_entry_without_a_reason(coordinator_user: Any) -> None:
    member = schedulable(member_with(lapsed=["privacy"]))
    running = episode()
    plan = {
        "actor": coordinator_user,
        "episode": running,
        "weekday": 1,
        "start_time": dt.time(10),
        "planned_minutes": 90,
        "service_types": [service_type("housework")],
        "corps_member": member,
    }

    with pytest.raises(ValidationError) as raised:
        schedule_services.plan_entry_create(**plan)
    entry_made = schedule_services.plan_entry_create(
        **plan, compliance_override_reason="교육 일정 확정(다음 주)"
    )

    assert "개인정보보호 교육" in " ".join(raised.value.message_dict["corps_member"])
    assert entry_made.compliance_override.reason == "교육 일정 확정(다음 주)"
    assert entry_made.compliance_override.action == "care_plan"


def test_a_lapsed_member_cannot_substitute_a_visit_without_a_reason(
    coordinator_user: Any,
) -> None:
    day = today() + dt.timedelta(days=2)
    regular = schedulable(CorpsMemberFactory())
    visit = occurrence(entry(episode(), regular, weekday=day.weekday()), day)
    substitute = schedulable(member_with(lapsed=["health_check"], name="대체단원"))

    with pytest.raises(ValidationError) as raised:
        schedule_services.scheduled_visit_reassign(
            actor=coordinator_user, scheduled_visit=visit, corps_member=substitute
        )
    covered = schedule_services.scheduled_visit_reassign(
        actor=coordinator_user,
        scheduled_visit=visit,
        corps_member=substitute,
        compliance_override_reason="당일 가능한 단원이 없음",
    )

    assert "건강검진" in " ".join(raised.value.message_dict["corps_member"])
    assert covered.corps_member == substitute
    assert covered.compliance_override.reason == "당일 가능한 단원이 없음"
    assert covered.compliance_override.action == "substitution"


def test_covering_a_day_with_a_lapsed_substitute_names_substitutes(coordinator_user: Any) -> None:
    day = today() + dt.timedelta(days=2)
    regular = schedulable(CorpsMemberFactory())
    visit = occurrence(entry(episode(), regular, weekday=day.weekday()), day)
    substitute = schedulable(member_with(missing=["insurance"], name="대체단원"))

    with pytest.raises(ValidationError) as raised:
        schedule_services.scheduled_visits_reassign_day(
            actor=coordinator_user,
            corps_member=regular,
            day=day,
            substitutes={visit.pk: substitute},
        )

    assert "상해·배상책임보험" in " ".join(raised.value.message_dict["substitutes"])
    visit.refresh_from_db()
    assert visit.corps_member == regular


def test_the_recipient_categories_are_cares() -> None:
    assert [code for code, _label in RECIPIENT_CATEGORIES] == list(Recipient.Category.values)
