"""Purging the logs past their retention (접속기록 2년 이상, 권한 변경기록 3년 이상).

The periods are settings with a floor the law sets (``ACCESS_LOG_RETENTION_YEARS`` at least
2, ``ROLE_CHANGE_RETENTION_YEARS`` at least 3; config/settings.py refuses less). The access
log is removed only through the database function of base 0003, which keeps the chain
verifiable; a plan reads the same prefix without removing anything (the dry run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from base.models import AccessLog, AccessLogPurge, RoleChangeLog
from base.services import access_log_insert
from base.validators import add_years

ACCESS_LOG_MIN_YEARS = 2
ROLE_CHANGE_MIN_YEARS = 3


def years_before(moment: datetime, years: int) -> datetime:
    """The same wall time ``years`` earlier; 29 February becomes the 28th, as in PostgreSQL."""
    return add_years(moment, -years)


@dataclass(frozen=True)
class LogPurgePlan:
    access_log_cutoff: datetime
    access_log_up_to_seq: int | None
    access_log_rows: int
    role_change_cutoff: datetime
    role_change_ids: list[int] = field(default_factory=list)


def _access_log_years() -> int:
    return max(int(settings.ACCESS_LOG_RETENTION_YEARS), ACCESS_LOG_MIN_YEARS)


def _role_change_years() -> int:
    return max(int(settings.ROLE_CHANGE_RETENTION_YEARS), ROLE_CHANGE_MIN_YEARS)


def _access_log_prefix(cutoff: datetime) -> int | None:
    """The last chain number of the prefix a purge would remove: rows before the first row
    kept, and never the newest row (the next insert chains from it)."""
    newest = AccessLog.objects.order_by("-chain_seq").values_list("chain_seq", flat=True).first()
    if newest is None:
        return None
    first_kept = (
        AccessLog.objects.filter(at__gte=cutoff)
        .order_by("chain_seq")
        .values_list("chain_seq", flat=True)
        .first()
    )
    up_to = min((first_kept or newest) - 1, newest - 1)
    return up_to if AccessLog.objects.filter(chain_seq__lte=up_to).exists() else None


def log_purge_plan(now: datetime | None = None) -> LogPurgePlan:
    """What a purge now would remove, without removing it."""
    now = now or timezone.now()
    log_cutoff = years_before(now, _access_log_years())
    up_to = _access_log_prefix(log_cutoff)
    role_cutoff = years_before(now, _role_change_years())
    return LogPurgePlan(
        access_log_cutoff=log_cutoff,
        access_log_up_to_seq=up_to,
        access_log_rows=AccessLog.objects.filter(chain_seq__lte=up_to).count() if up_to else 0,
        role_change_cutoff=role_cutoff,
        role_change_ids=list(
            RoleChangeLog.objects.filter(at__lt=role_cutoff)
            .order_by("id")
            .values_list("id", flat=True)
        ),
    )


def access_log_purge() -> int:
    """Remove the access log's rows past the retention period; the rows removed.

    On PostgreSQL only the owner's function may delete (the application's role may not), and
    it records the anchor; on SQLite the same is done here."""
    years = _access_log_years()
    connection = connections[AccessLog.objects.db]
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT care_accesslog_purge(%s)", [years])
            return int(cursor.fetchone()[0])
    with transaction.atomic():
        now = timezone.now()
        cutoff = years_before(now, years)
        up_to = _access_log_prefix(cutoff)
        if up_to is None:
            return 0
        anchor = AccessLog.objects.get(chain_seq=up_to).row_hash
        # QuerySet.delete, not the model's delete (which refuses): this is the purge.
        removed, _by_model = AccessLog.objects.filter(chain_seq__lte=up_to).delete()
        AccessLogPurge.objects.create(
            purged_at=now, cutoff=cutoff, up_to_seq=up_to, last_hash=anchor, rows_deleted=removed
        )
        access_log_insert(
            [
                AccessLog(
                    username="retention",
                    action=AccessLog.Action.DELETE,
                    subject_type="access_log",
                    subject_id=up_to,
                    subject_label=f"{removed} rows purged",
                )
            ]
        )
        return removed


def role_changes_purge() -> int:
    """Remove role changes older than the retention period; the rows removed."""
    cutoff = years_before(timezone.now(), _role_change_years())
    removed, _by_model = RoleChangeLog.objects.filter(at__lt=cutoff).delete()
    return removed
