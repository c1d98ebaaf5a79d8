"""Reads of corps compliance: each member's standing per requirement, and the desk's warnings.

A member's standing on a requirement is read from their latest record (by the day it was
done): a member renews by recording the new item, and the old one stays as history. Every
function reads the requirements once and the records of all the members asked about in one
query, so a list costs the same whatever its length.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.utils import timezone

from volunteers.compliance.models import (
    BLOCKING_STATUSES,
    WARN_DAYS,
    ComplianceRecord,
    ComplianceRequirement,
    ComplianceStatus,
)
from volunteers.models import CorpsMember

# Members whose compliance is watched: those who work now or will come back from leave.
WATCHED_STATUSES = (CorpsMember.Status.ACTIVE, CorpsMember.Status.ON_LEAVE)


@dataclass(frozen=True)
class ItemStanding:
    """One requirement and where a member stands on it."""

    requirement: ComplianceRequirement
    record: ComplianceRecord | None
    status: str

    @property
    def status_display(self) -> str:
        return str(ComplianceStatus(self.status).label)

    @property
    def expires_on(self) -> date | None:
        return self.record.expires_on if self.record else None

    @property
    def blocks(self) -> bool:
        return self.requirement.required and self.status in BLOCKING_STATUSES

    def describe(self) -> str:
        """The item in the coordinator's words: name, standing and the day it lapsed."""
        text = f"{self.requirement.name}: {self.status_display}"
        if self.expires_on and self.status in (ComplianceStatus.LAPSED, ComplianceStatus.EXPIRING):
            text += f" ({self.expires_on.isoformat()})"
        return text


@dataclass
class MemberStanding:
    corps_member: CorpsMember
    items: list[ItemStanding] = field(default_factory=list)

    @property
    def attention(self) -> list[ItemStanding]:
        """Required items that lapse within the warning window, have lapsed, or are missing."""
        return [
            item
            for item in self.items
            if item.requirement.required and item.status != ComplianceStatus.OK
        ]

    @property
    def blocked(self) -> bool:
        return any(item.blocks for item in self.items)


def requirement_list() -> QuerySet[ComplianceRequirement]:
    return ComplianceRequirement.objects.in_force().order_by("sort_order", "code")


def standing_of(record: ComplianceRecord | None, *, on: date) -> str:
    """ok, expiring (lapses within WARN_DAYS of ``on``), lapsed, missing, or failed."""
    if record is None:
        return ComplianceStatus.MISSING
    if record.result == ComplianceRecord.Result.FAIL:
        return ComplianceStatus.FAILED
    if record.expires_on is None:
        return ComplianceStatus.OK
    if record.expires_on < on:
        return ComplianceStatus.LAPSED
    if record.expires_on <= on + timedelta(days=WARN_DAYS):
        return ComplianceStatus.EXPIRING
    return ComplianceStatus.OK


def _latest_records(member_ids: Iterable[int]) -> dict[tuple[int, int], ComplianceRecord]:
    latest: dict[tuple[int, int], ComplianceRecord] = {}
    records = (
        ComplianceRecord.objects.filter(corps_member_id__in=list(member_ids))
        .select_related("recorded_by")
        .order_by("corps_member_id", "requirement_id", "-done_on", "-id")
    )
    for record in records:
        latest.setdefault((record.corps_member_id, record.requirement_id), record)
    return latest


def standings(
    *,
    members: Sequence[CorpsMember],
    on: date | None = None,
    category: str | None = None,
    requirements: Sequence[ComplianceRequirement] | None = None,
) -> list[MemberStanding]:
    """Each member's standing on every requirement in force that applies to work with a
    recipient of ``category`` (None: every requirement), as of ``on`` (default today)."""
    if not members:
        return []
    on = on or timezone.localdate()
    if requirements is None:
        requirements = list(requirement_list())
    applicable = [r for r in requirements if r.applies_for(category)]
    latest = _latest_records(member.pk for member in members)
    result = []
    for member in members:
        items = []
        for requirement in applicable:
            record = latest.get((member.pk, requirement.pk))
            if record is not None:
                record.requirement = requirement
            items.append(ItemStanding(requirement, record, standing_of(record, on=on)))
        result.append(MemberStanding(member, items))
    return result


def member_standing(
    *, corps_member: CorpsMember, on: date | None = None, category: str | None = None
) -> MemberStanding:
    return standings(members=[corps_member], on=on, category=category)[0]


def blockers(
    *, corps_member: CorpsMember, category: str | None, on: date | None = None
) -> list[ItemStanding]:
    """The required items that keep ``corps_member`` from work with a recipient of
    ``category`` on ``on``: lapsed, missing, or a failed criminal-record check."""
    standing = member_standing(corps_member=corps_member, on=on, category=category)
    return [item for item in standing.items if item.blocks]


def warning_list(
    *, user: AbstractBaseUser | AnonymousUser, today: date | None = None
) -> list[MemberStanding]:
    """The desk's warnings: active and on-leave members with a required item that lapses
    within WARN_DAYS, has lapsed or is missing, the most urgent first. Three queries."""
    today = today or timezone.localdate()
    members = list(
        CorpsMember.objects.visible_to(user)
        .filter(status__in=WATCHED_STATUSES)
        .select_related("region")
        .order_by("name", "id")
    )
    rows = [row for row in standings(members=members, on=today) if row.attention]

    def urgency(row: MemberStanding) -> tuple[int, date, str]:
        blocking = any(item.blocks for item in row.attention)
        first = min((item.expires_on or date.min for item in row.attention), default=date.min)
        return (0 if blocking else 1, first, row.corps_member.name)

    return sorted(rows, key=urgency)


def expiring_items(*, today: date | None = None) -> list[tuple[CorpsMember, ItemStanding]]:
    """Required items of watched members that lapse within WARN_DAYS (not yet lapsed): what
    the daily reminder tells the members about."""
    today = today or timezone.localdate()
    members = list(
        CorpsMember.objects.filter(status__in=WATCHED_STATUSES)
        .exclude(phone="")
        .select_related("user")
        .filter(
            compliance_records__expires_on__gte=today,
            compliance_records__expires_on__lte=today + timedelta(days=WARN_DAYS),
        )
        .distinct()
        .order_by("pk")
    )
    return [
        (row.corps_member, item)
        for row in standings(members=members, on=today)
        for item in row.items
        if item.requirement.required and item.status == ComplianceStatus.EXPIRING
    ]


def desk_summary(user: AbstractBaseUser | AnonymousUser) -> dict[str, int]:
    """Counts for the coordinator's dashboard card."""
    rows = warning_list(user=user)
    blocked = sum(1 for row in rows if row.blocked)
    return {"blocked": blocked, "expiring": len(rows) - blocked}
