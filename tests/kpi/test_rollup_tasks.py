"""The KPI rollup tasks (``kpi/tasks.py``) on a real Celery worker against Redis, and their
beat schedule.

The worker tests are transactional (the worker thread reads what the test committed) and skip
without REDIS_URL; the schedule tests need neither.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.utils import timezone

from config.celery import app
from kpi import rollups, tasks
from kpi.goals import goals_load
from kpi.models import Measurement, RollupRun
from tests.kpi.test_metrics import YEAR, a_consultation, a_recipient, a_visit, kst
from tests.kpi.test_operations import a_month_of_episodes, stored_operations
from tests.kpi.test_rollups import BOUND, snapshot, stored

TIMEOUT = 60


@pytest.fixture
def goals_and_reference_data(transactional_db: None) -> None:
    """The goals, on a transactional database (tests/conftest.py puts back the reference
    data that the previous transactional test's flush removed)."""
    goals_load()


def a_mixed_march() -> None:
    person = a_recipient()
    a_visit(kst(1), recipient=person)
    a_visit(kst(3, 2), recipient=person, program="rural_gap_care")
    a_visit(kst(3, 9), recipient=a_recipient("jeonju", "효자동"))
    a_visit(kst(3, 10), void=True)
    a_consultation(kst(3, 11), region_code="gunsan")
    a_consultation(kst(3, 12), "outreach_counseling")


worker = pytest.mark.usefixtures(
    "goals_and_reference_data", "redis_worker", "worker_closes_its_connection"
)


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@worker
def test_the_rollup_task_on_a_real_worker_stores_what_the_service_stores() -> None:
    # given March's data and a queued run, as the API makes it
    a_mixed_march()
    run = rollups.rollup_run_create(year=YEAR, month=3, trigger=RollupRun.Trigger.MANUAL)

    # when a worker runs the task
    state = tasks.rollup_month.delay(run.pk).get(timeout=TIMEOUT)

    # then the run succeeded and its rows are those of the service called directly
    run.refresh_from_db()
    assert state == run.state == RollupRun.State.SUCCEEDED
    assert run.finished_at is not None and run.rows > 0
    assert set(Measurement.objects.values_list("run", flat=True)) == {run.pk}
    by_worker = snapshot()
    assert stored(3)["recipients_served"] == (2, 2)
    assert stored(3)["rural_recipients_served"] == (1, 1)

    direct = rollups.rollup_month(year=YEAR, month=3)
    assert direct.rows == run.rows
    assert snapshot() == by_worker


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@worker
def test_the_operational_measures_are_rolled_up_on_a_real_worker() -> None:
    # given February's episodes, visits and schedule (tests/kpi/test_operations.py)
    a_month_of_episodes()
    run = rollups.rollup_run_create(year=YEAR, month=2, trigger=RollupRun.Trigger.MANUAL)

    # when a worker runs the month's rollup
    state = tasks.rollup_month.delay(run.pk).get(timeout=TIMEOUT)

    # then the operational measures are stored with the others, by the same counting rules
    assert state == RollupRun.State.SUCCEEDED
    by_worker = stored_operations(2)
    assert by_worker["episodes_opened"] == (2, 2)
    assert by_worker["closure_linkage_rate"] == (50, 50)
    assert by_worker["referral_to_first_visit_days"] == (3, 3)
    assert str(by_worker["delivered_hours"][1]) == "3.50"
    assert stored(2)["programs_operated"] == (1, 1)
    # and the service called directly stores the same
    rollups.rollup_month(year=YEAR, month=2)
    assert stored_operations(2) == by_worker


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@worker
def test_running_the_same_rollup_task_twice_gives_the_same_rows() -> None:
    a_mixed_march()
    run = rollups.rollup_run_create(year=YEAR, month=3, trigger=RollupRun.Trigger.MANUAL)

    first = tasks.rollup_month.delay(run.pk).get(timeout=TIMEOUT)
    rows = snapshot()
    second = tasks.rollup_month.delay(run.pk).get(timeout=TIMEOUT)

    assert first == second == RollupRun.State.SUCCEEDED
    assert snapshot() == rows
    assert Measurement.objects.filter(year=YEAR, month=3).count() == len(BOUND)
    assert RollupRun.objects.get(pk=run.pk).state == RollupRun.State.SUCCEEDED


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@worker
def test_the_monthly_task_on_a_real_worker_rolls_up_last_month() -> None:
    # given a visit last month (in Seoul time)
    year, month = rollups.previous_month()
    a_visit(kst(month, 10, year=year))

    # when the worker runs the beat's monthly task
    state = tasks.rollup_previous_month.delay().get(timeout=TIMEOUT)

    # then last month is rolled up by a scheduled run, as the service would
    run = RollupRun.objects.get()
    assert state == run.state == RollupRun.State.SUCCEEDED
    assert (run.year, run.month, run.trigger) == (year, month, RollupRun.Trigger.SCHEDULE)
    assert stored(month, year)["recipients_served"] == (1, 1)
    by_worker = snapshot(year)
    rollups.rollup_month(year=year, month=month)
    assert snapshot(year) == by_worker


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@worker
def test_the_nightly_task_on_a_real_worker_recomputes_months_touched_by_late_records() -> None:
    # given January and February rolled up, then a January visit synced late
    # (2023-01-31 23:30 KST)
    person = a_recipient()
    a_visit(kst(2), recipient=person)
    rollups.rollup_month(year=YEAR, month=1)
    rollups.rollup_month(year=YEAR, month=2)
    a_visit(datetime(2023, 1, 31, 14, 30, tzinfo=UTC), recipient=a_recipient())

    # when the worker runs the nightly task
    recomputed = tasks.recompute_late_records.delay().get(timeout=TIMEOUT)

    # then January and February were recomputed
    assert recomputed == 2
    assert stored(1)["recipients_served"] == (1, 1)
    assert stored(2)["recipients_served"] == (1, 2)
    assert set(
        RollupRun.objects.filter(trigger=RollupRun.Trigger.LATE_RECORDS).values_list(
            "month", "state"
        )
    ) == {(1, RollupRun.State.SUCCEEDED), (2, RollupRun.State.SUCCEEDED)}

    # and running it again finds nothing new, as the service itself would
    assert tasks.recompute_late_records.delay().get(timeout=TIMEOUT) == 0
    assert rollups.late_records_recompute() == []


# --- the beat schedule -----------------------------------------------------------------------


def _entry(task: str) -> crontab:
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == task]
    assert len(entries) == 1, task
    schedule = entries[0]["schedule"]
    assert isinstance(schedule, crontab)
    return schedule


def test_beat_rolls_up_the_previous_month_on_the_1st_at_0200_seoul_time() -> None:
    schedule = _entry("kpi.rollup_previous_month")

    assert settings.CELERY_TIMEZONE == app.conf.timezone == "Asia/Seoul"
    assert schedule.day_of_month == {1}
    assert schedule.hour == {2} and schedule.minute == {0}
    assert schedule.month_of_year == set(range(1, 13))
    assert schedule.day_of_week == set(range(7))


def test_beat_recomputes_late_records_every_night() -> None:
    schedule = _entry("kpi.recompute_late_records")

    assert schedule.day_of_month == set(range(1, 32))
    assert schedule.day_of_week == set(range(7))
    assert len(schedule.hour) == 1 and len(schedule.minute) == 1


def test_the_beat_entries_name_registered_tasks() -> None:
    app.loader.import_default_modules()

    assert {"kpi.rollup_month", "kpi.rollup_previous_month", "kpi.recompute_late_records"} <= set(
        app.tasks
    )
    assert tasks.rollup_previous_month.name == "kpi.rollup_previous_month"


def test_previous_month_is_taken_in_seoul_time() -> None:
    # 2023-03-01 00:30 KST is still February 28 in UTC: the previous month is February
    assert rollups.previous_month(datetime(2023, 2, 28, 15, 30, tzinfo=UTC)) == (2023, 2)
    # 2023-02-28 23:30 KST: the previous month is January
    assert rollups.previous_month(datetime(2023, 2, 28, 14, 30, tzinfo=UTC)) == (2023, 1)
    # and January's previous month is last year's December
    assert rollups.previous_month(timezone.make_aware(datetime(2024, 1, 1, 2, 0))) == (2023, 12)
