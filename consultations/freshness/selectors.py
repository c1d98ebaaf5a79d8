"""Reads of the freshness workflow: which resources are due, the review queue, a change's diff."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from consultations.freshness.models import (
    REVIEWABLE_FIELDS,
    OrganizationContact,
    ProposedChange,
    ReviewInvitation,
)
from consultations.models import Organization, WelfareResource

# A year is the directory's own "needs review" line (consultations.resources.REVIEW_AFTER):
# asking a month before it gives the provider the month to answer before the entry shows as
# stale to counselors and residents.
ASK_AFTER_MONTHS = 11


def months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier, the month's last day when it has no such day."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def review_ask_cutoff(today: date | None = None) -> date:
    """Entries last confirmed before this day are due to be asked about."""
    return months_before(today or timezone.localdate(), ASK_AFTER_MONTHS)


def resources_due_for_review(
    *, today: date | None = None, now: datetime | None = None
) -> QuerySet[WelfareResource]:
    """Public resources unconfirmed for 11 months (or never) that nobody is being asked about
    right now (no open, unexpired invitation). Unpublished or closed entries are not asked:
    residents do not see them, and staff keep them."""
    open_invitation = ReviewInvitation.objects.open(now).filter(resource=OuterRef("pk"))
    return (
        WelfareResource.objects.public()
        .filter(Q(assured_date__isnull=True) | Q(assured_date__lt=review_ask_cutoff(today)))
        .exclude(Exists(open_invitation))
        .order_by("pk")
    )


def resources_due_without_contact(*, today: date | None = None) -> QuerySet[WelfareResource]:
    """Due resources the round cannot ask: their organization has no active contact."""
    active_contact = OrganizationContact.objects.filter(
        organization=OuterRef("organization"), is_active=True
    )
    return resources_due_for_review(today=today).exclude(Exists(active_contact))


def contact_to_ask(organization: Organization) -> OrganizationContact | None:
    """The organization's primary active contact, else its longest-known active one."""
    return (
        OrganizationContact.objects.filter(organization=organization, is_active=True)
        .order_by("-is_primary", "pk")
        .first()
    )


def changes_pending() -> QuerySet[ProposedChange]:
    """The review queue, oldest first, with what each row shows."""
    return (
        ProposedChange.objects.pending()
        .select_related("resource__organization", "invitation__contact")
        .order_by("submitted_at", "pk")
    )


def change_for_review(pk: int) -> ProposedChange:
    return ProposedChange.objects.select_related(
        "resource__organization", "invitation__contact", "reviewed_by"
    ).get(pk=pk)


@dataclass(frozen=True)
class DiffRow:
    field: str
    label: str
    current: str
    proposed: str
    changed: bool


def change_diff(change: ProposedChange) -> list[DiffRow]:
    """Every reviewable field with the entry's value now and the proposed one (the current
    value where the provider kept it)."""
    rows = []
    for name in REVIEWABLE_FIELDS:
        current = getattr(change.resource, name) or ""
        proposed = change.values.get(name, current)
        rows.append(
            DiffRow(
                field=name,
                label=str(WelfareResource._meta.get_field(name).verbose_name),
                current=current,
                proposed=proposed,
                changed=proposed != current,
            )
        )
    return rows


def change_is_stale(change: ProposedChange) -> bool:
    """The entry was changed after the invitation went out: the provider answered about an
    older version, and what they kept may undo a counselor's later edit."""
    return change.resource.updated_at > change.invitation.resource_updated_at
