"""The welfare resource directory: review age, the search text, and Korean substring search."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

# An entry nobody has checked for a year is likely stale: phone numbers and eligibility change.
REVIEW_AFTER = timedelta(days=365)


def review_cutoff(today: date | None = None) -> date:
    return (today or timezone.localdate()) - REVIEW_AFTER


def search_text_for(
    *, name: str, organization: str, category: str, eligibility: str, regions: list[str]
) -> str:
    """The text a resource is found by, lower-cased so that one LIKE serves Hangul and Latin."""
    return " ".join([name, organization, category, eligibility, *regions]).lower()
