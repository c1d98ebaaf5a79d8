"""Reads of case conferences: lists with their joins, the owners' due action items, the
managers' aggregates, and the coordinators' desk card of partner agreements due for renewal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from care.conferences.models import (
    ActionItem,
    CaseConference,
    CaseConferenceAttendee,
    ConferenceEpisode,
)
from care.episodes.models import Episode

# "My action items due" on the desks: open items due within this many days, or overdue.
DUE_WITHIN_DAYS = 7
# The desk card shows this many; the rest are on the conference list.
DESK_ACTION_ITEMS = 20


def conference_list(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[CaseConference]:
    """The conferences the user may read, with attendees, episodes (and their recipients) and
    action items loaded in a fixed number of queries whatever the page size."""
    return (
        CaseConference.objects.visible_to(user)
        .select_related("chair")
        .prefetch_related(
            Prefetch(
                "attendees",
                queryset=CaseConferenceAttendee.objects.select_related("user", "organization"),
            ),
            Prefetch(
                "discussions",
                queryset=ConferenceEpisode.objects.select_related(
                    "episode__recipient", "episode__program"
                ),
            ),
            Prefetch(
                "action_items", queryset=ActionItem.objects.select_related("owner", "done_by")
            ),
        )
    )


def conference_filter(
    conferences: QuerySet[CaseConference],
    *,
    held_from: date | None = None,
    held_to: date | None = None,
    attendee_organization: Any = None,
    open_actions: bool | None = None,
) -> QuerySet[CaseConference]:
    if held_from:
        conferences = conferences.filter(held_on__gte=held_from)
    if held_to:
        conferences = conferences.filter(held_on__lte=held_to)
    if attendee_organization is not None:
        conferences = conferences.filter(
            pk__in=CaseConferenceAttendee.objects.filter(organization=attendee_organization).values(
                "conference_id"
            )
        )
    if open_actions is not None:
        has_open = ActionItem.objects.filter(done_on__isnull=True).values("conference_id")
        conferences = (
            conferences.filter(pk__in=has_open)
            if open_actions
            else conferences.exclude(pk__in=has_open)
        )
    return conferences


def action_items_due(
    *, user: AbstractBaseUser, within_days: int = DUE_WITHIN_DAYS
) -> QuerySet[ActionItem]:
    """The user's own open action items due within ``within_days`` days or overdue, oldest
    due first (the desks' "my action items due")."""
    if not user.is_authenticated:
        return ActionItem.objects.none()
    return (
        ActionItem.objects.due_for(user, within_days=within_days)
        .select_related("conference", "owner", "done_by")
        .order_by("due_on", "id")
    )


def recipients_of(conferences: Any) -> list[Any]:
    """The recipients whose episodes the given (prefetched) conferences discussed."""
    found = {}
    for conference in conferences:
        for discussion in conference.discussions.all():
            found[discussion.episode.recipient_id] = discussion.episode.recipient
    return list(found.values())


@dataclass(frozen=True)
class MonthFigures:
    month: int
    conferences: int
    episodes_discussed: int
    outside_attendees: int
    action_items: int
    action_items_done: int
    action_items_overdue: int


def conference_stats(*, year: int, today: date | None = None) -> list[MonthFigures]:
    """Per month of ``year`` (by the conference's date): counts only, no names (managers)."""
    today = today or timezone.localdate()
    conferences = CaseConference.objects.filter(held_on__year=year)
    by_month: dict[int, dict[str, int]] = {month: {} for month in range(1, 13)}
    rows = (
        conferences.annotate(month=ExtractMonth("held_on"))
        .order_by()
        .values("month")
        .annotate(
            conferences=Count("id", distinct=True),
        )
    )
    for row in rows:
        by_month[row["month"]]["conferences"] = row["conferences"]
    for model, key, extra in (
        (ConferenceEpisode, "episodes_discussed", Q()),
        (CaseConferenceAttendee, "outside_attendees", Q(user__isnull=True)),
        (ActionItem, "action_items", Q()),
        (ActionItem, "action_items_done", Q(done_on__isnull=False)),
        (ActionItem, "action_items_overdue", Q(done_on__isnull=True, due_on__lt=today)),
    ):
        counted = (
            model.objects.filter(extra, conference__held_on__year=year)
            .annotate(month=ExtractMonth("conference__held_on"))
            .order_by()
            .values("month")
            .annotate(n=Count("id"))
        )
        for row in counted:
            by_month[row["month"]][key] = row["n"]
    return [
        MonthFigures(
            month=month,
            conferences=figures.get("conferences", 0),
            episodes_discussed=figures.get("episodes_discussed", 0),
            outside_attendees=figures.get("outside_attendees", 0),
            action_items=figures.get("action_items", 0),
            action_items_done=figures.get("action_items_done", 0),
            action_items_overdue=figures.get("action_items_overdue", 0),
        )
        for month, figures in by_month.items()
    ]


# --- partners' agreements due for renewal, on the coordinators' desk ------------------------
# Agreements are consultations' (above care). Care reaches them by name through its own
# foreign key to the directory, never by import (the one way docs/architecture.md allows).
RENEWALS_ON_DESK = 20


def partner_renewals_due(limit: int = RENEWALS_ON_DESK) -> list[Any]:
    """Partner agreements whose renewal is due within the window (``Agreement.objects
    .due_for_renewal``), soonest first, with their organization loaded."""
    organization_model = Episode._meta.get_field("referral_organization").related_model
    agreement_model = organization_model._meta.get_field("agreements").related_model  # type: ignore[union-attr]
    return list(
        agreement_model.objects.due_for_renewal()
        .select_related("organization")
        .order_by("renewal_due_on", "id")[:limit]
    )
