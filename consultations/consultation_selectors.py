"""Reads of consultations, referrals and follow-up alerts, with the joins their lists need.

Every list here is read through ``Consultation.objects.visible_to``: a referral or an alert
tells whom a counselor spoke to, so it is exactly as private as its consultation.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, Max, OuterRef, Prefetch, Q, QuerySet

from consultations.models import (
    Consultation,
    FollowUpAlert,
    Referral,
    ReferralStateChange,
    ResourceCategory,
)

User = AbstractBaseUser | AnonymousUser

# A referral in one of these states needs no more checking.
SETTLED_REFERRAL_STATES = (Referral.State.CLOSED, Referral.State.LINKED)


def consultation_list(*, user: User) -> QuerySet[Consultation]:
    return (
        Consultation.objects.visible_to(user)
        .select_related("program", "counselor", "recipient", "region")
        .prefetch_related(
            Prefetch("topics", queryset=ResourceCategory.objects.only("id", "code")),
            Prefetch(
                "referrals",
                queryset=Referral.objects.select_related("resource__organization"),
            ),
        )
    )


def referral_list(*, user: User) -> QuerySet[Referral]:
    return (
        Referral.objects.filter(consultation__in=Consultation.objects.visible_to(user))
        .select_related("resource__organization", "created_by")
        .prefetch_related(
            Prefetch("history", queryset=ReferralStateChange.objects.select_related("changed_by"))
        )
    )


def follow_up_alert_list(*, user: User, latest_only: bool = True) -> QuerySet[FollowUpAlert]:
    """Alerts for the desk; by default only the newest day's, as the daily task left them."""
    alerts = FollowUpAlert.objects.filter(
        consultation__in=Consultation.objects.visible_to(user)
    ).select_related(
        "consultation__counselor", "consultation__recipient", "referral__resource__organization"
    )
    if latest_only:
        latest = FollowUpAlert.objects.aggregate(latest=Max("as_of"))["latest"]
        alerts = alerts.filter(as_of=latest)
    return alerts


def consultation_follow_up_due(today: date) -> Q:
    """A consultation whose follow-up day has come and that nobody has marked done."""
    return Q(follow_up_on__lte=today, follow_up_done_at__isnull=True)


def referral_follow_up_due(today: date) -> Q:
    """An open referral whose check day has come with no state change on or after that day.

    The same rule as ``services.follow_up_alerts_record``, which counts a state change on or
    after the due day as the check having happened.
    """
    changed_since_due = ReferralStateChange.objects.filter(
        referral_id=OuterRef("pk"), changed_at__date__gte=OuterRef("follow_up_on")
    )
    return (
        Q(follow_up_on__lte=today)
        & ~Q(state__in=SETTLED_REFERRAL_STATES)
        & ~Q(Exists(changed_since_due))
    )
