"""Reads of the goal tracker for the API, with the joins and prefetches each list needs.

Every list here runs a fixed number of queries whatever its length: nested rows come through
``prefetch_related``, never one query per goal, indicator or measure.
"""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet

from kpi.models import (
    Indicator,
    LateRecord,
    ManualEntry,
    Measure,
    Measurement,
    MeasurementBreakdown,
    MeasureTarget,
    Period,
    RollupRun,
    UnitProgram,
    UnitProgramTarget,
)


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
