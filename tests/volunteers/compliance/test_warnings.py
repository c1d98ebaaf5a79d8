"""The 30-day warnings: the desk's list and the daily text to the members."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings

from notifications.models import Message
from tests.factories import UserFactory
from tests.volunteers.compliance.factories import ComplianceRecordFactory, member_with, today
from volunteers.compliance import selectors
from volunteers.compliance.services import compliance_expiry_notify
from volunteers.compliance.tasks import notify_expiring_compliance
from volunteers.models import CorpsMember

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator_user(db: None) -> Any:
    return UserFactory(username="warn-coordinator", roles=["coordinator"])


def test_the_warning_list_holds_members_lapsing_within_30_days_lapsed_or_missing(
    coordinator_user: Any,
) -> None:
    expiring = member_with(expiring={"insurance": 30}, name="임박단원")
    lapsed = member_with(lapsed=["criminal_record"], name="만료단원")
    missing = member_with(missing=["health_check"], name="미이수단원")
    member_with(expiring={"insurance": 31}, name="여유단원")
    member_with(
        lapsed=["insurance"],
        name="퇴직단원",
        status=CorpsMember.Status.LEFT,
        left_on=dt.date(2024, 1, 1),
    )

    rows = selectors.warning_list(user=coordinator_user)

    # Those kept from new work first (never done, then the longest lapsed), then by expiry.
    assert [row.corps_member for row in rows] == [missing, lapsed, expiring]
    assert [(item.requirement.code, item.status) for item in rows[1].attention] == [
        ("criminal_record", "lapsed")
    ]
    assert [row.blocked for row in rows] == [True, True, False]


def test_a_member_on_leave_is_warned_about_too(coordinator_user: Any) -> None:
    on_leave = member_with(lapsed=["privacy"], status=CorpsMember.Status.ON_LEAVE)

    assert [row.corps_member for row in selectors.warning_list(user=coordinator_user)] == [on_leave]


def test_the_warning_list_is_nobody_elses(caregiver: Any) -> None:
    member_with(lapsed=["privacy"])

    # A caregiver's own record is the only one they could see; theirs is in order.
    assert selectors.warning_list(user=caregiver) == []


def test_the_warning_list_costs_the_same_for_more_members(
    coordinator_user: Any, django_assert_max_num_queries: Any
) -> None:
    for number in range(3):
        member_with(lapsed=["privacy"], name=f"단원{number}")
    with django_assert_max_num_queries(5) as captured:
        selectors.warning_list(user=coordinator_user)
    few = len(captured)
    for number in range(12):
        member_with(missing=["insurance"], name=f"추가{number}")

    with django_assert_max_num_queries(few):
        assert len(selectors.warning_list(user=coordinator_user)) == 15


def test_members_are_told_once_of_items_lapsing_within_30_days() -> None:
    member = member_with(expiring={"insurance": 10, "health_check": 30})
    member_with(expiring={"insurance": 31})
    member_with(lapsed=["insurance"])

    first = compliance_expiry_notify()
    second = compliance_expiry_notify()

    messages = Message.objects.filter(kind="compliance_expiring").order_by("dedupe_key")
    assert (first, second) == (2, 0)
    assert {message.to_phone for message in messages} == {member.phone}
    assert any("상해·배상책임보험" in message.body for message in messages)
    expiry = (today() + dt.timedelta(days=10)).isoformat()
    assert Message.objects.filter(dedupe_key__endswith=f":{expiry}").count() == 1


def test_a_renewed_item_is_told_about_again_before_its_new_expiry() -> None:
    member = member_with(expiring={"insurance": 10})
    compliance_expiry_notify()
    later = today() + dt.timedelta(days=360)
    ComplianceRecordFactory(
        corps_member=member,
        requirement=member.compliance_records.get(requirement__code="insurance").requirement,
        done_on=today(),
        expires_on=later + dt.timedelta(days=20),
    )

    assert compliance_expiry_notify(today=later) == 1
    assert Message.objects.filter(kind="compliance_expiring").count() == 2


def test_the_daily_task_runs_the_reminder_and_is_on_the_beat() -> None:
    member_with(expiring={"privacy": 3})

    assert notify_expiring_compliance.apply(args=[today().isoformat()]).get() == 1
    assert notify_expiring_compliance.apply().get() == 0
    entry = settings.CELERY_BEAT_SCHEDULE["notify-expiring-compliance"]
    assert entry["task"] == notify_expiring_compliance.name
