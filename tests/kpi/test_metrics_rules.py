"""The counting rules of kpi/metrics.py at their edges: the first instant of a month in Seoul,
the end of the year, the last day of a month for the stock. Written against mutants the older
tests let through (docs/testing.md, `make mutation`)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from kpi import metrics
from tests.kpi.test_metrics import (
    KST,
    YEAR,
    a_consultation,
    a_member,
    a_recipient,
    a_visit,
    an_urban_recipient,
    figures,
    kst,
)

pytestmark = pytest.mark.django_db


def test_month_start_is_midnight_in_seoul_and_13_is_next_january() -> None:
    assert metrics.month_start(2023, 2) == datetime(2023, 2, 1, tzinfo=KST)
    assert metrics.month_start(2023, 13) == datetime(2024, 1, 1, tzinfo=KST)
    assert metrics.month_start(2023, 12) == datetime(2023, 12, 1, tzinfo=KST)


@pytest.mark.parametrize("code", ["visits", "recipients_served", "corps_members_served"])
def test_a_visit_at_exactly_midnight_kst_on_the_first_counts_in_that_month(code: str) -> None:
    a_visit(datetime(2023, 2, 1, 0, 0, 0, tzinfo=KST))

    assert figures(code, 3) == ([0, 1, 0], [0, 1, 1])


def test_a_visit_a_microsecond_before_midnight_on_the_first_counts_in_the_month_before() -> None:
    a_visit(datetime(2023, 2, 1, tzinfo=KST) - timedelta(microseconds=1))

    assert figures("visits", 3) == ([1, 0, 0], [1, 1, 1])


def test_a_visit_at_exactly_midnight_on_new_years_day_belongs_to_the_new_year() -> None:
    a_visit(datetime(YEAR + 1, 1, 1, tzinfo=KST))
    a_visit(datetime(YEAR, 1, 1, tzinfo=KST))

    monthly, ytd = figures("visits", 12)
    assert (monthly[0], sum(monthly), ytd[11]) == (1, 1, 1)
    assert figures("visits", 1, year=YEAR + 1) == ([1], [1])


def test_the_year_so_far_stops_at_the_month_asked_for() -> None:
    a_visit(kst(1))
    a_visit(kst(2))
    a_visit(kst(3, 1, 0, 0))

    assert figures("visits", 2) == ([1, 1], [1, 2])
    assert metrics.month_values("visits", YEAR, 3) == (1, 3)


def test_a_consultation_at_exactly_midnight_on_the_first_counts_in_that_month() -> None:
    a_consultation(datetime(2023, 3, 1, tzinfo=KST))

    assert figures("care_info_consultations", 3) == ([0, 0, 1], [0, 0, 1])


def test_a_person_first_served_in_february_adds_to_the_year_to_date_only_then() -> None:
    person = a_recipient()
    other = an_urban_recipient()
    a_visit(kst(1), recipient=person)
    a_visit(kst(2, 1, 0, 0), recipient=other)
    a_visit(kst(3), recipient=person)

    assert figures("recipients_served") == ([1, 1, 1], [1, 2, 2])


def test_delivered_hours_count_the_minutes_of_each_visit_in_its_month() -> None:
    a_visit(datetime(2023, 2, 1, tzinfo=KST), minutes=90)
    a_visit(kst(2, 10), minutes=30)
    a_visit(kst(3), minutes=None)  # never checked out: no time

    monthly, ytd = figures("delivered_hours", 3)

    assert [Decimal(v) for v in monthly] == [0, 2, 0]
    assert [Decimal(v) for v in ytd] == [0, 2, 2]


@pytest.mark.parametrize(
    ("joined", "left", "counted"),
    [
        (date(2023, 1, 31), None, True),  # joined on the month's last day
        (date(2023, 2, 1), None, False),  # the day after
        (date(2022, 1, 1), date(2023, 1, 31), False),  # left on the last day
        (date(2022, 1, 1), date(2023, 2, 1), True),  # left the day after
    ],
)
def test_the_stock_of_corps_members_is_taken_at_the_end_of_the_months_last_day(
    joined: date, left: date | None, counted: bool
) -> None:
    a_member(joined_on=joined, left_on=left)

    assert metrics.month_values("corps_members_active", YEAR, 1) == ((1, 1) if counted else (0, 0))


def test_the_stock_of_december_is_taken_on_december_31() -> None:
    a_member(joined_on=date(2023, 12, 31))
    a_member(joined_on=date(2022, 1, 1), left_on=date(2023, 12, 31))

    assert metrics.month_values("corps_members_active", YEAR, 12) == (1, 1)
    assert metrics.series("corps_members_active", YEAR, 12).ytd[12] == 1


def test_month_figures_and_year_figures_agree_on_a_midnight_visit() -> None:
    a_visit(datetime(2023, 2, 1, tzinfo=KST), recipient=a_recipient())

    month = metrics.month_figures("visits", YEAR, 2)
    year = metrics.year_figures("visits", YEAR, 2)

    assert month[metrics.TOTAL] == (1, 1)
    assert year[2][metrics.TOTAL] == (1, 1)
    assert year[1][metrics.TOTAL] == (0, 0)


def test_the_rows_of_rural_recipients_served_are_rural_gap_care_visits_to_rural_people() -> None:
    rural, urban = a_recipient(), an_urban_recipient()
    counted = a_visit(kst(1), recipient=rural, program="rural_gap_care")
    a_visit(kst(1), recipient=urban, program="rural_gap_care")
    a_visit(kst(1), recipient=a_recipient(), program="emergency_care")
    a_visit(kst(2), recipient=rural, program="rural_gap_care", void=True)

    rows = metrics.METRICS["rural_recipients_served"].source()

    assert list(rows.values_list("pk", flat=True)) == [counted.pk]
    assert figures("rural_recipients_served", 1) == ([1], [1])
