"""4-1 "사회서비스연계 상담 12회" counts outreach sessions, not the consultations held at them,
by the session's (Seoul) day, with the site's 시·군 and rural flag; the consultations stay
visible beside it as an operational measure."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from consultations.models import Consultation
from consultations.outreach.models import OutreachSession, OutreachSite
from kpi import metrics
from kpi.goals import goals_load
from kpi.models import Measure, Measurement, UnitProgram
from kpi.rollups import rollup_month
from tests.consultations.consultation_factories import ConsultationFactory, seoul
from tests.consultations.outreach.factories import OutreachSessionFactory, OutreachSiteFactory
from tests.factories import UserFactory, program, region

pytestmark = pytest.mark.django_db


def consultations_at(session: OutreachSession, count: int, hour: int = 9) -> None:
    day = session.held_on
    for n in range(count):
        ConsultationFactory(
            held_at=seoul(day.year, day.month, day.day, hour + n // 4, (n % 4) * 15),
            channel=Consultation.Channel.OUTREACH,
            program=program("outreach_counseling"),
            outreach_session=session,
        )


def rural_hall() -> OutreachSite:
    return OutreachSiteFactory(
        name="낙평마을회관",
        kind=OutreachSite.Kind.VILLAGE_HALL,
        region=region("wanju"),
        admin_unit="봉동읍",
    )


def test_one_busy_day_with_fifteen_consultations_is_one_session() -> None:
    # given one day at an LH 단지 with fifteen consultations
    session = OutreachSessionFactory(held_on=dt.date(2023, 3, 15))
    consultations_at(session, 15)

    # then March has one session and fifteen consultations
    assert metrics.month_values("outreach_sessions", 2023, 3) == (1, 1)
    assert metrics.month_values("outreach_consultations", 2023, 3) == (15, 15)


def test_sessions_add_up_by_month_and_to_date() -> None:
    OutreachSessionFactory(held_on=dt.date(2023, 1, 10))
    OutreachSessionFactory(held_on=dt.date(2023, 1, 20))
    OutreachSessionFactory(held_on=dt.date(2023, 3, 5))

    series = metrics.series("outreach_sessions", 2023, 3)

    assert [series.monthly[m] for m in (1, 2, 3)] == [2, 0, 1]
    assert [series.ytd[m] for m in (1, 2, 3)] == [2, 2, 3]
    assert [metrics.month_values("outreach_sessions", 2023, m) for m in (1, 2, 3)] == [
        (2, 2),
        (0, 2),
        (1, 3),
    ]


def test_a_session_on_the_last_day_of_a_month_counts_in_that_month_and_its_late_evening_too() -> (
    None
):
    # given a session on January 31 whose last consultation is at 23:30 in Seoul (14:30 UTC),
    # and one on February 1 whose first is at 00:30 in Seoul (January 31, 15:30 UTC)
    january = OutreachSessionFactory(held_on=dt.date(2023, 1, 31))
    ConsultationFactory(
        held_at=seoul(2023, 1, 31, 23, 30),
        channel=Consultation.Channel.OUTREACH,
        program=program("outreach_counseling"),
        outreach_session=january,
    )
    february = OutreachSessionFactory(held_on=dt.date(2023, 2, 1))
    ConsultationFactory(
        held_at=seoul(2023, 2, 1, 0, 30),
        channel=Consultation.Channel.OUTREACH,
        program=program("outreach_counseling"),
        outreach_session=february,
    )

    # then each session and its consultation count in their own Seoul month
    assert metrics.month_values("outreach_sessions", 2023, 1) == (1, 1)
    assert metrics.month_values("outreach_sessions", 2023, 2) == (1, 2)
    assert metrics.month_values("outreach_consultations", 2023, 1) == (1, 1)
    assert metrics.month_values("outreach_consultations", 2023, 2) == (1, 2)


def test_the_new_year_starts_with_no_session_of_the_last() -> None:
    OutreachSessionFactory(held_on=dt.date(2022, 12, 31))
    OutreachSessionFactory(held_on=dt.date(2023, 1, 1))

    assert metrics.month_values("outreach_sessions", 2023, 1) == (1, 1)
    assert metrics.month_values("outreach_sessions", 2022, 12) == (1, 1)


def test_sessions_break_down_by_the_sites_region_and_rural_flag() -> None:
    # given an LH 단지 in Jeonju (a 동) and a 마을회관 in Wanju's 봉동읍 with two days
    OutreachSessionFactory(held_on=dt.date(2023, 4, 3))
    hall = rural_hall()
    OutreachSessionFactory(held_on=dt.date(2023, 4, 4), site=hall)
    OutreachSessionFactory(held_on=dt.date(2023, 4, 18), site=hall)

    by_region = metrics.month_breakdown("outreach_sessions", 2023, 4, "region")
    by_area = metrics.month_breakdown("outreach_sessions", 2023, 4, "area")

    assert by_region == {"jeonju": (1, 1), "wanju": (2, 2)}
    assert by_area == {"urban": (1, 1), "rural": (2, 2)}


def test_the_rollup_stores_sessions_for_the_unit_program_and_consultations_beside_it() -> None:
    # given the goals and, in May, one day with four consultations and one with two
    goals_load()
    consultations_at(OutreachSessionFactory(held_on=dt.date(2023, 5, 10)), 4)
    consultations_at(OutreachSessionFactory(held_on=dt.date(2023, 5, 24), site=rural_hall()), 2)

    # when May is rolled up
    rollup_month(year=2023, month=5)

    # then 사회서비스연계 상담 (12회) is two sessions, the operational measure six consultations
    unit = UnitProgram.objects.get(indicator__goal__year=2023, name="사회서비스연계 상담")
    operational = Measure.objects.get(
        indicator__goal__year=2023, name="찾아가는 상담 건수", operational=True
    )
    sessions = Measurement.objects.get(unit_program=unit, year=2023, month=5)
    consultations = Measurement.objects.get(measure=operational, year=2023, month=5)
    assert (sessions.value, sessions.ytd_value) == (Decimal(2), Decimal(2))
    assert (consultations.value, consultations.ytd_value) == (Decimal(6), Decimal(6))
    area = dict(sessions.breakdowns.filter(dimension="area").values_list("key", "value"))
    assert area == {"rural": Decimal(1), "urban": Decimal(1)}

    # and the goal tracker shows both figures: the unit program's row and the operations table
    desk = Client()
    desk.force_login(UserFactory(username="manager1", roles=["manager"]))
    page = desk.get("/kpi/", {"year": 2023}).content.decode()
    assert f'id="p-{unit.pk}"' in page
    assert f'id="m-{operational.pk}"' in page
    assert 'data-metric="outreach_consultations"' in page


def test_a_session_recorded_late_recomputes_its_open_month_and_is_listed_for_a_closed_one() -> None:
    # given the goals, March and April 2023 rolled up and March closed
    from kpi.models import LateRecord
    from kpi.rollups import late_records_recompute, month_close

    goals_load()
    rollup_month(year=2023, month=3)
    rollup_month(year=2023, month=4)
    month_close(actor=UserFactory(username="manager1", roles=["manager"]), year=2023, month=3)
    since = timezone.now()

    # when a day in April and one in March are recorded afterwards
    OutreachSessionFactory(held_on=dt.date(2023, 4, 12))
    march = OutreachSessionFactory(held_on=dt.date(2023, 3, 20))
    late_records_recompute(since=since)

    # then April counts its session (and March's in its year to date, as for late visits);
    # March stays frozen and lists the late session
    unit = UnitProgram.objects.get(indicator__goal__year=2023, name="사회서비스연계 상담")
    april = Measurement.objects.get(unit_program=unit, year=2023, month=4)
    assert (april.value, april.ytd_value) == (Decimal(1), Decimal(2))
    assert Measurement.objects.get(unit_program=unit, year=2023, month=3).value == Decimal(0)
    late = LateRecord.objects.get()
    assert (late.kind, late.object_id) == ("outreach_session", march.pk)
