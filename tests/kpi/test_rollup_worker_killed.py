"""A real worker, a separate OS process, is killed (``kill -9`` of its main process) in the
middle of a month's rollup; a second worker and the beat's recovery run the month again, and
every stored figure equals the rollup done without faults (issue 10, item 15).

The rollup is caught mid-way without any test-only hook in the code: the test holds row locks
on the month's stored figures, as a concurrent transaction would, so the worker's run has
started, computed the month and is blocked writing it when the kill comes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
import redis
from django.conf import settings
from django.db import connection

from kpi import rollups, tasks
from kpi.models import Measurement, RollupRun
from tests.kpi.test_metrics import YEAR, a_consultation, a_recipient, a_visit, kst
from tests.kpi.test_rollup_faults import PrivateRedis, broker, needs_redis
from tests.kpi.test_rollup_tasks import goals_and_reference_data  # noqa: F401
from tests.kpi.test_rollups import snapshot

ROOT = Path(__file__).resolve().parents[2]
MONTH = 3
# The worker's heartbeat and the recovery's silence limit, shortened for the test (the
# deployment's defaults are 15 s and 3 minutes).
HEARTBEAT_SECONDS = 1
LOST_AFTER_SECONDS = 3
WAIT = 45


def database_url(settings_dict: dict[str, Any]) -> str:
    """The URL of the test database pytest-django created (``test_<NAME>``)."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{settings_dict['NAME']}"


class Worker:
    """``celery -A config worker`` as the deployment runs it (prefork pool, late
    acknowledgement), one slot, against the test database and a private Redis."""

    def __init__(self, name: str, redis_url: str, log_dir: Path) -> None:
        environment = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DJANGO_SETTINGS_MODULE", "CACHE_URL"}
        }
        environment.update(
            DJANGO_SETTINGS_MODULE="tests.settings",
            DATABASE_URL=database_url(connection.settings_dict),
            REDIS_URL=redis_url,
            KPI_ROLLUP_HEARTBEAT_SECONDS=str(HEARTBEAT_SECONDS),
            KPI_ROLLUP_LOST_AFTER_SECONDS=str(LOST_AFTER_SECONDS),
            PYTHONPATH=str(ROOT),
        )
        self.log = log_dir / f"{name}.log"
        command = [
            sys.executable, "-m", "celery", "-A", "config", "worker",
            "--pool", "prefork", "--concurrency", "1", "--loglevel", "info",
            "--hostname", f"{name}@%h", "--without-mingle", "--without-gossip",
        ]  # fmt: skip
        with self.log.open("wb") as log:
            # A session of its own, so that the clean-up can end the pool's child too.
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def pool_children(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except FileNotFoundError:
            return []

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def wait_for(condition: Any, what: str, worker: Worker, seconds: float = WAIT) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        if worker.process.poll() is not None:
            pytest.fail(f"the worker exited while waiting for {what}:\n{worker.tail()}")
        time.sleep(0.1)
    pytest.fail(f"no {what} within {seconds} s; the worker's log:\n{worker.tail()}")


def alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in status


def waiting_on_a_lock(run: RollupRun) -> bool:
    """The run is ``running`` and its worker's database session waits for a row lock: it has
    computed the month and is replacing the stored figures."""
    run.refresh_from_db()
    if run.state != RollupRun.State.RUNNING:
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query LIKE 'DELETE FROM \"kpi_measurement\"%'"
        )
        return cursor.fetchone()[0] > 0


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    try:
        with broker(server.url):
            yield server
    finally:
        server.stop()


@pytest.fixture
def workers(private_redis: PrivateRedis, tmp_path: Path) -> Iterator[list[Worker]]:
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.stop()


def a_busy_march() -> None:
    """March of a small service: visits in both programs, urban and rural, a void one, and
    consultations."""
    people = [a_recipient(), a_recipient("jeonju", "효자동"), a_recipient("gunsan", "옥구읍")]
    for day in range(1, 29):
        person = people[day % len(people)]
        a_visit(kst(MONTH, day), recipient=person)
        a_visit(kst(MONTH, day, 15), recipient=person, program="rural_gap_care")
    a_visit(kst(MONTH, 10), void=True)
    a_consultation(kst(MONTH, 11), region_code="gunsan")
    a_consultation(kst(MONTH, 12))


@needs_redis
@pytest.mark.slow
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("goals_and_reference_data")
def test_a_worker_killed_mid_rollup_is_recovered_by_another_with_identical_figures(
    private_redis: PrivateRedis, workers: list[Worker], tmp_path: Path
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the worker process shares the test's database: PostgreSQL")
    a_busy_march()
    without_faults = rollups.rollup_month(year=YEAR, month=MONTH)
    figures = snapshot()
    assert without_faults.rows > 0 and figures

    # A concurrent transaction holds the month's stored figures: the worker's run will compute
    # the month and then wait to replace them.
    holder = psycopg.connect(**connection.get_connection_params())
    try:
        holder.execute(
            "SELECT id FROM kpi_measurement WHERE year = %s AND month = %s FOR UPDATE",
            (YEAR, MONTH),
        ).fetchall()
        first = Worker("first", private_redis.url, tmp_path)
        workers.append(first)
        run = tasks.rollup_request(year=YEAR, month=MONTH)
        wait_for(lambda: waiting_on_a_lock(run), "run blocked mid-write", first)
        # the run's heartbeat thread was alive in the worker
        wait_for(
            lambda: RollupRun.objects.filter(pk=run.pk, heartbeat_at__gt=run.started_at).exists(),
            "heartbeat",
            first,
        )
        children = first.pool_children
        assert children, "a prefork worker runs its tasks in a child process"

        first.process.send_signal(signal.SIGKILL)
        first.process.wait(timeout=10)
        # the pool's child dies with its parent (Celery sets the parent-death signal)
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(alive(pid) for pid in children)
    finally:
        holder.rollback()
        holder.close()

    run.refresh_from_db()
    assert run.state == RollupRun.State.RUNNING, "nothing is left to say the run ended"
    # Late acknowledgement: the message was taken but never acknowledged, so Redis keeps it
    # (redelivered after the visibility timeout) instead of losing it with the worker.
    assert redis.Redis.from_url(private_redis.url).hlen("unacked") == 1
    # The dead worker's transaction is rolled back: the figures are those of before.
    assert snapshot() == figures

    second = Worker("second", private_redis.url, tmp_path)
    workers.append(second)
    # the beat's recovery, once the run has been silent past the (shortened) limit
    time.sleep(LOST_AFTER_SECONDS + HEARTBEAT_SECONDS)
    tasks.recover_lost_rollups.delay()
    retry = wait_for(
        lambda: RollupRun.objects.filter(
            retry_of=run, state__in=[RollupRun.State.SUCCEEDED, RollupRun.State.FAILED]
        ).first(),
        "retried run finished",
        second,
    )

    run.refresh_from_db()
    assert run.state == RollupRun.State.LOST
    assert (retry.state, retry.year, retry.month) == (RollupRun.State.SUCCEEDED, YEAR, MONTH)
    assert retry.rows == without_faults.rows
    # every stored row of the month was written again, by the retry, with the same figures
    assert set(
        Measurement.objects.filter(year=YEAR, month=MONTH, source=Measurement.Source.AUTO)
        .values_list("run_id", flat=True)
        .distinct()
    ) == {retry.pk}
    assert snapshot() == figures


def test_tasks_are_acknowledged_late_with_a_visibility_timeout_past_the_longest_task() -> None:
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    # one message at a time per slot: a dying worker holds back no other task
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    if settings.REDIS_URL:
        timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
        # The longest task, a year's rollup at ten million visits, takes about a minute; a
        # message redelivered before a lost run is noticed would only run the month again.
        assert timeout >= 10 * 60
        assert timeout > settings.KPI_ROLLUP_LOST_AFTER_SECONDS
        assert timeout > settings.NOTIFICATION_SENDING_TIMEOUT_SECONDS
