"""kpi 0005 on a database that had the old binding: 4-1's 사회서비스연계 상담 moves from
consultations to sessions, its consultation figures stay as the operational measure beside it,
open months are recomputed as sessions and closed months stay frozen.

Transactional, like tests/care/test_migration_to_episodes.py: a migration cannot run inside
the test's transaction. tests/conftest.py puts the migrated reference data back after the flush.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from kpi.goals import goals_load
from kpi.models import Measure, Measurement, MeasurementBreakdown, Period, UnitProgram
from tests.consultations.outreach.factories import OutreachSessionFactory

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("kpi", "0004_operational_measures_and_operating_groups")
NAME = "사회서비스연계 상담"


def migrate(targets: list[tuple[str, str]]) -> None:
    MigrationExecutor(connection).migrate(targets)


@pytest.fixture
def before_rebinding() -> Iterator[None]:
    migrate([BEFORE])
    try:
        yield
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def unit_program() -> UnitProgram:
    return UnitProgram.objects.get(indicator__goal__year=2023, name=NAME)


def old_database() -> UnitProgram:
    """The goals as the release before loaded them: the unit program bound to consultations,
    no operational measure of consultations."""
    goals_load()
    Measure.objects.filter(name="찾아가는 상담 건수", operational=True).delete()
    UnitProgram.objects.filter(name=NAME).update(metric="outreach_consultations")
    return unit_program()


def stored(program: UnitProgram, month: int, value: int, ytd: int) -> Measurement:
    row = Measurement.objects.create(
        unit_program=program, year=2023, month=month, value=value, ytd_value=ytd, source="auto"
    )
    MeasurementBreakdown.objects.create(
        measurement=row, dimension="region", key="jeonju", value=value, ytd_value=ytd
    )
    return row


def test_the_migration_rebinds_keeps_the_consultations_and_recomputes_open_months(
    before_rebinding: None,
) -> None:
    # given the old binding with figures of consultations: January closed (5), February open (7)
    program = old_database()
    stored(program, 1, 5, 5)
    stored(program, 2, 7, 12)
    Period.objects.create(year=2023, month=1, computed_at=timezone.now(), closed_at=timezone.now())
    Period.objects.create(year=2023, month=2, computed_at=timezone.now())
    # and one outreach day in February (recorded before the goal tracker knew of sessions)
    OutreachSessionFactory(held_on=dt.date(2023, 2, 8))

    # when kpi 0005 runs
    migrate([("kpi", "0007_outreach_sessions")])

    # then the unit program counts sessions
    program = unit_program()
    assert program.metric == "outreach_sessions"
    # and the consultations it counted are the operational measure's, month by month
    measure = Measure.objects.get(indicator=program.indicator, name="찾아가는 상담 건수")
    assert (measure.metric, measure.operational, measure.unit) == (
        "outreach_consultations",
        True,
        "건",
    )
    copied = Measurement.objects.filter(measure=measure).order_by("month")
    assert [(r.month, r.value, r.ytd_value) for r in copied] == [
        (1, Decimal(5), Decimal(5)),
        (2, Decimal(7), Decimal(12)),
    ]
    assert copied[1].breakdowns.get(dimension="region").key == "jeonju"
    # and the open month is recomputed as one session; the closed month stays frozen
    rows = {r.month: r for r in Measurement.objects.filter(unit_program=program)}
    assert (rows[2].value, rows[2].ytd_value) == (Decimal(1), Decimal(1))
    assert set(rows[2].breakdowns.values_list("dimension", "key")) == {
        ("region", "jeonju"),
        ("area", "urban"),
    }
    assert (rows[1].value, rows[1].ytd_value) == (Decimal(5), Decimal(5))


def test_the_migration_is_safe_on_a_database_without_goals_and_a_second_load_changes_nothing(
    before_rebinding: None,
) -> None:
    # given no goals at all (a fresh database: load_goals comes later)
    assert not UnitProgram.objects.exists()

    # when kpi 0005 runs, and then the goals are loaded twice
    migrate([("kpi", "0007_outreach_sessions")])
    goals_load()
    second = goals_load()

    # then the file's binding holds and the second load changed nothing
    assert unit_program().metric == "outreach_sessions"
    assert second.created == 0 and second.updated == 0


def test_load_goals_after_the_migration_keeps_the_migrated_rows(before_rebinding: None) -> None:
    old_database()
    migrate([("kpi", "0007_outreach_sessions")])

    summary = goals_load()

    assert unit_program().metric == "outreach_sessions"
    assert Measure.objects.filter(name="찾아가는 상담 건수").count() == 1
    assert summary.created == 0 and summary.updated == 0
