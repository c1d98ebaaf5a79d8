"""The tablet follows the schedule: today's and tomorrow's visits, the visit screen of a
scheduled visit, what the worker keeps offline, and the caregiver's own month."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from base.models import AccessLog
from care.models import Visit
from care.schedule.models import ScheduledVisit
from care.schedule.selectors import caregiver_day
from care.visits import VisitInput, visit_record
from tests.care.schedule_factories import scheduled_visit, seoul
from tests.factories import AssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_config(response: Any) -> dict[str, Any]:
    return json.loads(
        response.content.decode()
        .split('id="tablet-config" type="application/json">')[1]
        .split("</script>")[0]
    )


def assigned(caregiver: Any, **fields: Any) -> Any:
    return AssignmentFactory(corps_member=caregiver.corps_member_record, **fields).recipient


def today() -> dt.date:
    return timezone.localdate()


def test_today_lists_the_caregivers_scheduled_visits_in_time_order(caregiver: Any) -> None:
    member = caregiver.corps_member_record
    first, second = assigned(caregiver), assigned(caregiver)
    second.phone = "063-290-5678"
    second.save()
    late = scheduled_visit(corps_member=member, recipient=first, starts_at=seoul(today(), 14))
    early = scheduled_visit(
        corps_member=member,
        recipient=second,
        starts_at=seoul(today(), 9, 30),
        planned_minutes=120,
        services=["meal", "housework"],
    )

    response = logged_in(caregiver).get("/tablet/")

    assert response.status_code == 200
    assert [s.pk for s in response.context["day"].scheduled] == [early.pk, late.pk]
    page = response.content.decode()
    assert page.index(">09:30<") < page.index(">14:00<")
    assert "120분" in page
    assert "식사지원" in page and "가사지원" in page
    assert second.address in page
    assert 'href="tel:063-290-5678"' in page
    assert f'href="/tablet/schedule/{early.pk}/"' in page
    assert "방문 시작" in page
    assert 'data-state="planned"' in page and "예정" in page


def test_tomorrows_visits_are_one_tap_away_and_not_on_todays_list(caregiver: Any) -> None:
    member, recipient = caregiver.corps_member_record, caregiver.assigned_recipient
    tomorrow = today() + dt.timedelta(days=1)
    todays = scheduled_visit(corps_member=member, recipient=recipient, starts_at=seoul(today(), 10))
    tomorrows = scheduled_visit(
        corps_member=member, recipient=recipient, starts_at=seoul(tomorrow, 11)
    )

    today_page = logged_in(caregiver).get("/tablet/")
    tomorrow_page = logged_in(caregiver).get("/tablet/tomorrow/")

    assert 'href="/tablet/tomorrow/"' in today_page.content.decode()
    assert [s.pk for s in today_page.context["day"].scheduled] == [todays.pk]
    assert tomorrow_page.status_code == 200
    assert tomorrow_page.context["day"].day == tomorrow
    assert [s.pk for s in tomorrow_page.context["day"].scheduled] == [tomorrows.pk]
    assert "내일 방문 일정" in tomorrow_page.content.decode()
    # Offered by the page's script only once that day has come on the tablet's clock.
    assert f'data-day="{tomorrow.isoformat()}" hidden' in tomorrow_page.content.decode()


def test_assigned_recipients_without_a_visit_scheduled_today_stay_reachable(
    caregiver: Any,
) -> None:
    member = caregiver.corps_member_record
    scheduled_person = caregiver.assigned_recipient
    unscheduled_person = assigned(caregiver)
    cancelled_person = assigned(caregiver)
    scheduled_visit(corps_member=member, recipient=scheduled_person, starts_at=seoul(today(), 10))
    cancelled = scheduled_visit(
        corps_member=member,
        recipient=cancelled_person,
        starts_at=seoul(today(), 13),
        state=ScheduledVisit.State.CANCELLED,
        change_reason="입원",
    )

    response = logged_in(caregiver).get("/tablet/")

    day = response.context["day"]
    assert sorted(r.pk for r in day.unscheduled) == sorted(
        [unscheduled_person.pk, cancelled_person.pk]
    )
    page = response.content.decode()
    assert "일정 없는 방문" in page
    assert f'href="/tablet/visit/{unscheduled_person.pk}/"' in page
    # The cancelled occurrence shows as such, with no button to start it.
    assert "취소" in page and "입원" in page
    assert f'href="/tablet/schedule/{cancelled.pk}/"' not in page


def test_another_caregivers_scheduled_visit_never_shows(
    caregiver: Any, other_caregiver: Any
) -> None:
    theirs = scheduled_visit(
        corps_member=other_caregiver.corps_member_record,
        recipient=other_caregiver.assigned_recipient,
        starts_at=seoul(today(), 10),
    )

    client = logged_in(caregiver)
    home = client.get("/tablet/")
    screen = client.get(f"/tablet/schedule/{theirs.pk}/")

    assert home.context["day"].scheduled == []
    assert other_caregiver.assigned_recipient.name not in home.content.decode()
    assert f"/tablet/schedule/{theirs.pk}/" not in home.content.decode()
    assert screen.status_code == 404
    assert not AccessLog.objects.filter(
        user=caregiver, subject_id=other_caregiver.assigned_recipient.pk
    ).exists()


def test_a_substitute_sees_the_day_they_cover_marked_and_the_original_caregiver_does_not(
    caregiver: Any, other_caregiver: Any
) -> None:
    covered = scheduled_visit(
        corps_member=caregiver.corps_member_record,
        original_corps_member=other_caregiver.corps_member_record,
        recipient=other_caregiver.assigned_recipient,
        starts_at=seoul(today(), 15),
        services=["safety_check"],
    )

    substitute_home = logged_in(caregiver).get("/tablet/")
    original_home = logged_in(other_caregiver).get("/tablet/")
    screen = logged_in(caregiver).get(f"/tablet/schedule/{covered.pk}/")

    assert [s.pk for s in substitute_home.context["day"].scheduled] == [covered.pk]
    assert "대체" in substitute_home.content.decode()
    assert original_home.context["day"].scheduled == []
    # The substitute is not assigned to the person, yet reaches them through the schedule.
    assert screen.status_code == 200
    assert other_caregiver.assigned_recipient.name in screen.content.decode()


def test_starting_a_scheduled_visit_opens_the_visit_screen_with_its_plan(caregiver: Any) -> None:
    planned = scheduled_visit(
        corps_member=caregiver.corps_member_record,
        recipient=caregiver.assigned_recipient,
        starts_at=seoul(today(), 10, 30),
        services=["meal", "safety_check"],
    )

    response = logged_in(caregiver).get(f"/tablet/schedule/{planned.pk}/")

    assert response.status_code == 200
    config = page_config(response)
    assert config["recipient"]["id"] == caregiver.assigned_recipient.pk
    assert config["scheduledVisit"]["id"] == planned.pk
    assert config["scheduledVisit"]["awaiting"] is True
    assert sorted(config["scheduledVisit"]["plannedServices"]) == ["meal", "safety_check"]
    page = response.content.decode()
    assert 'data-code="meal" data-planned="1"' in page
    assert "10:30" in page
    assert AccessLog.objects.filter(
        user=caregiver,
        subject_id=caregiver.assigned_recipient.pk,
        path=f"/tablet/schedule/{planned.pk}/",
    ).exists()


def test_a_cancelled_scheduled_visit_is_recorded_without_its_schedule(caregiver: Any) -> None:
    cancelled = scheduled_visit(
        corps_member=caregiver.corps_member_record,
        recipient=caregiver.assigned_recipient,
        starts_at=seoul(today(), 10),
        state=ScheduledVisit.State.CANCELLED,
        change_reason="가족 방문",
    )

    response = logged_in(caregiver).get(f"/tablet/schedule/{cancelled.pk}/")

    assert page_config(response)["scheduledVisit"]["awaiting"] is False
    assert "취소되었습니다" in response.content.decode()


def test_a_scheduled_visit_outside_today_and_tomorrow_is_not_found(caregiver: Any) -> None:
    old = scheduled_visit(
        corps_member=caregiver.corps_member_record,
        recipient=caregiver.assigned_recipient,
        starts_at=seoul(today() - dt.timedelta(days=3), 10),
    )

    assert logged_in(caregiver).get(f"/tablet/schedule/{old.pk}/").status_code == 404


def test_todays_page_queries_do_not_grow_with_the_number_of_visits(caregiver: Any) -> None:
    member = caregiver.corps_member_record

    def schedule(count: int) -> None:
        for i in range(count):
            recipient = assigned(caregiver)
            assigned(caregiver)  # and one with nothing scheduled
            scheduled_visit(
                corps_member=member,
                recipient=recipient,
                starts_at=seoul(today(), 7) + dt.timedelta(minutes=20 * i),
                services=["meal", "housework"],
            )

    def queries() -> int:
        client = logged_in(caregiver)
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/tablet/").status_code == 200
        return len(captured)

    schedule(3)
    with_three = queries()
    schedule(27)
    with_thirty = queries()

    assert with_thirty == with_three


def test_todays_page_writes_an_access_log_row_per_recipient_shown(caregiver: Any) -> None:
    member = caregiver.corps_member_record
    unscheduled = assigned(caregiver)
    scheduled_visit(
        corps_member=member, recipient=caregiver.assigned_recipient, starts_at=seoul(today(), 9)
    )
    scheduled_visit(
        corps_member=member, recipient=caregiver.assigned_recipient, starts_at=seoul(today(), 16)
    )

    logged_in(caregiver).get("/tablet/", REMOTE_ADDR="10.1.2.3")

    rows = AccessLog.objects.filter(user=caregiver, action=AccessLog.Action.VIEW, path="/tablet/")
    assert sorted(rows.values_list("subject_id", flat=True)) == sorted(
        [caregiver.assigned_recipient.pk, unscheduled.pk]
    )


def test_the_worker_keeps_the_schedule_pages_and_fetches_them_again_at_each_sync(
    caregiver: Any,
) -> None:
    member, recipient = caregiver.corps_member_record, caregiver.assigned_recipient
    todays = scheduled_visit(corps_member=member, recipient=recipient, starts_at=seoul(today(), 9))
    tomorrows = scheduled_visit(
        corps_member=member,
        recipient=recipient,
        starts_at=seoul(today() + dt.timedelta(days=1), 9),
    )

    config = page_config(logged_in(caregiver).get("/tablet/"))

    schedule_pages = [
        "/tablet/",
        "/tablet/tomorrow/",
        f"/tablet/schedule/{todays.pk}/",
        f"/tablet/schedule/{tomorrows.pk}/",
    ]
    assert config["refresh"] == schedule_pages
    assert config["precache"] == [
        *schedule_pages,
        "/tablet/visits/",
        "/tablet/month/",
        f"/tablet/visit/{recipient.pk}/",
        "/tablet/incident/",
        f"/tablet/incident/{recipient.pk}/",
        "/api/v1/service-types/",
    ]
    assert config["day"] == today().isoformat()
    assert config["urls"]["scheduleState"] == "/tablet/schedule-state/"


def test_the_schedule_version_changes_when_a_coordinator_changes_the_day(
    caregiver: Any, other_caregiver: Any
) -> None:
    planned = scheduled_visit(
        corps_member=caregiver.corps_member_record,
        recipient=caregiver.assigned_recipient,
        starts_at=seoul(today(), 9),
    )
    client = logged_in(caregiver)
    before = client.get("/tablet/schedule-state/").json()
    on_the_page = page_config(client.get("/tablet/"))["scheduleVersion"]

    planned.corps_member = other_caregiver.corps_member_record
    planned.original_corps_member = caregiver.corps_member_record
    planned.save()
    after = client.get("/tablet/schedule-state/").json()

    assert on_the_page == before["scheduleVersion"]
    assert after["scheduleVersion"] != before["scheduleVersion"]
    assert f"/tablet/schedule/{planned.pk}/" in before["refresh"]
    assert f"/tablet/schedule/{planned.pk}/" not in after["refresh"]


def test_schedule_state_needs_a_login(client: Client) -> None:
    response = client.get("/tablet/schedule-state/")

    assert response.status_code == 302


def test_the_selector_takes_the_day_in_seoul(caregiver: Any) -> None:
    day = dt.date(2024, 3, 4)
    member, recipient = caregiver.corps_member_record, caregiver.assigned_recipient
    just_after_midnight = scheduled_visit(
        corps_member=member, recipient=recipient, starts_at=seoul(day, 0, 10)
    )
    scheduled_visit(
        corps_member=member,
        recipient=recipient,
        starts_at=seoul(day, 23, 59) + dt.timedelta(minutes=2),
    )

    result = caregiver_day(user=caregiver, day=day)

    assert [s.pk for s in result.scheduled] == [just_after_midnight.pk]


# --- the caregiver's own month ------------------------------------------------------------


def record(caregiver: Any, recipient: Any, started_at: dt.datetime, minutes: int) -> Visit:
    visit, _outcome = visit_record(
        actor=caregiver,
        item=VisitInput(
            client_uuid=uuid.uuid4(),
            recipient_id=recipient.pk,
            started_at=started_at,
            ended_at=started_at + dt.timedelta(minutes=minutes),
            service_type_codes=("housework",),
        ),
    )
    return visit


def test_month_shows_the_caregivers_own_activity_statement(
    caregiver: Any, other_caregiver: Any, coordinator: Any
) -> None:
    this_month = today().replace(day=1)
    recipient = caregiver.assigned_recipient
    record(caregiver, recipient, seoul(this_month, 9), 90)
    record(caregiver, recipient, seoul(this_month, 13), 30)
    void = record(caregiver, recipient, seoul(this_month, 16), 600)
    Visit.objects.filter(pk=void.pk).update(status=Visit.Status.VOID, void_reason="중복 입력")
    record(other_caregiver, other_caregiver.assigned_recipient, seoul(this_month, 10), 60)

    response = logged_in(caregiver).get(
        f"/tablet/month/?year={this_month.year}&month={this_month.month}"
    )

    assert response.status_code == 200
    row = response.context["row"]
    assert row.corps_member == caregiver.corps_member_record
    assert (row.visits, row.service_minutes, row.days_worked, row.recipients) == (2, 120, 1, 1)
    page = response.content.decode()
    assert '<dd data-figure="visits">2회</dd>' in page
    assert "2.0시간" in page


def test_month_with_a_bad_month_is_a_bad_request_naming_the_field(caregiver: Any) -> None:
    response = logged_in(caregiver).get("/tablet/month/?year=2024&month=13")

    assert response.status_code == 400
    assert 'data-field="month"' in response.content.decode()


def test_month_of_an_account_without_a_corps_member_says_so(db: None) -> None:
    user = UserFactory(roles=["coordinator"])

    response = logged_in(user).get("/tablet/month/")

    assert response.status_code == 200
    assert "단원 정보가 연결되어 있지 않아" in response.content.decode()
