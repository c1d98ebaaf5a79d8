"""Demo compliance records (DEMO ONLY): every demo corps member holds every requirement,
two members have an item that lapses within 30 days, and one member's mandatory-reporter
training has lapsed, so the desk's warnings list has something to show.

Called by ``care.demo.demo_data_load``: ``compliance_demo_load`` right after the corps members
are made (before the demo's assignments and plans, which the compliance rule would refuse for
members without records) and ``compliance_demo_lapse`` after them. Both are idempotent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from volunteers.compliance.models import ComplianceRecord, add_months
from volunteers.compliance.selectors import requirement_list
from volunteers.compliance.services import compliance_record_create
from volunteers.models import CorpsMember

# (member index, requirement code, days until it lapses): inside the 30-day warning, but
# beyond the 14 days of the demo's schedule, which the rule would otherwise refuse.
EXPIRING = ((1, "insurance", 20), (2, "health_check", 27))
LAPSED_REQUIREMENT = "mandatory_reporter"
LAPSED_DAYS_AGO = 4


def _done_on_for_expiry(today: date, days_left: int, months: int) -> date:
    return add_months(today + timedelta(days=days_left), -months)


@transaction.atomic
def compliance_demo_load(
    *, actor: AbstractBaseUser, members: Sequence[CorpsMember], today: date | None = None
) -> int:
    """Records for the demo members who have none; returns how many were made."""
    today = today or timezone.localdate()
    requirements = list(requirement_list())
    expiring = {(index, code): days for index, code, days in EXPIRING}
    have = set(
        ComplianceRecord.objects.filter(corps_member__in=members).values_list(
            "corps_member_id", flat=True
        )
    )
    made = 0
    for index, member in enumerate(members):
        if member.pk in have:
            continue
        for order, requirement in enumerate(requirements):
            days_left = expiring.get((index, requirement.code))
            if days_left is not None and requirement.validity_months:
                done_on = _done_on_for_expiry(today, days_left, requirement.validity_months)
            else:
                # Done some weeks to months ago, a different day per member and item.
                done_on = today - timedelta(days=20 + (index * 7 + order * 11) % 200)
            compliance_record_create(
                actor=actor,
                corps_member=member,
                requirement=requirement,
                done_on=done_on,
                result=ComplianceRecord.Result.PASS if requirement.records_result else "",
                evidence_note="" if requirement.records_result else f"[데모] 증빙 {index + 1:03d}",
            )
            made += 1
    return made


@transaction.atomic
def compliance_demo_lapse(*, members: Sequence[CorpsMember], today: date | None = None) -> bool:
    """One active demo member's mandatory-reporter training lapsed a few days ago. Moves the
    demo record's dates back (the demo's clock); does nothing when a demo record has lapsed
    already. Returns whether it changed a record."""
    today = today or timezone.localdate()
    records = ComplianceRecord.objects.filter(corps_member__in=members)
    if records.filter(expires_on__lt=today).exists():
        return False
    candidates = [m for m in members[3:] if m.status == CorpsMember.Status.ACTIVE]
    if not candidates:
        return False
    record = (
        records.filter(corps_member=candidates[-1], requirement__code=LAPSED_REQUIREMENT)
        .select_related("requirement")
        .first()
    )
    if record is None or not record.requirement.validity_months:
        return False
    expires_on = today - timedelta(days=LAPSED_DAYS_AGO)
    done_on = add_months(expires_on, -record.requirement.validity_months)
    ComplianceRecord.objects.filter(pk=record.pk).update(done_on=done_on, expires_on=expires_on)
    return True
