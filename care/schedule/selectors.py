"""Reads of the schedule, with the joins its pages need and the visibility rules applied."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Max, OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone

from base.models import Region, ServiceType
from care.models import Assignment, Recipient, Visit
from care.schedule.models import CarePlanEntry, ScheduledVisit
from volunteers.models import CorpsMember


@dataclass
class CaregiverDay:
    """One caregiver's day on the tablet: the visits they are scheduled to make, in time
    order, and the recipients assigned to them that day with nothing scheduled (a visit
    without a schedule is still accepted, so they stay one tap away)."""

    day: dt.date
    scheduled: list[ScheduledVisit] = field(default_factory=list)
    unscheduled: list[Recipient] = field(default_factory=list)

    @property
    def recipients(self) -> list[Recipient]:
        """Everyone whose personal data the page shows (for the access log)."""
        seen: dict[int, Recipient] = {}
        for scheduled in self.scheduled:
            seen.setdefault(scheduled.recipient_id, scheduled.recipient)
        for recipient in self.unscheduled:
            seen.setdefault(recipient.pk, recipient)
        return list(seen.values())


def local_day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The aware start of ``day`` and of the next day, in the project's time zone (Seoul)."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
    return start, end


def caregiver_day(*, user: AbstractBaseUser | AnonymousUser, day: dt.date) -> CaregiverDay:
    """The user's own scheduled visits starting on ``day`` (Seoul), and their assigned
    recipients with no live scheduled visit that day, in a fixed number of queries.

    Only the user's own corps member's visits, whatever their role: the tablet is the
    caregiver's own schedule, a coordinator's wider view is the desk's week view. A substitute
    sees the day they cover; the caregiver they stand in for no longer does.
    """
    start, end = local_day_bounds(day)
    scheduled = list(
        ScheduledVisit.objects.visible_to(user)
        .filter(corps_member__user=user)
        .between(start, end)
        .select_related("recipient__region", "plan_entry", "original_corps_member")
        .prefetch_related("plan_entry__service_types")
        .order_by("starts_at", "id")
    )
    live = {
        visit.recipient_id for visit in scheduled if visit.state != ScheduledVisit.State.CANCELLED
    }
    mine = Assignment.objects.active_on(day).filter(corps_member__user=user)
    last_visit = (
        Visit.objects.counted()
        .filter(recipient_id=OuterRef("pk"), corps_member__user=user)
        .values("recipient_id")
        .annotate(last=Max("started_at"))
        .values("last")
    )
    unscheduled = list(
        # Narrowed by ``visible_to`` as well, so that a role change takes effect at once.
        Recipient.objects.visible_to(user)
        .filter(pk__in=mine.values("recipient_id"))
        .exclude(pk__in=live)
        .select_related("region")
        .prefetch_related(
            "needs",
            Prefetch(
                "assignments", queryset=mine.select_related("program"), to_attr="my_assignments"
            ),
        )
        .annotate(last_visit_at=Subquery(last_visit))
        .order_by("name", "id")
    )
    return CaregiverDay(day=day, scheduled=scheduled, unscheduled=unscheduled)


@dataclass(frozen=True)
class CaregiverOfflineSet:
    """What the tablet keeps for use offline: the scheduled visits of today and tomorrow and
    the recipients assigned today, with a version that changes whenever any of them does."""

    scheduled_visit_ids: list[int]
    recipient_ids: list[int]
    version: str


def caregiver_offline_set(
    *, user: AbstractBaseUser | AnonymousUser, day: dt.date, days: int = 2
) -> CaregiverOfflineSet:
    """In two queries, whatever the number of visits.

    The version is a digest of each scheduled visit's row version (``updated_at`` moves on
    every reassignment, move, cancellation or match) and of the assigned recipients: a
    coordinator's change shows as a new version at the tablet's next sync.
    """
    start, _ = local_day_bounds(day)
    _, end = local_day_bounds(day + dt.timedelta(days=days - 1))
    rows = list(
        ScheduledVisit.objects.visible_to(user)
        .filter(corps_member__user=user)
        .between(start, end)
        .order_by("starts_at", "id")
        .values_list("pk", "updated_at", "plan_entry__updated_at")
    )
    recipient_ids = list(
        Recipient.objects.visible_to(user)
        .filter(
            pk__in=Assignment.objects.active_on(day)
            .filter(corps_member__user=user)
            .values("recipient_id")
        )
        .order_by("name", "id")
        .values_list("pk", flat=True)
    )
    digest = hashlib.sha256()
    for pk, updated_at, entry_updated_at in rows:
        digest.update(f"s{pk}:{updated_at.isoformat()}:{entry_updated_at};".encode())
    for pk in recipient_ids:
        digest.update(f"r{pk};".encode())
    return CaregiverOfflineSet(
        scheduled_visit_ids=[row[0] for row in rows],
        recipient_ids=recipient_ids,
        version=digest.hexdigest()[:16],
    )


def caregiver_scheduled_visit(
    *, user: AbstractBaseUser | AnonymousUser, scheduled_visit_id: int, day: dt.date
) -> ScheduledVisit | None:
    """One of the user's own scheduled visits of ``day`` or the day after (the days the
    tablet keeps), with what its visit screen shows; None when it is not theirs."""
    start, _ = local_day_bounds(day)
    _, end = local_day_bounds(day + dt.timedelta(days=1))
    return (
        ScheduledVisit.objects.visible_to(user)
        .filter(corps_member__user=user, pk=scheduled_visit_id)
        .between(start, end)
        .select_related("recipient__region", "plan_entry", "original_corps_member")
        .prefetch_related("plan_entry__service_types", "recipient__needs")
        .first()
    )


# --- the desk and the API (schedule helper) ----------------------------------------------------


def plan_entry_list(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[CarePlanEntry]:
    return (
        CarePlanEntry.objects.visible_to(user)
        .select_related("episode__recipient", "corps_member", "compliance_override__granted_by")
        .prefetch_related(
            Prefetch("service_types", queryset=ServiceType.objects.only("id", "code"))
        )
    )


def scheduled_visit_list(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[ScheduledVisit]:
    """The schedule as the API lists it: each row with its person, corps members and the
    plan's services, in a fixed number of queries whatever the page size."""
    return (
        ScheduledVisit.objects.visible_to(user)
        .select_related(
            "recipient__region",
            "corps_member",
            "original_corps_member",
            "plan_entry",
            "compliance_override__granted_by",
        )
        .prefetch_related(
            Prefetch("plan_entry__service_types", queryset=ServiceType.objects.only("id", "code"))
        )
    )


def week_start(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week."""
    return day - dt.timedelta(days=day.weekday())


@dataclass
class WeekRow:
    """One row of a week view: a corps member or a person, and the visits of each day."""

    key: int
    label: str
    detail: str
    days: list[list[ScheduledVisit]]


@dataclass
class Week:
    monday: dt.date
    days: list[dt.date]
    rows: list[WeekRow]

    @property
    def previous(self) -> dt.date:
        return self.monday - dt.timedelta(days=7)

    @property
    def next(self) -> dt.date:
        return self.monday + dt.timedelta(days=7)

    @property
    def recipients(self) -> list[Recipient]:
        seen: dict[int, Recipient] = {}
        for row in self.rows:
            for cell in row.days:
                for visit in cell:
                    seen.setdefault(visit.recipient_id, visit.recipient)
        return list(seen.values())


def schedule_week(
    *,
    user: AbstractBaseUser | AnonymousUser,
    monday: dt.date,
    region: Region | None = None,
    corps_member: CorpsMember | None = None,
) -> Week:
    """A week of the schedule in one query: for a 시·군 (the people living there), one row per
    corps member; for one corps member, one row per person they visit. Each cell holds that
    day's visits in time order."""
    start, _ = local_day_bounds(monday)
    _, end = local_day_bounds(monday + dt.timedelta(days=6))
    visits = (
        ScheduledVisit.objects.visible_to(user)
        .between(start, end)
        .select_related("recipient", "corps_member", "original_corps_member")
        .order_by("starts_at", "id")
    )
    if region is not None:
        visits = visits.filter(recipient__region=region)
    if corps_member is not None:
        visits = visits.filter(corps_member=corps_member)
    days = [monday + dt.timedelta(days=offset) for offset in range(7)]
    rows: dict[int, WeekRow] = {}
    by_member = corps_member is None
    for visit in visits:
        if by_member:
            key, label, detail = (
                visit.corps_member_id,
                visit.corps_member.name,
                visit.corps_member.phone,
            )
        else:
            key, label, detail = visit.recipient_id, visit.recipient.name, visit.recipient.address
        row = rows.get(key)
        if row is None:
            row = rows[key] = WeekRow(key=key, label=label, detail=detail, days=[[] for _ in days])
        row.days[(timezone.localdate(visit.starts_at) - monday).days].append(visit)
    return Week(
        monday=monday, days=days, rows=sorted(rows.values(), key=lambda r: (r.label, r.key))
    )


def scheduled_visits_needing_attention(
    *, user: AbstractBaseUser | AnonymousUser, today: dt.date | None = None
) -> QuerySet[ScheduledVisit]:
    """Today's late visits and the missed ones since yesterday (a visit is missed when its
    day has ended), with the caregiver's phone to call."""
    today = today or timezone.localdate()
    start, end = local_day_bounds(today)
    return (
        ScheduledVisit.objects.visible_to(user)
        .filter(
            state__in=(ScheduledVisit.State.LATE, ScheduledVisit.State.MISSED),
            starts_at__gte=start - dt.timedelta(days=1),
            starts_at__lt=end,
        )
        .select_related("recipient", "corps_member", "episode")
        .order_by("state", "starts_at", "id")
    )


def desk_summary(user: AbstractBaseUser | AnonymousUser) -> dict[str, int]:
    """The desk home's schedule section: how many visits are late or missed now."""
    counts = dict(
        scheduled_visits_needing_attention(user=user)
        .order_by()
        .values_list("state")
        .annotate(count=Count("id"))
        .values_list("state", "count")
    )
    return {
        "late": counts.get(ScheduledVisit.State.LATE, 0),
        "missed": counts.get(ScheduledVisit.State.MISSED, 0),
    }
