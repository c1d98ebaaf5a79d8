"""The kinds of kpi/metrics.py whose year to date is not made of the months' figures (ratio,
mean, median, groups) and the entry points that read several metrics at once, at the edges
the older tests did not reach. Written against the survivors of `make mutation-postgres`
(docs/testing.md); every figure is the one a reader of the goal tracker would expect."""

from __future__ import annotations

import datetime as dt
from datetime import date
from decimal import Decimal

import pytest

from care.models import Episode
from kpi import metrics
from tests.care.satisfaction.factories import a_response, closed_episode
from tests.kpi.test_metrics import YEAR, a_consultation, a_visit, figures, kst
from tests.kpi.test_operations import an_episode, closed

pytestmark = pytest.mark.django_db

D = Decimal


def test_a_month_whose_only_response_has_no_score_adds_nothing_to_the_years_mean() -> None:
    # given January: one response without an overall score; February: one of 75점
    empty = a_response(closed_episode(), answered_on=dt.date(2023, 1, 6))
    type(empty).objects.filter(pk=empty.pk).update(overall_score=None)
    a_response(closed_episode(), 4, 4, 4, 4, 4, answered_on=dt.date(2023, 2, 5))

    # then January has no mean, and the year's is February's alone
    assert figures("satisfaction_score", 2) == ([None, D("75.0")], [None, D("75.0")])


def test_reading_only_metrics_outside_the_visits_gives_each_its_own_figures() -> None:
    # given episodes referred and closed, and a visit that none of the metrics read counts
    an_episode(date(2023, 1, 5), state=Episode.State.REFERRED)
    closed(date(2023, 2, 10), Episode.ClosureReason.LINKED)
    a_visit(kst(2))
    codes = {"episodes_opened", "closure_linkage_rate"}

    # then the year's and the month's readings are those of each metric alone
    assert metrics.year_all(codes, YEAR, 3) == {
        code: metrics.year_figures(code, YEAR, 3) for code in codes
    }
    assert metrics.month_all(codes, YEAR, 2) == {
        code: metrics.month_figures(code, YEAR, 2) for code in codes
    }


@pytest.mark.parametrize("code", sorted(metrics.METRICS))
def test_a_years_figures_and_series_hold_the_months_asked_for_and_no_other(code: str) -> None:
    # given a visit, a consultation program's rows and an episode in the months asked for
    a_visit(kst(2))
    closed(date(2023, 2, 10), Episode.ClosureReason.LINKED)

    # then every reading of January to March holds January to March
    assert list(metrics.year_figures(code, YEAR, 3)) == [1, 2, 3]
    series = metrics.series(code, YEAR, 3)
    assert (list(series.monthly), list(series.ytd)) == ([1, 2, 3], [1, 2, 3])
    assert list(metrics.year_all({code}, YEAR, 3)[code]) == [1, 2, 3]


def test_the_rows_of_a_consultation_metric_are_the_consultations_of_its_program() -> None:
    counted = a_consultation(kst(1), "care_info_counseling")
    a_consultation(kst(1), "outreach_counseling")

    rows = metrics._consultations("care_info_counseling")()

    assert list(rows.values_list("pk", flat=True)) == [counted.pk]
