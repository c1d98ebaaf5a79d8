"""The schedule's desk pages: the week views, late and missed visits, covering a day."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from base.models import AccessLog
from care.schedule.models import ScheduledVisit
from tests.care.schedule.helpers import entry, episode, member, occurrence, today
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SCHEDULE = "/coordinator/schedule/"
DAY = today() + dt.timedelta(days=2)


@pytest.fixture
def desk(db: None) -> Client:
    client = Client()
    client.force_login(UserFactory(username="desk-coordinator", roles=["coordinator"]))
    return client


def booked(caregiver: Any = None, hour: int = 10, day: dt.date = DAY, **fields: Any) -> Any:
    caregiver = caregiver or member()
    return occurrence(
        entry(episode(), caregiver, weekday=day.weekday(), at=dt.time(hour)), day, **fields
    )


@pytest.mark.parametrize(
    "url", [SCHEDULE, f"{SCHEDULE}attention/", f"{SCHEDULE}cover/", "/coordinator/"]
)
def test_the_schedule_pages_open_for_a_coordinator(desk: Client, url: str) -> None:
    booked()
    assert desk.get(url).status_code == 200


@pytest.mark.parametrize("url", [SCHEDULE, f"{SCHEDULE}attention/", f"{SCHEDULE}cover/"])
def test_the_schedule_pages_are_closed_to_caregivers_and_strangers(
    caregiver: Any, url: str
) -> None:
    anonymous = Client().get(url)
    client = Client()
    client.force_login(caregiver)

    assert anonymous.status_code == 302
    assert client.get(url).status_code == 403


def test_the_region_week_shows_each_members_visits_by_day(desk: Client) -> None:
    scheduled = booked(hour=9)

    page = desk.get(SCHEDULE, {"week": DAY.isoformat(), "region": "jeonju"}).content.decode()

    assert scheduled.corps_member.name in page and scheduled.recipient.name in page
    assert "09:00" in page and "90분" in page and "예정" in page
    assert "이전 주" in page and "다음 주" in page
    assert AccessLog.objects.filter(subject_id=scheduled.recipient_id).exists()


def test_the_member_week_has_one_row_per_person(desk: Client) -> None:
    scheduled = booked()

    page = desk.get(
        SCHEDULE, {"week": DAY.isoformat(), "corps_member": scheduled.corps_member_id}
    ).content.decode()

    assert scheduled.recipient.address in page


def test_the_week_view_query_count_does_not_grow_with_the_visits(desk: Client) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert (
                desk.get(SCHEDULE, {"week": DAY.isoformat(), "region": "jeonju"}).status_code == 200
            )
        return len(captured)

    booked()
    few = queries()
    for hour in range(6, 16):
        booked(hour=hour)
    assert queries() == few


def test_late_and_missed_visits_show_with_the_caregivers_phone(desk: Client) -> None:
    late = booked(day=today(), state="late")
    missed = booked(day=today() - dt.timedelta(days=1), state="missed")

    page = desk.get(f"{SCHEDULE}attention/").content.decode()
    home = desk.get("/coordinator/").content.decode()

    assert f'href="tel:{late.corps_member.phone}"' in page
    assert f'href="tel:{missed.corps_member.phone}"' in page
    assert "지연된 방문" in home


def test_covering_a_day_preselects_substitutes_and_reassigns_them_all(desk: Client) -> None:
    # given a sick caregiver with two visits, and two free colleagues
    morning = booked(hour=9)
    sick = morning.corps_member
    afternoon = booked(sick, hour=9, day=DAY)  # another person, same hour
    ScheduledVisit.objects.filter(pk=afternoon.pk).update(
        starts_at=afternoon.starts_at + dt.timedelta(hours=1)
    )
    member("이순자")
    member("박정숙")

    # when the coordinator opens the day: each visit has a substitute preselected, not the same
    page = desk.get(f"{SCHEDULE}cover/", {"corps_member": sick.pk, "day": DAY.isoformat()})
    rows = page.context["rows"]
    assert [row["visit"].pk for row in rows] == [morning.pk, afternoon.pk]
    chosen = [row["preselected"] for row in rows]
    assert None not in chosen and chosen[0] != chosen[1]

    # and submits it as it is
    response = desk.post(
        f"{SCHEDULE}cover/",
        {
            "corps_member": sick.pk,
            "day": DAY.isoformat(),
            "reason": "병가",
            **{f"substitute_{row['visit'].pk}": row["preselected"] for row in rows},
        },
    )

    # then both visits went to the substitutes, and the week view follows
    assert response.status_code == 302 and response["Location"].startswith(SCHEDULE)
    assert dict(ScheduledVisit.objects.values_list("pk", "corps_member")) == {
        morning.pk: chosen[0],
        afternoon.pk: chosen[1],
    }


def test_a_refused_cover_shows_the_reason_and_changes_nothing(desk: Client) -> None:
    scheduled = booked(hour=9)
    busy = member("바쁜단원")
    booked(busy, hour=9)

    response = desk.post(
        f"{SCHEDULE}cover/",
        {
            "corps_member": scheduled.corps_member_id,
            "day": DAY.isoformat(),
            f"substitute_{scheduled.pk}": busy.pk,
        },
        follow=True,
    )

    assert response.status_code == 200
    assert "이미" in response.content.decode()
    scheduled.refresh_from_db()
    assert not scheduled.touched
