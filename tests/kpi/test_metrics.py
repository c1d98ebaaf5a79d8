"""The goal tracker's metrics (``kpi/metrics.py``): the counting rules of DESIGN §3.

Each rule is its own test. Every figure is read both ways the rollups read it — the year's
series (``metrics.series``, the path of ``rollup_year``) and month by month
(``metrics.month_values``, the path of ``rollup_month``) — and the two must agree.

The helpers at the top (``kst``, ``a_visit``, ``a_consultation`` …) are shared with
``test_rollups.py``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from base.models import Program
from care.models import Episode, Recipient, Visit
from consultations.models import Consultation
from kpi import metrics
from kpi.goals import goals_load
from tests.factories import (
    CorpsMemberFactory,
    RecipientFactory,
    UserFactory,
    episode_of,
    region,
)
from volunteers.models import CorpsMember

KST = ZoneInfo("Asia/Seoul")
YEAR = 2023


def kst(month: int, day: int = 15, hour: int = 10, minute: int = 0, year: int = YEAR) -> datetime:
    """An instant in Seoul time."""
    return datetime(year, month, day, hour, minute, tzinfo=KST)


def a_recipient(region_code: str = "wanju", admin_unit: str = "봉동읍") -> Recipient:
    """A recipient; rural (읍·면) or urban (동) follows from the admin unit."""
    return RecipientFactory(region=region(region_code), admin_unit=admin_unit)


def an_urban_recipient() -> Recipient:
    return a_recipient("jeonju", "효자동")


def a_member(**fields: Any) -> CorpsMember:
    return CorpsMemberFactory(**fields)


def a_visit(
    at: datetime,
    *,
    recipient: Recipient | None = None,
    member: CorpsMember | None = None,
    program: str = "emergency_care",
    void: bool = False,
    episode: Episode | None = None,
    minutes: int | None = 60,
) -> Visit:
    """A visit as the tablet stores it, started at ``at`` (aware), in ``episode`` (by default
    the recipient's open one), lasting ``minutes`` (None: never checked out)."""
    recipient = episode.recipient if episode else recipient or a_recipient()
    return Visit.objects.create(
        client_uuid=uuid4(),
        recipient=recipient,
        corps_member=member or a_member(),
        episode=episode or episode_of(recipient, program=Program.objects.get(code=program)),
        program=Program.objects.get(code=program),
        started_at=at,
        ended_at=None if minutes is None else at + timedelta(minutes=minutes),
        status=Visit.Status.VOID if void else Visit.Status.SUBMITTED,
        void_reason="중복 입력" if void else "",
    )


def a_consultation(
    at: datetime, program: str = "care_info_counseling", *, region_code: str | None = None
) -> Consultation:
    return Consultation.objects.create(
        held_at=at,
        channel=Consultation.Channel.PHONE,
        program=Program.objects.get(code=program),
        counselor=UserFactory(),
        region=region(region_code) if region_code else None,
        summary="돌봄 서비스 안내",
        outcome=Consultation.Outcome.INFORMED,
    )


def figures(code: str, through: int = 3, year: int = YEAR) -> tuple[list[int], list[int]]:
    """A metric's monthly and year-to-date values for months 1..``through``, checking that
    the year's series and the month-by-month values say the same."""
    series = metrics.series(code, year, through)
    months = range(1, through + 1)
    by_month = [metrics.month_values(code, year, month) for month in months]
    assert [(series.monthly[m], series.ytd[m]) for m in months] == by_month, code
    return [series.monthly[m] for m in months], [series.ytd[m] for m in months]


pytestmark = pytest.mark.django_db


# --- §3.1 periods are calendar months in Seoul time ------------------------------------------


def test_a_visit_at_2330_kst_on_january_31_counts_in_january_though_utc_says_the_same_day() -> None:
    # given a visit at 2023-01-31 23:30 KST, which is 14:30 UTC
    started = datetime(2023, 1, 31, 14, 30, tzinfo=UTC)
    assert started.astimezone(KST) == kst(1, 31, 23, 30)
    a_visit(started)

    # then it counts in January, and February has no visit of its own
    assert figures("visits", 2) == ([1, 0], [1, 1])


def test_a_visit_at_0030_kst_on_february_1_counts_in_february_though_utc_says_january() -> None:
    # given a visit at 2023-02-01 00:30 KST, which is still January 31 (15:30) in UTC
    started = datetime(2023, 1, 31, 15, 30, tzinfo=UTC)
    assert started.astimezone(KST) == kst(2, 1, 0, 30)
    a_visit(started)

    # then it counts in February, not January
    assert figures("visits", 2) == ([0, 1], [0, 1])


def test_the_year_starts_at_midnight_in_seoul_not_in_utc() -> None:
    # given a visit at 2023-01-01 08:00 KST (still 2022 in UTC) and one at 2024-01-01 00:30
    # KST (still 2023 in UTC)
    a_visit(kst(1, 1, 8, 0))
    a_visit(kst(1, 1, 0, 30, year=2024))

    # then 2023 holds the first and not the second
    monthly, ytd = figures("visits", 12)
    assert monthly[0] == 1 and sum(monthly) == 1
    assert ytd[11] == 1
    assert figures("visits", 1, year=2024) == ([1], [1])


# --- §3.2 / §3.3 distinct persons are not additive -------------------------------------------


def test_one_recipient_served_in_january_and_february_counts_once_in_the_year_to_date() -> None:
    # given one recipient visited in January and in February
    person = a_recipient()
    a_visit(kst(1), recipient=person)
    a_visit(kst(2), recipient=person)

    # then each month has one person, and so does the year to date: never 1 + 1
    assert figures("recipients_served") == ([1, 1, 0], [1, 1, 1])


def test_two_recipients_served_in_different_months_count_as_two_in_the_year_to_date() -> None:
    # given one recipient visited in January, another in February
    a_visit(kst(1), recipient=a_recipient())
    a_visit(kst(2), recipient=a_recipient())

    # then the year to date grows to two
    assert figures("recipients_served") == ([1, 1, 0], [1, 2, 2])


def test_a_person_visited_many_times_in_a_month_counts_once_that_month() -> None:
    # given one recipient visited three times in March by two corps members
    person, first, second = a_recipient(), a_member(), a_member()
    a_visit(kst(3, 2), recipient=person, member=first)
    a_visit(kst(3, 9), recipient=person, member=first)
    a_visit(kst(3, 16), recipient=person, member=second)

    # then March has three visits, one recipient and two corps members who served
    assert figures("visits") == ([0, 0, 3], [0, 0, 3])
    assert figures("recipients_served") == ([0, 0, 1], [0, 0, 1])
    assert figures("corps_members_served") == ([0, 0, 2], [0, 0, 2])


def test_corps_members_who_served_are_distinct_persons_over_the_year() -> None:
    # given member A serving in January and February and member B in February only
    member_a, member_b = a_member(), a_member()
    a_visit(kst(1), member=member_a)
    a_visit(kst(2), member=member_a)
    a_visit(kst(2, 20), member=member_b)

    # then February has two and the year to date two, not three
    assert figures("corps_members_served") == ([1, 2, 0], [1, 2, 2])


def test_programs_operated_counts_each_operating_group_with_activity_once() -> None:
    # given the goals (4-1's 운영 groups), emergency care in January and February, rural gap
    # care in February only
    goals_load()
    a_visit(kst(1), program="emergency_care")
    a_visit(kst(2), program="emergency_care")
    a_visit(kst(2), program="rural_gap_care")

    # then 긴급돌봄 운영 ran in both months and 전북형 돌봄체계 추진 in February: two groups
    assert figures("programs_operated") == ([1, 2, 0], [1, 2, 2])


# --- §3.4 void visits never count ------------------------------------------------------------


def test_void_visits_never_count_in_any_metric() -> None:
    # given a void visit in January (its recipient, member and program served nothing else)
    # and a valid one in February
    goals_load()
    a_visit(kst(1), program="home_environment", void=True)
    a_visit(kst(2))

    # then January is empty in every visit metric
    assert figures("visits") == ([0, 1, 0], [0, 1, 1])
    assert figures("recipients_served") == ([0, 1, 0], [0, 1, 1])
    assert figures("corps_members_served") == ([0, 1, 0], [0, 1, 1])
    assert figures("programs_operated") == ([0, 1, 0], [0, 1, 1])


def test_a_void_visit_does_not_make_a_person_first_served_in_its_month() -> None:
    # given a recipient whose January visit is void and whose February visit counts
    person = a_recipient()
    a_visit(kst(1), recipient=person, void=True)
    a_visit(kst(2), recipient=person)

    # then the person is first served in February
    assert figures("recipients_served") == ([0, 1, 0], [0, 1, 1])


# --- counts of events add up -----------------------------------------------------------------


def test_counts_of_events_add_up_month_by_month_in_the_year_to_date() -> None:
    # given two visits in January and three in February, by the same recipient
    person = a_recipient()
    for day in (3, 17):
        a_visit(kst(1, day), recipient=person)
    for day in (1, 14, 28):
        a_visit(kst(2, day), recipient=person)

    # then the year to date is the running sum of the months
    assert figures("visits") == ([2, 3, 0], [2, 5, 5])


# --- the rural metric ------------------------------------------------------------------------


def test_rural_recipients_count_only_if_rural_and_served_under_rural_gap_care() -> None:
    # given rural recipients (a 읍 and a 면) under rural gap care
    a_visit(kst(1), recipient=a_recipient("wanju", "봉동읍"), program="rural_gap_care")
    a_visit(kst(1), recipient=a_recipient("jinan", "마령면"), program="rural_gap_care")
    # and an urban recipient (a 동) under rural gap care, a rural one under emergency care
    a_visit(kst(1), recipient=an_urban_recipient(), program="rural_gap_care")
    a_visit(kst(1), recipient=a_recipient("muju", "무주읍"), program="emergency_care")

    # then only the two rural gap care recipients who are rural count
    assert figures("rural_recipients_served", 1) == ([2], [2])
    # while 긴급돌봄 수혜 counts the recipients of every program (kpi.md, open points)
    assert figures("recipients_served", 1) == ([4], [4])


def test_rural_status_comes_from_the_admin_unit_not_the_region() -> None:
    # given a 동 of a county (urban) and a 읍 of a city (rural), both under rural gap care
    a_visit(kst(1), recipient=a_recipient("wanju", "삼례동"), program="rural_gap_care")
    a_visit(kst(1), recipient=a_recipient("gunsan", "옥구읍"), program="rural_gap_care")

    # then only the 읍 counts
    assert figures("rural_recipients_served", 1) == ([1], [1])


# --- the stock of corps members --------------------------------------------------------------


def test_active_corps_members_are_the_stock_at_each_months_end() -> None:
    # given members who joined and left at various dates
    a_member(joined_on=date(2022, 12, 1))  # in the pool all year
    a_member(joined_on=date(2023, 2, 10))  # from February
    a_member(joined_on=date(2023, 3, 31))  # from the last day of March
    a_member(joined_on=date(2022, 6, 1), left_on=date(2023, 2, 28))  # gone by February's end
    a_member(joined_on=date(2022, 6, 1), left_on=date(2023, 3, 1))  # still there at its end
    a_member(joined_on=date(2022, 6, 1), left_on=date(2023, 1, 10), status=CorpsMember.Status.LEFT)

    # then each month holds the pool at its end, and the year to date is the latest stock
    assert figures("corps_members_active") == ([3, 3, 3], [3, 3, 3])
    assert metrics.month_values("corps_members_active", YEAR, 1) == (3, 3)
    assert metrics.month_values("corps_members_active", YEAR, 4) == (3, 3)


def test_the_stock_counts_members_without_any_visit() -> None:
    # given two members in the pool, one of whom served
    served = a_member(joined_on=date(2023, 1, 2))
    a_member(joined_on=date(2023, 1, 2))
    a_visit(kst(1), member=served)

    # then the stock is two while the members who served are one
    assert figures("corps_members_active", 1) == ([2], [2])
    assert figures("corps_members_served", 1) == ([1], [1])


# --- consultations ---------------------------------------------------------------------------


def test_consultations_are_counted_by_their_program() -> None:
    # given care-information consultations in January (2) and February (1),
    # an outreach consultation in February
    a_consultation(kst(1, 5))
    a_consultation(kst(1, 6))
    a_consultation(kst(2, 7))
    a_consultation(kst(2, 8), "outreach_counseling")

    # then each program has its own count, summed in the year to date
    assert figures("care_info_consultations") == ([2, 1, 0], [2, 3, 3])
    assert figures("outreach_consultations") == ([0, 1, 0], [0, 1, 1])


def test_a_consultation_is_placed_in_its_seoul_month() -> None:
    # given a consultation at 2023-03-01 00:30 KST (February 28 in UTC)
    a_consultation(datetime(2023, 2, 28, 15, 30, tzinfo=UTC))

    # then it counts in March
    assert figures("care_info_consultations") == ([0, 0, 1], [0, 0, 1])


# --- breakdowns by region and area -----------------------------------------------------------


def test_distinct_persons_break_down_by_region_and_area_counting_each_person_once() -> None:
    # given a rural recipient of 완주 served in January and February and an urban one of
    # 전주 in February
    rural, urban = a_recipient("wanju", "봉동읍"), an_urban_recipient()
    a_visit(kst(1), recipient=rural)
    a_visit(kst(2), recipient=rural)
    a_visit(kst(2, 20), recipient=urban)

    # then each region and area has its persons, once each in the year to date
    assert metrics.month_breakdown("recipients_served", YEAR, 1, "region") == {"wanju": (1, 1)}
    assert metrics.month_breakdown("recipients_served", YEAR, 2, "region") == {
        "wanju": (1, 1),
        "jeonju": (1, 1),
    }
    assert metrics.month_breakdown("recipients_served", YEAR, 2, "area") == {
        "rural": (1, 1),
        "urban": (1, 1),
    }
    # a month without visits keeps the year to date of each key
    assert metrics.month_breakdown("recipients_served", YEAR, 3, "area") == {
        "rural": (0, 1),
        "urban": (0, 1),
    }


def test_counts_of_events_break_down_into_parts_that_sum_to_the_total() -> None:
    # given three visits in 완주 and two in 전주 in January, one in 완주 in February
    rural, urban = a_recipient("wanju", "봉동읍"), an_urban_recipient()
    for day in (2, 3, 4):
        a_visit(kst(1, day), recipient=rural)
    for day in (5, 6):
        a_visit(kst(1, day), recipient=urban)
    a_visit(kst(2), recipient=rural)

    # then the parts add up to the month and to the year to date
    region = metrics.month_breakdown("visits", YEAR, 2, "region")
    area = metrics.month_breakdown("visits", YEAR, 2, "area")
    assert region == {"wanju": (1, 4), "jeonju": (0, 2)}
    assert area == {"rural": (1, 4), "urban": (0, 2)}
    assert sum(v for v, _ in region.values()) == metrics.month_values("visits", YEAR, 2)[0]
    assert sum(y for _, y in area.values()) == metrics.month_values("visits", YEAR, 2)[1]


def test_distinct_persons_served_in_two_regions_count_once_in_each_but_once_in_total() -> None:
    # given one corps member who served recipients of two regions in January
    member = a_member()
    a_visit(kst(1), member=member, recipient=a_recipient("wanju", "봉동읍"))
    a_visit(kst(1, 20), member=member, recipient=an_urban_recipient())

    # then each region counts the member, and the total counts them once
    region = metrics.month_breakdown("corps_members_served", YEAR, 1, "region")
    assert region == {"wanju": (1, 1), "jeonju": (1, 1)}
    assert metrics.month_values("corps_members_served", YEAR, 1) == (1, 1)


def test_the_stock_breaks_down_by_the_members_region_and_has_no_area() -> None:
    a_member(region=region("jeonju"), joined_on=date(2023, 1, 2))
    a_member(region=region("jeonju"), joined_on=date(2023, 1, 2))
    a_member(region=region("buan"), joined_on=date(2023, 1, 2))

    assert metrics.month_breakdown("corps_members_active", YEAR, 1, "region") == {
        "jeonju": (2, 2),
        "buan": (1, 1),
    }
    assert metrics.month_breakdown("corps_members_active", YEAR, 1, "area") == {}


def test_consultations_break_down_by_their_own_region_and_have_no_area() -> None:
    # given anonymous phone consultations (no recipient) from 군산 and one of unknown region
    a_consultation(kst(1), region_code="gunsan")
    a_consultation(kst(1, 20), region_code="gunsan")
    a_consultation(kst(1, 21))

    # then the region is the consultation's, and no rural/urban split is claimed for them
    assert metrics.month_breakdown("care_info_consultations", YEAR, 1, "region") == {
        "gunsan": (2, 2),
        "": (1, 1),
    }
    assert metrics.month_breakdown("care_info_consultations", YEAR, 1, "area") == {}


# --- both paths agree on a mixed year --------------------------------------------------------


def test_the_years_series_equals_the_month_by_month_values_for_every_metric() -> None:
    # given a year of mixed visits and consultations
    people = [a_recipient(), an_urban_recipient(), a_recipient("imsil", "관촌면")]
    members = [a_member(joined_on=date(2023, m, 1)) for m in (1, 4, 9)]
    for month in range(1, 13):
        a_visit(kst(month, 3), recipient=people[month % 3], member=members[month % 3])
        a_visit(kst(month, 9), recipient=people[(month + 1) % 3], program="rural_gap_care")
        a_visit(kst(month, 12), recipient=people[0], void=month % 4 == 0)
        desk = "outreach_counseling" if month % 2 else "care_info_counseling"
        a_consultation(kst(month, 20), desk)

    # then for each metric the two paths of kpi.metrics agree on all twelve months
    for code in metrics.METRICS:
        figures(code, 12)
