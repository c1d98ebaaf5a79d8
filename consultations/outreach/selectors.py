"""Reads of outreach days and sites, with the joins and the consultation counts their lists
need (one query per page of sessions, whatever its size)."""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Prefetch, QuerySet

from consultations.models import Consultation
from consultations.outreach.models import OutreachSession, OutreachSite

User = AbstractBaseUser | AnonymousUser


def site_list(*, user: User) -> QuerySet[OutreachSite]:
    return OutreachSite.objects.select_related("region", "organization")


def session_list(*, user: User) -> QuerySet[OutreachSession]:
    staff = get_user_model().objects.only("id", "username").order_by("username")
    return (
        OutreachSession.objects.visible_to(user)
        .select_related(
            "site__region", "site__organization", "organization", "program", "created_by"
        )
        .prefetch_related(Prefetch("staff", queryset=staff))
        .annotate(consultation_count=Count("consultations", distinct=True))
        # Meta.ordering is not applied to a grouped query: say it again.
        .order_by("-held_on", "-id")
    )


def sessions_in_month(*, user: User, year: int, month: int) -> QuerySet[OutreachSession]:
    first = date(year, month, 1)
    after = date(year + (month == 12), month % 12 + 1, 1)
    return session_list(user=user).filter(held_on__gte=first, held_on__lt=after)


def session_consultations(*, session: OutreachSession) -> QuerySet[Consultation]:
    """The consultations held at a session, in the order they were held."""
    return (
        session.consultations.select_related("recipient", "region", "counselor", "program")
        .prefetch_related("topics")
        .order_by("held_at", "id")
    )
