"""The year report's body is kept per process under the version of the report's rows
(``kpi.selectors.year_report_body``, kpi 0012): a read after a write to any of those rows shows
the write, a second read of unchanged rows runs only the version's query, and a write rolled
back leaves nothing behind."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from types import NoneType
from typing import Any
from uuid import uuid4

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from rest_framework.renderers import JSONRenderer

from care.models import Visit
from kpi import selectors
from kpi.goals import goals_load
from kpi.metrics import SEOUL
from kpi.models import (
    Indicator,
    Measure,
    Measurement,
    MeasureTarget,
    ReportVersion,
    StrategicGoal,
    UnitProgram,
    UnitProgramTarget,
)
from kpi.report import year_report
from kpi.rollups import manual_entry_record, rollup_month
from kpi.selectors import report_version, year_report_body
from kpi.serializers import year_report_data
from tests.factories import CorpsMemberFactory, RecipientFactory, UserFactory, episode_of, program

pytestmark = pytest.mark.django_db

REPORT = "/api/v1/kpi/report/"

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the version's triggers are PostgreSQL's (kpi 0012); SQLite computes every read",
)


def _visit(when: datetime) -> None:
    member, recipient = CorpsMemberFactory(), RecipientFactory()
    Visit.objects.create(
        client_uuid=uuid4(),
        recipient=recipient,
        corps_member=member,
        episode=episode_of(recipient, program=program("emergency_care")),
        program=program("emergency_care"),
        started_at=when,
        ended_at=when.replace(hour=when.hour + 1),
    )


def _manual_measure() -> Measure:
    return Measure.objects.get(indicator__goal__year=2023, name="지원사업 횟수")


@pytest.fixture(autouse=True)
def no_kept_bodies() -> Iterator[None]:
    """Each test starts with an empty store (the store is the process's, across tests)."""
    selectors._report_bodies.clear()
    yield
    selectors._report_bodies.clear()


@pytest.fixture
def year_with_figures(db: None) -> None:
    """The goals, a month of rolled-up visits and a measure's manual entry."""
    goals_load()
    _visit(datetime(2023, 1, 10, 10, tzinfo=SEOUL))
    rollup_month(year=2023, month=1)
    _record_a_manual_entry(Decimal("5"), "모니터링 결과보고")


def _fresh(year: int = 2023, language: str = "ko") -> dict[str, Any]:
    """The body computed afresh, as the API's renderer writes it."""
    with translation.override(language):
        return json.loads(JSONRenderer().render(year_report_data(year_report(year=year))))


def _without_time(body: dict[str, Any]) -> dict[str, Any]:
    """The body less ``generated_at``: the time a body was computed is not its data."""
    return {name: value for name, value in body.items() if name != "generated_at"}


def test_the_kept_body_is_the_body_computed_afresh(year_with_figures: None) -> None:
    year_report_body(year=2023, language="ko")

    kept = year_report_body(year=2023, language="ko")

    assert _without_time(kept) == _without_time(_fresh())
    assert kept["goals"], "the fixture's goals are in the report"


def _values(node: Any) -> Iterator[Any]:
    yield node
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else []
    for child in children:
        yield from _values(child)


def test_the_kept_body_holds_only_json_values_and_renders_as_a_fresh_one(
    year_with_figures: None,
) -> None:
    # kept as JSON's own values, so that a read renders without the encoder's fallback
    kept = year_report_body(year=2023, language="ko")

    assert {type(value) for value in _values(kept)} <= {dict, list, str, int, float, bool, NoneType}
    assert json.loads(JSONRenderer().render(kept)) == kept
    assert _without_time(kept) == _without_time(_fresh())


@postgresql_only
def test_a_second_read_runs_only_the_version_query(
    year_with_figures: None, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    first = year_report_body(year=2023, language="ko")

    with django_assert_max_num_queries(1):
        second = year_report_body(year=2023, language="ko")

    assert second is first


@postgresql_only
def test_the_first_read_runs_the_reports_queries(year_with_figures: None) -> None:
    with CaptureQueriesContext(connection) as queries:
        year_report_body(year=2023, language="ko")

    # the version, the plan year, the goal tree's prefetch chain, the measurements
    assert len(queries) > 5


@pytest.mark.skipif(connection.vendor == "postgresql", reason="on PostgreSQL the body is kept")
def test_on_sqlite_every_read_computes(year_with_figures: None) -> None:
    year_report_body(year=2023, language="ko")

    with CaptureQueriesContext(connection) as queries:
        year_report_body(year=2023, language="ko")

    assert len(queries) > 5
    assert len(selectors._report_bodies) == 0


# --- a write to each table the report reads ---------------------------------------------------


def _rename_goal() -> None:
    StrategicGoal.objects.filter(year=2023, number=1).update(name="바뀐 전략목표")


def _add_a_plan_year() -> None:
    # 2024's report follows the 2023 plan until a 2024 plan exists (structure_year)
    StrategicGoal.objects.create(year=2024, number=1, name="2024 전략목표")


def _rename_indicator() -> None:
    Indicator.objects.filter(goal__year=2023).filter(
        pk=Indicator.objects.filter(goal__year=2023).order_by("id").values("pk")[:1]
    ).update(name="바뀐 성과지표")


def _rename_measure() -> None:
    Measure.objects.filter(pk=_manual_measure().pk).update(name="바뀐 측정방법")


def _change_measure_target() -> None:
    target = MeasureTarget.objects.get(measure=_manual_measure(), year=2023)
    target.target = (target.target or Decimal(0)) + 7
    target.save()


def _unit_program() -> UnitProgram:
    return UnitProgram.objects.filter(indicator__goal__year=2023).order_by("id").first()


def _rename_unit_program() -> None:
    UnitProgram.objects.filter(pk=_unit_program().pk).update(note="바뀐 비고")


def _change_unit_program_target() -> None:
    program = _unit_program()
    changed = UnitProgramTarget.objects.filter(unit_program=program, year=2023).update(
        target=F("target") + 3
    )
    if not changed:
        UnitProgramTarget.objects.create(unit_program=program, year=2023, target=Decimal(3))


def _record_a_manual_entry(value: Decimal = Decimal("9.5"), evidence: str = "정정") -> None:
    # the service upserts the month's measurement and the later months' year to date
    manual_entry_record(
        actor=UserFactory(roles=["manager"]),
        measure=_manual_measure(),
        year=2023,
        month=1,
        value=value,
        evidence=evidence,
    )


def _roll_up_a_new_month() -> None:
    _visit(datetime(2023, 2, 3, 10, tzinfo=SEOUL))
    rollup_month(year=2023, month=2)


def _delete_measurements() -> None:
    Measurement.objects.filter(measure=_manual_measure()).delete()


def _truncate_measurements() -> None:
    with connection.cursor() as cursor:
        # the test's transaction holds deferred foreign key checks, which TRUNCATE refuses
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {Measurement._meta.db_table} CASCADE")


WRITES: dict[str, tuple[Callable[[], None], int]] = {
    "a goal renamed": (_rename_goal, 2023),
    "a later plan year's goal added": (_add_a_plan_year, 2024),
    "an indicator renamed": (_rename_indicator, 2023),
    "a measure renamed": (_rename_measure, 2023),
    "a measure's target changed": (_change_measure_target, 2023),
    "a unit program's note changed": (_rename_unit_program, 2023),
    "a unit program's target changed": (_change_unit_program_target, 2023),
    "a manual entry recorded": (_record_a_manual_entry, 2023),
    "a new month rolled up": (_roll_up_a_new_month, 2023),
    "measurements deleted": (_delete_measurements, 2023),
    "measurements truncated": (_truncate_measurements, 2023),
}


@postgresql_only
@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_a_write_to_any_of_the_reports_tables_changes_the_version_and_the_next_read_shows_it(
    year_with_figures: None, write: tuple[Callable[[], None], int]
) -> None:
    change, year = write
    before = year_report_body(year=year, language="ko")
    version = report_version()

    change()

    assert report_version() != version
    after = year_report_body(year=year, language="ko")
    assert _without_time(after) != _without_time(before)
    assert _without_time(after) == _without_time(_fresh(year))


@postgresql_only
def test_a_write_rolled_back_leaves_the_version_and_the_kept_body(
    year_with_figures: None, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    kept = year_report_body(year=2023, language="ko")
    version = report_version()

    with pytest.raises(RuntimeError), transaction.atomic():
        _rename_goal()
        assert report_version() != version
        raise RuntimeError("rolled back")

    assert report_version() == version
    with django_assert_max_num_queries(1):
        assert year_report_body(year=2023, language="ko") is kept


@postgresql_only
def test_a_body_read_inside_a_write_rolled_back_is_never_served_afterwards(
    year_with_figures: None,
) -> None:
    # a version is used once, even by a write that rolls back (kpi 0012: nextval, not n + 1)
    with pytest.raises(RuntimeError), transaction.atomic():
        StrategicGoal.objects.filter(year=2023, number=1).update(name="되돌린 전략목표")
        assert year_report_body(year=2023, language="ko")["goals"][0]["name"] == "되돌린 전략목표"
        raise RuntimeError("rolled back")

    StrategicGoal.objects.filter(year=2023, number=1).update(name="남은 전략목표")

    assert year_report_body(year=2023, language="ko")["goals"][0]["name"] == "남은 전략목표"


@postgresql_only
def test_without_the_version_row_every_read_computes_until_the_next_write_puts_it_back(
    year_with_figures: None,
) -> None:
    # a flush empties kpi_reportversion (a TRUNCATE of every table)
    ReportVersion.objects.all().delete()
    year_report_body(year=2023, language="ko")
    assert len(selectors._report_bodies) == 0

    _rename_goal()

    assert report_version() is not None
    year_report_body(year=2023, language="ko")
    assert len(selectors._report_bodies) == 1


@postgresql_only
def test_korean_and_english_bodies_are_kept_apart(
    year_with_figures: None, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    year_report_body(year=2023, language="ko")

    with CaptureQueriesContext(connection) as queries:
        english = year_report_body(year=2023, language="en")

    assert len(queries) > 1, "the English body was computed, not taken from the Korean one"
    assert _without_time(english) == _without_time(_fresh(language="en"))
    with django_assert_max_num_queries(1):
        assert year_report_body(year=2023, language="en") is english
    assert len(selectors._report_bodies) == 2


@postgresql_only
def test_a_body_is_kept_per_time_zone_which_its_generated_at_is_shown_in(
    year_with_figures: None,
) -> None:
    seoul = year_report_body(year=2023, language="ko")

    with timezone.override("UTC"):
        utc = year_report_body(year=2023, language="ko")

    assert utc is not seoul
    assert utc["generated_at"].endswith("Z")
    assert seoul["generated_at"].endswith("+09:00")


def test_the_store_keeps_the_latest_used_bodies() -> None:
    store = selectors._Bodies(2)
    keys = [("default", "db", 1, "Asia/Seoul", year, "ko") for year in (2022, 2023, 2024)]
    store.put(keys[0], {"year": 2022})
    store.put(keys[1], {"year": 2023})
    assert store.get(keys[0]) == {"year": 2022}  # 2023 is now the least recently used

    store.put(keys[2], {"year": 2024})

    assert store.get(keys[1]) is None
    assert store.get(keys[0]) == {"year": 2022}
    assert len(store) == 2


# --- through the API --------------------------------------------------------------------------


def test_the_api_serves_the_kept_body_and_a_write_shows_in_the_next_response(
    year_with_figures: None, manager_api: Any
) -> None:
    first = manager_api.get(REPORT, {"year": 2023})
    second = manager_api.get(REPORT, {"year": 2023})
    _rename_goal()
    third = manager_api.get(REPORT, {"year": 2023})

    assert first.status_code == second.status_code == third.status_code == 200
    assert _without_time(second.json()) == _without_time(first.json())
    if connection.vendor == "postgresql":  # the same kept body, computed once
        assert second.json()["generated_at"] == first.json()["generated_at"]
    assert third.json()["goals"][0]["name"] == "바뀐 전략목표"
    assert _without_time(third.json()) == _without_time(json.loads(JSONRenderer().render(_fresh())))


def test_a_non_manager_is_refused_before_any_body_is_kept(
    year_with_figures: None, counselor_api: Any
) -> None:
    response = counselor_api.get(REPORT, {"year": 2023})

    assert response.status_code == 403
    assert len(selectors._report_bodies) == 0


@pytest.mark.parametrize("year", ["", "abc", "1800", "3000"])
def test_a_bad_year_is_refused_before_any_body_is_kept(
    year_with_figures: None, manager_api: Any, year: str
) -> None:
    response = manager_api.get(REPORT, {"year": year})

    assert response.status_code == 400
    assert "year" in response.json()
    assert len(selectors._report_bodies) == 0
