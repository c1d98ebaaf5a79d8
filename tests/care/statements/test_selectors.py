"""The statement's figures, planned vs delivered and the spend on a hand-built month."""

from __future__ import annotations

import pytest

from care.statements.selectors import (
    activity_statement,
    haversine_km,
    planned_vs_delivered,
    program_spend,
)
from tests.care.statements.conftest import (
    JEONJU_CITY_HALL,
    JEONJU_TO_WANJU_KM,
    WANJU_COUNTY_OFFICE,
    Month,
)
from tests.factories import CorpsMemberFactory


def rows_by_name(year: int = 2024, month: int = 5) -> dict:
    return {row.corps_member.name: row for row in activity_statement(year=year, month=month)}


def test_a_members_month_counts_days_visits_minutes_and_recipients(may: Month) -> None:
    kim = rows_by_name()["김영희"]

    # 2nd and 31st; four visits (void, April and June left out); 90 + 60 + 0 + 50 minutes.
    assert (kim.days_worked, kim.visits, kim.service_minutes, kim.recipients) == (2, 4, 200, 2)
    assert str(kim.service_hours) == "3.33"


def test_a_visit_at_2330_on_the_last_day_counts_in_that_month_and_0010_in_the_next(
    may: Month,
) -> None:
    june = rows_by_name(month=6)["김영희"]

    assert (june.visits, june.service_minutes, june.days_worked) == (1, 30, 1)
    assert rows_by_name(month=4)["김영희"].visits == 1


def test_a_void_visit_never_counts(may: Month) -> None:
    kim = rows_by_name()["김영희"]

    assert may.third.pk not in {may.first.pk, may.second.pk}
    assert kim.recipients == 2  # the void visit was the only one to the third person


def test_a_visit_without_check_out_counts_zero_minutes_and_is_flagged(may: Month) -> None:
    kim = rows_by_name()["김영희"]

    assert kim.visits_without_checkout == 1
    assert kim.service_minutes == 200


def test_travel_is_the_straight_line_between_consecutive_located_visits_of_a_day(
    may: Month,
) -> None:
    kim, lee = rows_by_name()["김영희"], rows_by_name()["이순자"]

    # 전주시청 → 완주군청 on the 2nd; the third visit has no position, the 31st is alone.
    assert abs(kim.travel_km - JEONJU_TO_WANJU_KM) < 0.5
    assert kim.travel_km == pytest.approx(
        haversine_km(*JEONJU_CITY_HALL, *WANJU_COUNTY_OFFICE), abs=0.01
    )
    assert lee.travel_km == 0


def test_unscheduled_and_missed_visits_are_counted_per_member(may: Month) -> None:
    rows = rows_by_name()

    # 김영희: the morning visit matched its schedule, three did not; one missed in May.
    assert (rows["김영희"].unscheduled_visits, rows["김영희"].missed_visits) == (3, 1)
    assert (rows["이순자"].unscheduled_visits, rows["이순자"].missed_visits) == (1, 1)


def test_named_members_get_a_row_even_without_activity(may: Month) -> None:
    idle = CorpsMemberFactory(name="박정숙")

    rows = activity_statement(year=2024, month=5, corps_member_ids=[idle.pk, may.lee.pk])

    assert [(row.corps_member.name, row.visits) for row in rows] == [("박정숙", 0), ("이순자", 1)]


def test_planned_vs_delivered_per_episode_and_month_leaves_cancelled_out(may: Month) -> None:
    rows = planned_vs_delivered(episode_ids=[may.first_episode.pk], year=2024)

    # May: 90 (done) + 60 (missed) planned, the cancelled one not; 90 + 0 delivered.
    # June: 60 planned (missed on the 3rd); 30 delivered at 00:10 on the 1st.
    assert [(r.month, r.planned_minutes, r.delivered_minutes) for r in rows] == [
        (5, 150, 90),
        (6, 60, 30),
    ]
    assert rows[0].delivered_percent == 60


def test_planned_vs_delivered_of_all_episodes_for_one_month(may: Month) -> None:
    (row,) = planned_vs_delivered(year=2024, month=5, per_episode=False)

    assert row.episode_id is None
    assert (row.planned_minutes, row.delivered_minutes) == (90 + 60 + 60, 200 + 45)


def test_spend_is_hours_times_unit_cost_split_by_each_episodes_share(may: Month) -> None:
    (line,) = [
        row for row in program_spend(year=2024, month=5) if row.program.code == "emergency_care"
    ]

    # May: 90 minutes at 70 % 국비 (the first episode's snapshot) and 155 at the program's 50 %.
    assert line.month.minutes == 245
    assert line.month.spend_won == 61_250  # 245 / 60 × 15,000
    assert line.month.national_won == 15_750 + 19_375
    assert line.month.provincial_won == 61_250 - 35_125
    # The year to date adds April's 60 minutes (50 %).
    assert (line.year_to_date.minutes, line.year_to_date.spend_won) == (305, 76_250)
    assert line.year_to_date.national_won == 35_125 + 7_500
    assert line.budget_won == 80_000_000
    assert line.budget_remaining_won == 80_000_000 - 76_250
    assert line.budget_used_percent == 0
