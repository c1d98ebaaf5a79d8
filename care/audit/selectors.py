"""One month of the access log, summed for the reviewer in a handful of set-based queries.

Months and working hours are Seoul's: a read at 23:30 KST on the 31st belongs to that month
and is outside working hours, whatever its UTC time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import CharField, Count, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import (
    Cast,
    Concat,
    ExtractHour,
    ExtractIsoWeekDay,
    TruncDate,
    TruncMinute,
)

from base.models import AccessLog, ExportPurpose
from base.roles import CAREGIVER
from care.audit.models import AccessReview
from care.models import Assignment

SEOUL = ZoneInfo(settings.TIME_ZONE)
# Working hours (업무 시간): weekdays 08:00 to 20:00, Seoul time. Caregivers visit in the
# evening too, so the window is wider than the office's.
WORK_STARTS = 8
WORK_ENDS = 20
# An export or list of more people than this in one minute is a bulk download.
BULK_PEOPLE = 50
LIST_LIMIT = 200


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    start = datetime.combine(date(year, month, 1), time.min, tzinfo=SEOUL)
    end_year, end_month = (year + 1, 1) if month == 12 else (year, month + 1)
    return start, datetime.combine(date(end_year, end_month, 1), time.min, tzinfo=SEOUL)


def month_log(year: int, month: int) -> QuerySet[AccessLog]:
    start, end = month_bounds(year, month)
    return AccessLog.objects.filter(at__gte=start, at__lt=end)


def _outside_hours() -> Q:
    return (
        Q(local_hour__lt=WORK_STARTS)
        | Q(local_hour__gte=WORK_ENDS)
        | Q(local_weekday__gte=6)  # Saturday, Sunday
    )


def _with_local_time(rows: QuerySet[AccessLog]) -> QuerySet[AccessLog]:
    return rows.annotate(
        local_hour=ExtractHour("at", tzinfo=SEOUL),
        local_weekday=ExtractIsoWeekDay("at", tzinfo=SEOUL),
    )


def readers(year: int, month: int) -> list[dict[str, Any]]:
    """Per account: rows, distinct people read, and reads outside working hours."""
    rows = _with_local_time(month_log(year, month))
    return list(
        rows.values("username")
        .annotate(
            reads=Count("id"),
            people=Count(
                Concat(
                    "subject_type",
                    Value(":"),
                    Cast("subject_id", output_field=CharField()),
                    output_field=CharField(),
                ),
                distinct=True,
            ),
            after_hours=Count("id", filter=_outside_hours()),
            exports=Count("id", filter=Q(action=AccessLog.Action.EXPORT)),
        )
        .order_by("-people", "username")
    )


def after_hours_reads(year: int, month: int) -> QuerySet[AccessLog]:
    return (
        _with_local_time(month_log(year, month))
        .filter(_outside_hours())
        .order_by("at", "id")[:LIST_LIMIT]
    )


def outside_caseload_reads(year: int, month: int) -> QuerySet[AccessLog]:
    """Caregivers' reads of recipients with no assignment to them on that (Seoul) day.

    A caregiver reaches only their own recipients; a row here is a substitute's day (allowed
    for the day covered) or something to ask about."""
    covering = Assignment.objects.filter(
        recipient_id=OuterRef("subject_id"),
        corps_member__user_id=OuterRef("user_id"),
        starts_on__lte=OuterRef("local_day"),
    ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=OuterRef("local_day")))
    return (
        month_log(year, month)
        .filter(subject_type="recipient", user__groups__name=CAREGIVER)
        .annotate(local_day=TruncDate("at", tzinfo=SEOUL))
        .filter(~Exists(covering))
        .order_by("at", "id")[:LIST_LIMIT]
    )


def bulk_downloads(year: int, month: int) -> list[dict[str, Any]]:
    """Exports, and reads of many people at once, per account, path, minute and the purpose
    given for an export (base.exports)."""
    rows = list(
        month_log(year, month)
        .annotate(minute=TruncMinute("at", tzinfo=SEOUL))
        .values("username", "path", "minute", "action", "purpose", "purpose_note")
        .annotate(people=Count("id"))
        .filter(Q(action=AccessLog.Action.EXPORT) | Q(people__gte=BULK_PEOPLE))
        .order_by("-people", "minute")[:LIST_LIMIT]
    )
    actions, purposes = dict(AccessLog.Action.choices), dict(ExportPurpose.choices)
    for row in rows:
        row["action_label"] = actions.get(row["action"], row["action"])
        row["purpose_label"] = purposes.get(row["purpose"], row["purpose"])
    return rows


@dataclass(frozen=True)
class MonthReport:
    year: int
    month: int
    total: int
    readers: list[dict[str, Any]]
    after_hours: list[AccessLog]
    outside_caseload: list[AccessLog]
    bulk: list[dict[str, Any]]
    review: AccessReview | None


def month_report(year: int, month: int) -> MonthReport:
    return MonthReport(
        year=year,
        month=month,
        total=month_log(year, month).count(),
        readers=readers(year, month),
        after_hours=list(after_hours_reads(year, month)),
        outside_caseload=list(outside_caseload_reads(year, month)),
        bulk=bulk_downloads(year, month),
        review=AccessReview.objects.select_related("reviewed_by")
        .filter(year=year, month=month)
        .first(),
    )


def reviews() -> QuerySet[AccessReview]:
    return AccessReview.objects.select_related("reviewed_by")
