"""Reads of the care registries, with the joins lists need and the visibility rules applied."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Max, Prefetch, QuerySet

from base.models import ServiceType
from care.models import Assignment, NoVisitAlert, Recipient, Visit, VisitException


def recipient_list(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Recipient]:
    return (
        Recipient.objects.visible_to(user)
        .select_related("region")
        .prefetch_related(Prefetch("needs", queryset=ServiceType.objects.only("id", "code")))
    )


def assignment_list(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Assignment]:
    return Assignment.objects.visible_to(user).select_related(
        "recipient", "corps_member", "program", "assigned_by"
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
