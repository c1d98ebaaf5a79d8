"""Demo agreements (DEMO ONLY): each partner organization of the demo directory (the 14
시군사회복지협의회, 대자인병원, 한국재가장기요양기관협회, the LH 주거행복지원센터 sites) gets the
agreement of its MOU date (two years) and its renewal, whose end is placed relative to today
so that a few are due for renewal within 60 days whenever the demo is loaded.

Deterministic for a seed; idempotent: an organization that has any agreement is left alone.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from care.demo import DEMO_MARK
from consultations.models import Organization
from consultations.partners.services import agreement_create

TERM_DAYS = 2 * 365
# How many partners' current agreements end soon (renewal due within the 60-day window).
DUE_SOON = 4
SCOPE = "긴급돌봄 대상자 발굴·의뢰, 사례회의 참여, 복지자원 정보 공유, 찾아가는 상담 장소 협조"


def partners_demo_load(*, seed: int = 2023) -> int:
    """Create the demo partners' agreements; returns how many were created."""
    rng = random.Random(seed)
    actor = get_user_model().objects.filter(username="counselor").first()
    today = timezone.localdate()
    partners = list(
        Organization.objects.filter(is_partner=True, notes__startswith=DEMO_MARK).order_by(
            "name", "pk"
        )
    )
    # Drawn for every partner, whether or not it is skipped, so that a partial data set does
    # not shift the others' dates.
    soon = set(rng.sample(range(len(partners)), min(DUE_SOON, len(partners))))
    ends = [
        today + timedelta(days=rng.randint(40, 85) if i in soon else rng.randint(150, 600))
        for i in range(len(partners))
    ]
    created = 0
    for i, organization in enumerate(partners):
        if organization.agreements.exists() or organization.mou_date is None:
            continue
        first_start = organization.mou_date
        first_end = first_start + timedelta(days=TERM_DAYS - 1)
        agreement_create(
            actor=actor,
            organization=organization,
            title="돌봄네트워크 업무협약",
            signed_on=first_start,
            starts_on=first_start,
            ends_on=first_end,
            scope=SCOPE,
        )
        created += 1
        renewal_start = first_end + timedelta(days=1)
        renewal_end = max(ends[i], renewal_start + timedelta(days=60))
        agreement_create(
            actor=actor,
            organization=organization,
            title="돌봄네트워크 업무협약 (갱신)",
            signed_on=renewal_start - timedelta(days=14),
            starts_on=renewal_start,
            ends_on=renewal_end,
            scope=SCOPE,
        )
        created += 1
    return created
