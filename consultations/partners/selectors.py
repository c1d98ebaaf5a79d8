"""Reads of partners (협약기관): their agreements, the renewals due, and one partner's page —
the referrals received from it and made to it, and the activities done together."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from base.roles import has_role
from care.conferences.models import CaseConference, CaseConferenceAttendee
from care.episodes.models import Episode
from consultations.consultation_selectors import referral_list
from consultations.models import Organization, Referral
from consultations.partners.models import RENEWAL_WINDOW_DAYS, Agreement

User = AbstractBaseUser | AnonymousUser
READERS = ("counselor", "coordinator", "administrator")
WRITERS = ("counselor", "administrator")
# A partner's page lists the newest this many of each kind, with the total.
PAGE_ROWS = 50


def agreement_list(*, user: User, today: date | None = None) -> QuerySet[Agreement]:
    """Agreements with their organization and ``current_status``; none for other roles."""
    if not has_role(user, *READERS):
        return Agreement.objects.none()
    return (
        Agreement.objects.with_status(today)
        .select_related("organization__region", "created_by")
        .order_by("organization__name", "-starts_on", "-id")
    )


def renewals_due(
    *, user: User, today: date | None = None, within_days: int = RENEWAL_WINDOW_DAYS
) -> QuerySet[Agreement]:
    """Agreements whose renewal is due within ``within_days`` days (or overdue), not expired
    and not yet followed by a renewal, soonest first."""
    due = Agreement.objects.due_for_renewal(today, within_days=within_days)
    return (
        agreement_list(user=user, today=today)
        .filter(pk__in=due.values("pk"))
        .order_by("renewal_due_on", "id")
    )


def partner_list(*, user: User) -> QuerySet[Organization]:
    """Partner organizations (flagged, or with an agreement), each with its agreements."""
    if not has_role(user, *READERS):
        return Organization.objects.none()
    has_agreement = Agreement.objects.filter(organization=OuterRef("pk"))
    return (
        Organization.objects.filter(Q(is_partner=True) | Q(Exists(has_agreement)))
        .select_related("region")
        .prefetch_related(
            Prefetch("agreements", queryset=Agreement.objects.with_status().order_by("-starts_on"))
        )
        .annotate(conference_count=Count("conference_attendances__conference", distinct=True))
        .order_by("kind", "name")
    )


# --- one partner's page ----------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerActivity:
    """Something done together with a partner, for its page: a case conference it attended,
    an outreach day at its site, …"""

    kind: str
    on: date
    title: str
    url: str = ""


ActivitySource = Callable[[Organization, Any], list[PartnerActivity]]


def _conferences_attended(organization: Organization, user: Any) -> list[PartnerActivity]:
    attended = CaseConferenceAttendee.objects.filter(
        organization=organization, conference=OuterRef("pk")
    )
    conferences = (
        CaseConference.objects.visible_to(user)
        .filter(Exists(attended))
        .only("id", "held_on", "title")[:PAGE_ROWS]
    )
    may_open = has_role(user, "coordinator", "administrator")
    return [
        PartnerActivity(
            kind=str(_("사례회의")),
            on=conference.held_on,
            title=conference.title,
            url=reverse("coordinator:conferences:detail", args=[conference.pk]) if may_open else "",
        )
        for conference in conferences
    ]


# The activities done together, one function per kind. HOOK: the outreach sessions
# (찾아가는 상담, built separately) add theirs here — a function of (organization, user) giving
# the sessions held at or with this partner as PartnerActivity rows.
ACTIVITY_SOURCES: list[ActivitySource] = [_conferences_attended]


@dataclass
class PartnerPage:
    organization: Organization
    agreements: list[Agreement]
    referrals_received: list[Episode]
    referrals_received_count: int
    referrals_made: list[Referral]
    referrals_made_count: int
    episodes_linked: list[Episode]
    episodes_linked_count: int
    activities: list[PartnerActivity] = field(default_factory=list)

    @property
    def recipients_shown(self) -> list[Any]:
        """The people on the page (for the access log)."""
        people = [episode.recipient for episode in self.referrals_received]
        people += [episode.recipient for episode in self.episodes_linked]
        people += [
            r.consultation.recipient for r in self.referrals_made if r.consultation.recipient
        ]
        return people


def partner_page(*, user: User, organization: Organization) -> PartnerPage:
    """Everything the partner's page shows, in a fixed number of queries."""
    episodes = Episode.objects.visible_to(user).select_related("recipient", "program")
    received = episodes.filter(referral_organization=organization).order_by("-referred_on", "-id")
    linked = episodes.filter(
        Q(linked_organization=organization) | Q(linked_resource__organization=organization),
        state=Episode.State.CLOSED,
    ).order_by("-closed_on", "-id")
    made = (
        referral_list(user=user)
        .filter(resource__organization=organization)
        .select_related("consultation__recipient", "consultation__counselor")
        .prefetch_related(None)
        .order_by("-created_at", "-id")
    )
    activities = [row for source in ACTIVITY_SOURCES for row in source(organization, user)]
    activities.sort(key=lambda row: row.on, reverse=True)
    return PartnerPage(
        organization=organization,
        agreements=list(
            Agreement.objects.with_status()
            .filter(organization=organization)
            .select_related("created_by")
            .order_by("-starts_on", "-id")
        ),
        referrals_received=list(received[:PAGE_ROWS]),
        referrals_received_count=received.count(),
        referrals_made=list(made[:PAGE_ROWS]),
        referrals_made_count=made.count(),
        episodes_linked=list(linked[:PAGE_ROWS]),
        episodes_linked_count=linked.count(),
        activities=activities,
    )
