"""Rollup runs under faults: a broker that is down, a worker that dies.

- Requested while Redis is down, a run is stored as queued and the request answers at once
  (the publish gives up within about a second); ``rollup_runs_send_unsent`` (beat, every
  minute) sends runs whose message never left.
- A running rollup beats (``heartbeat_at``) every ``KPI_ROLLUP_HEARTBEAT_SECONDS`` from a
  thread of its own; ``rollup_runs_recover_lost`` (beat) marks a run silent for
  ``KPI_ROLLUP_LOST_AFTER_SECONDS`` lost and queues a new run of the same month. A rollup
  recomputes the month from the records, so the figures come out identical.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from kpi.models import RollupRun

logger = logging.getLogger(__name__)

# A run requested less than this long ago may still be on its way (on_commit).
UNSENT_AFTER = timedelta(seconds=30)


def rollup_run_send(run_id: int) -> bool:
    """Hand a committed run to the broker; on failure it stays queued, unsent, for the beat."""
    from kpi.tasks import rollup_month

    try:
        rollup_month.delay(run_id)
    except Exception:
        logger.warning("broker unavailable: rollup run %s stays queued", run_id, exc_info=True)
        return False
    RollupRun.objects.filter(pk=run_id, sent_at__isnull=True).update(sent_at=timezone.now())
    return True


def rollup_run_queue(run: RollupRun) -> None:
    """Send the run once the caller's transaction commits (the worker reads its row)."""
    transaction.on_commit(partial(rollup_run_send, run.pk))


def rollup_runs_send_unsent() -> int:
    """Send the queued runs whose message never left (the broker was down). Returns how many
    went; the rest wait for the next beat."""
    cutoff = timezone.now() - UNSENT_AFTER
    waiting = RollupRun.objects.filter(
        state=RollupRun.State.QUEUED, sent_at__isnull=True, created_at__lt=cutoff
    ).values_list("pk", flat=True)
    return sum(rollup_run_send(pk) for pk in list(waiting))


def rollup_runs_recover_lost() -> list[RollupRun]:
    """Runs silent past the limit lost their worker: each is marked lost (once: a
    conditional update) and a new run of the same month is queued in its place."""
    silent_since = timezone.now() - timedelta(seconds=settings.KPI_ROLLUP_LOST_AFTER_SECONDS)
    silent = RollupRun.objects.alias(
        last_sign=Coalesce("heartbeat_at", "started_at", "created_at")
    ).filter(state=RollupRun.State.RUNNING, last_sign__lt=silent_since)
    retries = []
    for run in list(silent):
        with transaction.atomic():
            marked = (
                RollupRun.objects.filter(pk=run.pk, state=RollupRun.State.RUNNING)
                .filter(Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=silent_since))
                .update(
                    state=RollupRun.State.LOST,
                    finished_at=timezone.now(),
                    error="worker went silent; run again",
                )
            )
            if not marked:
                continue  # it beat again in the meantime, or another sweep took it
            retry = RollupRun.objects.create(
                year=run.year,
                month=run.month,
                trigger=run.trigger,
                requested_by_id=run.requested_by_id,
                retry_of=run,
            )
            rollup_run_queue(retry)
            retries.append(retry)
    return retries


def _beat(run_id: int, stop: threading.Event) -> None:
    try:
        while not stop.wait(settings.KPI_ROLLUP_HEARTBEAT_SECONDS):
            RollupRun.objects.filter(pk=run_id, state=RollupRun.State.RUNNING).update(
                heartbeat_at=timezone.now()
            )
    finally:
        connections.close_all()


@contextmanager
def heartbeat(run_id: int) -> Iterator[None]:
    """Beat for a run while the block runs. On PostgreSQL only: the beat writes from a
    connection of its own, which SQLite's single writer would make wait for the rollup."""
    if connection.vendor != "postgresql":
        yield
        return
    stop = threading.Event()
    thread = threading.Thread(target=_beat, args=(run_id, stop), daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)
