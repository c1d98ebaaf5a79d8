"""Counting the finder's use: one conditional UPDATE, or one INSERT the first time a day sees
a term or a resource. Safe under concurrent requests (the unique constraint decides who
inserts; the loser increments)."""

from __future__ import annotations

import re
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from base.validators import contains_resident_registration_number
from consultations.usage.models import ResourceViewDay, SearchTermDay

TERM_MAX = 40
# Four digits in a row: a phone number, a birth date or a registration number typed into the
# search box by mistake. Counted, not kept.
_LOOKS_PERSONAL = re.compile(r"\d{4}|\d[\d\s\-.]{6,}\d|@")


def kept_term(term: str) -> str:
    """The term as stored: normalised, cut to 40 characters, or ``""`` when it looks like
    personal data."""
    term = " ".join((term or "").split()).lower()[:TERM_MAX]
    if _LOOKS_PERSONAL.search(term) or contains_resident_registration_number(term):
        return ""
    return term


def _increment(model: type, lookup: dict, **increments: int) -> None:
    updated = model.objects.filter(**lookup).update(
        **{field: F(field) + by for field, by in increments.items()}
    )
    if updated:
        return
    try:
        with transaction.atomic():
            model.objects.create(**lookup, **increments)
    except IntegrityError:
        # Another request inserted the row between our UPDATE and INSERT.
        model.objects.filter(**lookup).update(
            **{field: F(field) + by for field, by in increments.items()}
        )


def search_record(term: str, *, found: int, day: date | None = None) -> None:
    """Count one public search for ``term`` that found ``found`` resources."""
    _increment(
        SearchTermDay,
        {"day": day or timezone.localdate(), "term": kept_term(term)},
        searches=1,
        zero_results=0 if found else 1,
    )


def resource_view_record(resource_id: int, *, day: date | None = None) -> None:
    """Count one opening of a resource's public page."""
    lookup = {"day": day or timezone.localdate(), "resource_id": resource_id}
    _increment(ResourceViewDay, lookup, views=1)
