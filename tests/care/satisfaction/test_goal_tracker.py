"""The goal tracker's satisfaction score (운영 지표 beside 4-1): the mean overall score (0–100
점) of the responses answered in the period; the year to date is the mean of the year's
responses, never the mean of the months' means."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from kpi import metrics, rollups
from kpi.goals import goals_load
from kpi.models import Measure, Measurement
from tests.care.satisfaction.factories import a_response, closed_episode
from tests.factories import UserFactory
from tests.kpi.test_metrics import figures

pytestmark = pytest.mark.django_db

D = Decimal


def a_hand_built_quarter() -> None:
    """January: one response, all 5 (100점). February: three, all 3, all 4 and all 2 (50, 75
    and 25점). March: none. One answered on 2022-12-31, outside the year."""
    a_response(closed_episode(), 5, 5, 5, 5, 5, answered_on=dt.date(2023, 1, 31))
    for score in (3, 4, 2):
        a_response(closed_episode(), *[score] * 5, answered_on=dt.date(2023, 2, 14))
    a_response(closed_episode(), 1, 1, 1, 1, 1, answered_on=dt.date(2022, 12, 31))


def test_the_satisfaction_score_is_the_mean_of_the_months_responses() -> None:
    a_hand_built_quarter()

    monthly, ytd = figures("satisfaction_score", 3)

    assert monthly == [D("100.0"), D("50.0"), None]
    # the year to date is (100 + 50 + 75 + 25) ÷ 4 = 62.5, not the months' (100 + 50) ÷ 2
    assert ytd == [D("100.0"), D("62.5"), D("62.5")]


def test_a_response_without_an_overall_score_is_not_counted_in_the_mean() -> None:
    # given a response of 75점 and one without an overall score (as a questionnaire without
    # scored questions would leave it)
    a_response(closed_episode(), 4, 4, 4, 4, 4, answered_on=dt.date(2023, 1, 5))
    empty = a_response(closed_episode(), answered_on=dt.date(2023, 1, 6))
    type(empty).objects.filter(pk=empty.pk).update(overall_score=None)

    assert metrics.month_values("satisfaction_score", 2023, 1) == (D("75.0"), D("75.0"))


def test_the_satisfaction_score_is_an_operational_measure_beside_4_1_in_points() -> None:
    goals_load()

    measure = Measure.objects.get(metric="satisfaction_score")

    assert measure.operational and measure.unit == "점"
    assert measure.indicator.code == "4-1" and not measure.targets.exists()


def test_last_months_satisfaction_results_show_on_the_goal_tracker_after_the_rollup() -> None:
    # given last month's two phone surveys (90 and 70점 → 80점)
    year, month = rollups.previous_month()
    day = dt.date(year, month, 10)
    a_response(closed_episode(closed_on=day), 5, 5, 5, 5, 3, answered_on=day)  # 90
    a_response(closed_episode(closed_on=day), 4, 4, 4, 4, 3, answered_on=day)  # 70
    goals_load()

    # when the month is rolled up
    rollups.rollup_month(year=year, month=month)

    # then the figure is stored, and the manager's goal tracker shows it beside 4-1
    stored = Measurement.objects.get(measure__metric="satisfaction_score", year=year, month=month)
    assert stored.value == D("80.0")
    desk = Client()
    desk.force_login(UserFactory(roles=["manager"]))
    page = desk.get("/kpi/", {"year": year}).content.decode()
    section = page[page.index('id="operations"') :]
    section = section[: section.index("</section>")]
    row = section[section.index('data-metric="satisfaction_score"') :]
    row = row[: row.index("</tr>")]
    assert "이용자 만족도" in row and "80점" in row


def test_a_survey_recorded_late_is_picked_up_by_the_nightly_recompute() -> None:
    # given last month rolled up with one survey (100점)
    year, month = rollups.previous_month()
    day = dt.date(year, month, 3)
    a_response(closed_episode(closed_on=day), 5, 5, 5, 5, 5, answered_on=day)
    goals_load()
    rollups.rollup_month(year=year, month=month)
    since = timezone.now()

    # when a survey answered that month is typed in today (50점) and the night comes
    a_response(closed_episode(closed_on=day), 3, 3, 3, 3, 3, answered_on=day)
    rollups.late_records_recompute(since=since)

    # then the month's figure counts it
    stored = Measurement.objects.get(measure__metric="satisfaction_score", year=year, month=month)
    assert stored.value == D("75.0")


def test_rollup_kpis_last_month_rolls_up_the_month_before_today() -> None:
    # given last month's survey (make demo runs this command after loading the demo)
    year, month = rollups.previous_month()
    day = dt.date(year, month, 1)
    a_response(closed_episode(closed_on=day), 4, 4, 4, 4, 4, answered_on=day)
    goals_load()

    call_command("rollup_kpis", "--last-month", stdout=StringIO())

    stored = Measurement.objects.get(measure__metric="satisfaction_score", year=year, month=month)
    assert stored.value == D("75.0")
