"""Reads of consent records: a person's history, and the three items' standing for the desk."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, QuerySet

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


def with_collection_withdrawn(recipients: QuerySet[Recipient]) -> QuerySet[Recipient]:
    """Annotates ``collection_withdrawn``: the person withdrew collection_use and has not
    agreed again (the desk flags them; care is not closed by the withdrawal itself)."""
    collection = ConsentRecord.objects.filter(recipient=OuterRef("pk"), item=texts.COLLECTION_USE)
    return recipients.annotate(
        collection_withdrawn=Exists(collection.filter(withdrawn_on__isnull=False))
        & ~Exists(collection.filter(withdrawn_on__isnull=True))
    )
