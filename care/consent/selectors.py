"""Reads of consent records: a person's history, and the three items' standing for the desk."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from care.consent import texts
from care.consent.models import ConsentRecord
from care.models import Recipient

User = AbstractBaseUser | AnonymousUser


def consent_list(*, user: User, recipient: Recipient) -> QuerySet[ConsentRecord]:
    """A person's consent records, newest first per item (one query per page)."""
    return (
        ConsentRecord.objects.visible_to(user)
        .filter(recipient=recipient)
        .select_related("recipient", "taken_by", "withdrawal_taken_by")
        .order_by("item", "-given_on", "-pk")
    )


@dataclass(frozen=True)
class ItemStanding:
    item: str
    label: str
    current: ConsentRecord | None  # in force
    latest: ConsentRecord | None  # in force or the last withdrawn

    @property
    def withdrawn(self) -> bool:
        return self.current is None and self.latest is not None


def consent_standings(*, user: User, recipient: Recipient) -> list[ItemStanding]:
    """Each item's standing for the recipient page, from one query."""
    latest: dict[str, ConsentRecord] = {}
    current: dict[str, ConsentRecord] = {}
    for record in consent_list(user=user, recipient=recipient):
        latest.setdefault(record.item, record)
        if record.in_force:
            current[record.item] = record
    return [
        ItemStanding(
            item=item,
            label=str(ConsentRecord.Item(item).label),
            current=current.get(item),
            latest=latest.get(item),
        )
        for item in texts.ITEMS
    ]
