"""The kinds of kpi/metrics.py whose year to date is not made of the months' figures (ratio,
mean, median, groups) and the entry points that read several metrics at once, at the edges
the older tests did not reach. Written against the survivors of `make mutation-postgres`
(docs/testing.md); every figure is the one a reader of the goal tracker would expect."""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from care.models import Episode, ScheduledVisit
from consultations.models import Consultation
from kpi import metrics
from kpi.goals import goals_load
from tests.care.incidents.test_goal_tracker import an_incident
from tests.care.satisfaction.factories import a_response, closed_episode
from tests.factories import UserFactory
from tests.kpi.test_metrics import YEAR, a_consultation, a_visit, figures, kst
from tests.kpi.test_operations import a_scheduled_visit, an_episode, closed

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
    # given nothing at all: every month is zero, or has no figure (a rate, a mean, a median)
    empty = metrics.year_figures(code, YEAR, 3)
    assert {figures[metrics.TOTAL] for figures in empty.values()} <= {(0, 0), (None, None)}
    assert metrics.month_figures(code, YEAR, 2) == empty[2]

    # and given a visit, a consultation program's rows and an episode in the months asked for
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


def test_a_late_visit_of_today_at_midnight_is_not_due_and_one_a_second_before_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given "now" at 10:20:30.5 KST on 15 March: a visit done on the 14th, a late one at
    # 23:59:59 on the 14th (its day is over) and a late one at 00:00:00 on the 15th (today's)
    now = datetime(2023, 3, 15, 10, 20, 30, 500000, tzinfo=metrics.SEOUL)

    class Frozen(datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> datetime:  # type: ignore[override]
            return now.astimezone(tz)

    monkeypatch.setattr(metrics, "datetime", Frozen)
    states = ScheduledVisit.State
    a_scheduled_visit(kst(3, 14), states.DONE)
    a_scheduled_visit(datetime(2023, 3, 14, 23, 59, 59, tzinfo=metrics.SEOUL), states.LATE)
    a_scheduled_visit(datetime(2023, 3, 15, tzinfo=metrics.SEOUL), states.LATE)

    # then one of the two due visits was done
    rate = metrics.month_figures("schedule_completion_rate", YEAR, 3)[metrics.TOTAL]
    assert rate == (D("50.0"), D("50.0"))


def test_distinct_persons_keyed_apart_from_the_person_count_once_per_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a metric of distinct counselors by the consultation's own 시·군 (a key that is not
    # the person's: the rows are reduced per person and key without the person's table)
    code = "counselors_consulting"
    metric = metrics.Metric(
        code,
        "상담한 상담원(실인원)",
        "distinct",
        Consultation.objects.all,
        "held_at",
        "counselor_id",
        region_field="region",
        rural_field="",
    )
    monkeypatch.setitem(metrics.METRICS, code, metric)
    one, other = UserFactory(), UserFactory()
    for at, counselor, where in [
        (kst(1), one, "wanju"),
        (kst(1, 20), one, "wanju"),
        (kst(2), one, "jeonju"),
        (kst(2), other, "wanju"),
    ]:
        Consultation.objects.filter(pk=a_consultation(at, region_code=where).pk).update(
            counselor=counselor
        )

    # then each counselor counts once in total, and once in each 시·군 they consulted in
    assert figures(code, 3) == ([1, 2, 0], [1, 2, 2])
    assert metrics.month_breakdown(code, YEAR, 2, "region") == {"wanju": (1, 2), "jeonju": (1, 1)}
    assert metrics.month_breakdown(code, YEAR, 1, "region") == {"wanju": (1, 1)}
    assert metrics.year_figures(code, YEAR, 2)[2] == metrics.month_figures(code, YEAR, 2)


def test_a_group_runs_in_the_seoul_month_of_its_consultation_and_stays_in_the_years_figure() -> (
    None
):
    # given the goals; 긴급돌봄 운영: a visit in January; 전북형 돌봄체계 추진: a consultation
    # of home environment at 23:59:59 on 31 January, one of outreach at midnight on 1 March,
    # and a rural gap care visit at midnight on 1 April, after the months asked for
    goals_load()
    a_visit(kst(1), program="emergency_care")
    a_consultation(datetime(2023, 1, 31, 23, 59, 59, tzinfo=metrics.SEOUL), "home_environment")
    a_consultation(datetime(2023, 3, 1, tzinfo=metrics.SEOUL), "outreach_counseling")
    a_visit(datetime(2023, 4, 1, tzinfo=metrics.SEOUL), program="rural_gap_care")

    # then January ran both groups, February none (both still in the year to date), March one
    assert figures("programs_operated", 3) == ([2, 0, 1], [2, 2, 2])


def test_the_days_to_a_first_visit_count_seoul_dates_even_before_9_in_the_morning() -> None:
    # given a referral on 10 January and a first visit at 08:00 KST on the 12th (23:00 UTC on
    # the 11th): two days in Seoul, where the referral date was written
    episode = an_episode(date(2023, 1, 10))
    a_visit(datetime(2023, 1, 12, 8, tzinfo=metrics.SEOUL), episode=episode)

    assert figures("referral_to_first_visit_days", 1) == ([D("2.0")], [D("2.0")])


def test_an_additive_amount_outside_the_visits_sums_its_rows_in_its_unit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a metric summing the hours from report to acknowledgement (the rows' own amount,
    # not a count): January 90 minutes and 30 minutes, March 7½ minutes (0.125 hours)
    code = "hours_to_acknowledge_total"
    metric = metrics.Metric(
        code,
        "확인까지 걸린 시간(합계)",
        "sum",
        metrics._acknowledged_incidents,
        "reported_at",
        region_field="",
        rural_field="",
        amount=metrics._microseconds_to_acknowledge,
        amount_per_unit=3600 * 1_000_000,
    )
    monkeypatch.setitem(metrics.METRICS, code, metric)
    for at, seconds in [(kst(1, 5), 5400), (kst(1, 6), 1800), (kst(3, 1), 450)]:
        an_incident(at, acknowledged_after=timedelta(seconds=seconds), reported=at)
    an_incident(kst(2, 1), reported=kst(2, 1))  # open: no time yet

    # then each month sums its own, in hours to 0.01 (a half rounded up, as on paper), and
    # the year to date adds them up
    assert figures(code, 3) == (
        [D("2.00"), D("0.00"), D("0.13")],
        [D("2.00"), D("2.00"), D("2.13")],
    )
