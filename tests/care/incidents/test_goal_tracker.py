"""The goal tracker's incident figures (운영 지표 beside 4-1) on a hand-built 2023: incidents
counted in the Seoul month they happened, by kind, and the median hours from report to
acknowledgement (of the month, and of the year so far: never a median of medians)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from care.incidents.models import Incident
from kpi import metrics, rollups
from kpi.goals import goals_load
from kpi.models import Measure, Measurement, MeasurementBreakdown
from tests.care.incidents.factories import IncidentFactory
from tests.kpi.test_metrics import YEAR, figures, kst

pytestmark = pytest.mark.django_db

D = Decimal


def an_incident(
    occurred: datetime,
    kind: str = Incident.Kind.FALL,
    *,
    acknowledged_after: timedelta | None = None,
    reported: datetime | None = None,
) -> Incident:
    """An incident that happened at ``occurred``, reported ten minutes later, acknowledged
    ``acknowledged_after`` the report (open when None)."""
    reported = reported or occurred + timedelta(minutes=10)
    fields: dict[str, Any] = {}
    if acknowledged_after is not None:
        fields = {
            "state": Incident.State.ACKNOWLEDGED,
            "acknowledged_at": reported + acknowledged_after,
        }
    return IncidentFactory(
        kind=kind,
        recipient=None if kind == Incident.Kind.STAFF_HARM else IncidentFactory().recipient,
        occurred_at=occurred,
        reported_at=reported,
        **fields,
    )


def a_hand_built_quarter() -> None:
    """January: one fall acknowledged in 10 hours. February: none. March: a fall acknowledged
    in 1 hour, an injury in 2 hours, suspected abuse in 4 hours, harm to a caregiver still
    open, and a fall at 23:30 KST on 31 March (14:30 UTC, still March in Seoul) acknowledged
    in 30 minutes."""
    an_incident(kst(1, 20), acknowledged_after=timedelta(hours=10))
    an_incident(kst(3, 2), acknowledged_after=timedelta(hours=1))
    an_incident(kst(3, 5), Incident.Kind.INJURY, acknowledged_after=timedelta(hours=2))
    an_incident(kst(3, 9), Incident.Kind.SUSPECTED_ABUSE, acknowledged_after=timedelta(hours=4))
    an_incident(kst(3, 12), Incident.Kind.STAFF_HARM)
    late_night = datetime(2023, 3, 31, 14, 30, tzinfo=UTC)
    an_incident(late_night, acknowledged_after=timedelta(minutes=30), reported=late_night)


def test_incidents_count_in_the_seoul_month_they_happened() -> None:
    # given the hand-built quarter (the fake factory recipients' incidents are the only rows)
    a_hand_built_quarter()

    # when the metric is read for January to March
    monthly, ytd = figures("incidents", 3)

    # then January 1, February 0, March 5 (the 23:30 KST one included)
    assert monthly == [1, 0, 5]
    assert ytd == [1, 1, 6]


def test_incidents_break_down_by_kind() -> None:
    a_hand_built_quarter()

    march = metrics.month_figures("incidents", YEAR, 3)

    assert march[("reason", "fall")] == (2, 3)
    assert march[("reason", "injury")] == (1, 1)
    assert march[("reason", "suspected_abuse")] == (1, 1)
    assert march[("reason", "staff_harm")] == (1, 1)


def test_median_hours_to_acknowledge_of_the_month_and_of_the_year_so_far() -> None:
    a_hand_built_quarter()

    monthly, ytd = figures("incident_hours_to_acknowledge", 3)

    # March: 0.5, 1, 2, 4 hours → (1 + 2) / 2 = 1.5; the open one has no time yet.
    # Year to March: 0.5, 1, 2, 4, 10 → 2 (not the median of January's 10 and March's 1.5).
    assert monthly == [D("10.0"), None, D("1.5")]
    assert ytd == [D("10.0"), D("10.0"), D("2.0")]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="compares with percentile_cont")
def test_the_portable_median_agrees_with_percentile_cont() -> None:
    a_hand_built_quarter()
    metric = metrics.METRICS["incident_hours_to_acknowledge"]

    by_postgres = metrics.year_figures(metric.code, YEAR, 3)
    by_rows = metrics._median_figures(metric, YEAR, 3, portable=True)

    assert by_rows == by_postgres


def test_the_monthly_rollup_stores_the_incident_measures_beside_4_1() -> None:
    # given the goals (operational measures loaded) and the quarter
    goals_load()
    a_hand_built_quarter()

    # when March is rolled up
    rollups.rollup_month(year=YEAR, month=3)

    # then both measures are stored, operational, with the kinds as breakdown
    stored = {
        row.measure.metric: (row.value, row.ytd_value)
        for row in Measurement.objects.filter(
            year=YEAR, month=3, measure__metric__in=["incidents", "incident_hours_to_acknowledge"]
        ).select_related("measure")
    }
    assert stored == {
        "incidents": (D(5), D(6)),
        "incident_hours_to_acknowledge": (D("1.5"), D("2.0")),
    }
    assert Measure.objects.get(metric="incidents").operational
    kinds = MeasurementBreakdown.objects.filter(
        measurement__measure__metric="incidents", measurement__month=3, dimension="reason"
    ).values_list("key", "value", "ytd_value")
    assert ("fall", D(2), D(3)) in set(kinds)
