"""Reads of the care registries, with the joins lists need and the visibility rules applied."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, IntegerField, Max, OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from base.models import ServiceType
from base.sql import fetch_rows, placeholders, table
from care.models import Assignment, NoVisitAlert, Recipient, Visit, VisitException, start_of_day
from care.schedule.models import ScheduledVisit
from care.schedule.selectors import week_start
from volunteers.models import CorpsMember


def recipient_list(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Recipient]:
    return (
        Recipient.objects.visible_to(user)
        .select_related("region")
        .prefetch_related(Prefetch("needs", queryset=ServiceType.objects.only("id", "code")))
    )


# RecipientSerializer's columns, as values() spells them; "needs" is added as a list of codes.
RECIPIENT_ROW_COLUMNS = (
    "id", "name", "birth_date", "sex", "phone", "address", "region__code", "admin_unit",
    "is_rural", "category", "emergency_reason", "referral_source", "guardian_name",
    "guardian_relation", "guardian_phone", "risk_level", "consent_date", "consent_scope",
    "status", "notes", "created_at", "updated_at",
)  # fmt: skip


def recipient_row_values(recipients: QuerySet[Recipient]) -> QuerySet[Recipient, dict]:
    """``recipients`` (filtered, ordered) read as plain rows, for a page."""
    return recipients.select_related(None).prefetch_related(None).values(*RECIPIENT_ROW_COLUMNS)


def recipient_rows(values: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of ``recipient_row_values`` with their needs' codes (one query, in ServiceType's
    order, as the list's prefetch gave them), in the order given."""
    rows = [row | {"needs": []} for row in values]
    by_id = {row["id"]: row for row in rows}
    if by_id:
        # One fixed SQL text (base.sql): a caregiver's every list read asks it.
        Needs = Recipient.needs.through
        ids = list(by_id)
        for recipient_id, code in fetch_rows(
            Needs,
            f"SELECT n.recipient_id, s.code FROM {table(Needs)} n "  # noqa: S608
            f"JOIN {table(ServiceType)} s ON s.id = n.servicetype_id "
            f"WHERE n.recipient_id IN ({placeholders(ids)}) ORDER BY s.sort_order, s.code",
            ids,
        ):
            by_id[recipient_id]["needs"].append(code)
    return rows


def assignment_list(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Assignment]:
    return Assignment.objects.visible_to(user).select_related(
        "recipient", "corps_member", "program", "assigned_by", "compliance_override__granted_by"
    )


def visit_list(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Visit]:
    return (
        Visit.objects.visible_to(user)
        .select_related("recipient", "corps_member", "program", "recorded_by", "reviewed_by")
        .prefetch_related(
            Prefetch("service_types", queryset=ServiceType.objects.only("id", "code")),
            "exceptions",
        )
    )


def visit_review_list(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Visit]:
    """The visits waiting for a coordinator's review, newest first, with the service type
    names and only the open exceptions (as ``open_exceptions``) the review page shows."""
    return (
        Visit.objects.visible_to(user)
        .filter(status=Visit.Status.SUBMITTED)
        .select_related("recipient", "corps_member", "program")
        .prefetch_related(
            "service_types",
            Prefetch(
                "exceptions",
                queryset=VisitException.objects.filter(resolved_at__isnull=True),
                to_attr="open_exceptions",
            ),
        )
        .order_by("-started_at", "-id")
    )


def _per_member(rows: QuerySet, total: Count | Sum) -> Coalesce:
    """A correlated aggregate of a corps member's rows as an integer column: 0, not NULL, for a
    member without any."""
    per_member = rows.order_by().values("corps_member_id").annotate(total=total).values("total")
    return Coalesce(Subquery(per_member), 0, output_field=IntegerField())


def corps_member_load_list(
    *, user: AbstractBaseUser | AnonymousUser, week_of: date
) -> QuerySet[CorpsMember]:
    """Corps members with their current load: ``active_assignments`` on ``week_of``, and the
    week's (Monday to Sunday, Seoul) ``week_visits`` and ``week_minutes`` scheduled, cancelled
    ones left out. Each figure is a correlated subquery, so one query serves any number of
    members and the three never multiply each other's rows as joins would."""
    monday = week_start(week_of)
    week = ScheduledVisit.objects.filter(
        corps_member_id=OuterRef("pk"),
        starts_at__gte=start_of_day(monday),
        starts_at__lt=start_of_day(monday + timedelta(days=7)),
    ).exclude(state=ScheduledVisit.State.CANCELLED)
    return (
        CorpsMember.objects.visible_to(user)
        .select_related("region")
        .prefetch_related(
            Prefetch("service_types", queryset=ServiceType.objects.only("id", "name"))
        )
        .annotate(
            active_assignments=_per_member(
                Assignment.objects.active_on(week_of).filter(corps_member_id=OuterRef("pk")),
                Count("pk"),
            ),
            week_visits=_per_member(week, Count("pk")),
            week_minutes=_per_member(week, Sum("planned_minutes")),
        )
        .order_by("name", "id")
    )


def visit_exception_list(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[VisitException]:
    visits = Visit.objects.visible_to(user)
    return (
        VisitException.objects.filter(visit__in=visits)
        .select_related(
            "resolved_by",
            "visit__recipient",
            "visit__corps_member",
            "visit__program",
            "visit__recorded_by",
            "visit__reviewed_by",
        )
        .prefetch_related(
            Prefetch("visit__service_types", queryset=ServiceType.objects.only("id", "code")),
            "visit__exceptions",
        )
    )


def no_visit_alert_list(*, latest_only: bool = True) -> QuerySet[NoVisitAlert]:
    """Alerts for the desk; by default only the newest day's, as the daily task left them."""
    alerts = NoVisitAlert.objects.select_related("recipient", "corps_member")
    if latest_only:
        alerts = alerts.filter(as_of=NoVisitAlert.objects.aggregate(latest=Max("as_of"))["latest"])
    return alerts
