"""Reads of incidents: the API's list and detail, the desk's two queues (the coordinators' and
the restricted one of harm done to caregivers), the reporting lines of a recipient's group."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Prefetch, QuerySet

from base.roles import has_role
from care.incidents.models import (
    STAFF_HARM_PERMISSION,
    Incident,
    IncidentExternalReport,
    IncidentFollowUp,
    ReportingLine,
)

User = AbstractBaseUser | AnonymousUser


def incident_list(*, user: User) -> QuerySet[Incident]:
    """The incidents a user may read, with what a list row shows (one query per page)."""
    return (
        Incident.objects.visible_to(user)
        .select_related(
            "recipient__region",
            "reporter",
            "corps_member",
            "acknowledged_by",
            "closed_by",
            "reporting_line",
        )
        .order_by("-reported_at", "-pk")
    )


def incident_detail_queryset(*, user: User) -> QuerySet[Incident]:
    """One incident with its follow-ups and external reports."""
    return incident_list(user=user).prefetch_related(
        Prefetch(
            "follow_ups",
            queryset=IncidentFollowUp.objects.select_related("author").order_by("at", "pk"),
        ),
        Prefetch(
            "external_reports",
            queryset=IncidentExternalReport.objects.select_related("recorded_by").order_by(
                "reported_at", "pk"
            ),
        ),
    )


def coordinator_queue(*, user: User) -> QuerySet[Incident]:
    """The coordinators' queue: open first, oldest first; harm done to a caregiver is never
    in it (it has its own queue, ``staff_harm_queue``)."""
    return incident_list(user=user).exclude(kind=Incident.Kind.STAFF_HARM).queue_order()


def staff_harm_queue(*, user: User) -> QuerySet[Incident]:
    """종사자 인권보호: administrators and holders of the permission only; empty for others."""
    if not may_read_staff_harm(user):
        return Incident.objects.none()
    return incident_list(user=user).filter(kind=Incident.Kind.STAFF_HARM).queue_order()


def may_read_staff_harm(user: User) -> bool:
    return bool(
        user.is_authenticated
        and (has_role(user, "administrator") or user.has_perm(STAFF_HARM_PERMISSION))
    )


def may_see_reporter(
    user: User, incident: Incident, *, is_administrator: bool | None = None
) -> bool:
    """A mandatory reporter's identity (suspected abuse or neglect) is for administrators
    only, and for the reporter themselves; every other report shows its reporter.
    ``is_administrator`` saves a list the role query per row."""
    if not incident.is_mandatory_report:
        return True
    if incident.reporter_id == user.pk:
        return True
    if is_administrator is None:
        is_administrator = has_role(user, "administrator")
    return is_administrator


def reporting_lines(*, target_group: str | None = None) -> QuerySet[ReportingLine]:
    lines = ReportingLine.objects.filter(is_active=True)
    if target_group:
        lines = lines.filter(target_group=target_group)
    return lines.order_by("target_group", "sort_order", "pk")
