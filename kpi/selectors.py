"""Reads of the goal tracker for the API, with the joins and prefetches each list needs.

Every list here runs a fixed number of queries whatever its length: nested rows come through
``prefetch_related``, never one query per goal, indicator or measure.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any

from django.core.signals import setting_changed
from django.db import connection
from django.db.models import Count, Prefetch, QuerySet
from django.dispatch import receiver
from django.utils import timezone, translation
from rest_framework.utils.encoders import JSONEncoder

from kpi.models import (
    Indicator,
    LateRecord,
    ManualEntry,
    Measure,
    Measurement,
    MeasurementBreakdown,
    MeasureTarget,
    Period,
    ReportVersion,
    RollupRun,
    UnitProgram,
    UnitProgramTarget,
)
from kpi.report import year_report
from kpi.serializers import year_report_data


def indicator_list() -> QuerySet[Indicator]:
    """Indicators with their goal, measures and unit programs, each with its targets by year."""
    return (
        Indicator.objects.select_related("goal")
        .prefetch_related(
            Prefetch(
                "measures",
                queryset=Measure.objects.order_by("sort_order", "id").prefetch_related(
                    Prefetch("targets", queryset=MeasureTarget.objects.order_by("year"))
                ),
            ),
            Prefetch(
                "unit_programs",
                queryset=UnitProgram.objects.order_by("sort_order", "id").prefetch_related(
                    Prefetch("targets", queryset=UnitProgramTarget.objects.order_by("year"))
                ),
            ),
        )
        .order_by("-goal__year", "goal__number", "sort_order", "code")
    )


def measure_target_list() -> QuerySet[MeasureTarget]:
    return MeasureTarget.objects.select_related("measure__indicator__goal").order_by(
        "-measure__indicator__goal__year",
        "measure__indicator__goal__number",
        "measure__indicator__sort_order",
        "measure__sort_order",
        "year",
    )


def unit_program_target_list() -> QuerySet[UnitProgramTarget]:
    return UnitProgramTarget.objects.select_related("unit_program__indicator__goal").order_by(
        "-unit_program__indicator__goal__year",
        "unit_program__indicator__goal__number",
        "unit_program__indicator__sort_order",
        "unit_program__sort_order",
        "year",
    )


def measurement_list() -> QuerySet[Measurement]:
    return (
        Measurement.objects.select_related(
            "measure__indicator__goal", "unit_program__indicator__goal"
        )
        .prefetch_related(
            Prefetch(
                "breakdowns",
                queryset=MeasurementBreakdown.objects.order_by("dimension", "key"),
            )
        )
        .order_by("year", "month", "measure_id", "unit_program_id", "id")
    )


def manual_entry_list() -> QuerySet[ManualEntry]:
    """Every manual entry, newest first: the history of each figure, never rewritten."""
    return ManualEntry.objects.select_related(
        "measure__indicator", "unit_program__indicator", "entered_by"
    ).order_by("-entered_at", "-id")


def rollup_run_list() -> QuerySet[RollupRun]:
    return RollupRun.objects.select_related("requested_by").order_by("-created_at", "-id")


def period_list() -> QuerySet[Period]:
    return (
        Period.objects.select_related("closed_by")
        .annotate(late_record_count=Count("late_records"))
        .order_by("-year", "-month")
    )


def late_record_list() -> QuerySet[LateRecord]:
    return LateRecord.objects.select_related("period").order_by("-found_at", "-id")


# --- the year's report, kept per process -----------------------------------------------------

# Bodies kept: a few years × two languages × the time zones in use, a few hundred KB.
REPORT_BODIES = 32

ReportKey = tuple[str, str, int, str, int, str]


class _Bodies:
    """The latest used report bodies, at most ``size``, shared by a process's threads
    (gunicorn's gthread workers): a lock around each look-up and store, never around the
    computing, so two threads may both compute a missing body and the later store wins."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._bodies: OrderedDict[ReportKey, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: ReportKey) -> dict[str, Any] | None:
        with self._lock:
            body = self._bodies.get(key)
            if body is not None:
                self._bodies.move_to_end(key)
            return body

    def put(self, key: ReportKey, body: dict[str, Any]) -> None:
        with self._lock:
            self._bodies[key] = body
            self._bodies.move_to_end(key)
            while len(self._bodies) > self._size:
                self._bodies.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._bodies.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._bodies)


_report_bodies = _Bodies(REPORT_BODIES)


def report_version() -> int | None:
    """The version of the report's rows (kpi 0012), or None where there is none to trust:
    SQLite has no triggers, and a flushed table has no row until the next write."""
    if connection.vendor != "postgresql":
        return None
    return ReportVersion.objects.filter(pk=1).values_list("n", flat=True).first()


def year_report_body(*, year: int, language: str) -> dict[str, Any]:
    """The year report's body (``year_report_data(year_report(year=year))``) in ``language``,
    computed once per version of the report's rows in each process (a manager's report costs
    ~30 ms of Python; managers read the same one again and again).

    The version is read before any of the report's rows: under READ COMMITTED every later
    query sees at least what that version stands for, so a body is never kept under a version
    older than its data (kpi 0012's docstring). The key holds the time zone, which
    ``generated_at`` is shown in, and the database, in case a process ever uses another one.
    ``generated_at`` is when the kept body was computed. The body is shared: callers must
    not change it."""
    version = report_version()
    if version is None:
        with translation.override(language):
            return _json_values(year_report_data(year_report(year=year)))
    key: ReportKey = (
        connection.alias,
        connection.settings_dict["NAME"],
        version,
        timezone.get_current_timezone_name(),
        year,
        language,
    )
    body = _report_bodies.get(key)
    if body is None:
        with translation.override(language):
            body = _json_values(year_report_data(year_report(year=year)))
        _report_bodies.put(key, body)
    return body


def _json_values(body: dict[str, Any]) -> dict[str, Any]:
    # Kept as the values its JSON holds (decimals, dates and translated labels as the API's
    # encoder writes them): each read then renders in C, without the encoder's fallback for
    # ~400 values, a third of a kept report's cost. The rendered JSON is the same.
    return json.loads(json.dumps(body, cls=JSONEncoder, ensure_ascii=False))


@receiver(setting_changed)
def _forget_report_bodies(**kwargs: Any) -> None:
    # An overridden setting (TIME_ZONE, REST_FRAMEWORK's number format…) may change a body.
    _report_bodies.clear()
