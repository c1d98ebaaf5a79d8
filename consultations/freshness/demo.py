"""Demo of the freshness workflow (DEMO ONLY): a contact for every demo organization, and one
provider's answer waiting on the counselors' review desk (a corrected phone number), so the
queue is not empty. Idempotent: a second run adds nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from consultations.freshness import services
from consultations.freshness.models import OrganizationContact, ProposedChange, ReviewInvitation
from consultations.models import Organization, WelfareResource

DEMO_NOTE = "[데모] 대표번호가 바뀌었습니다."
# Made-up names and numbers (010-0000-xxxx is never issued to a subscriber).
CONTACT_NAMES = ("김민정", "이서연", "박지훈", "최영수", "정하늘", "강수진", "윤도현", "한미경")


@dataclass(frozen=True)
class FreshnessSummary:
    contacts: int
    pending_changes: int
    created: bool


def _contacts_ensure(organizations: list[Organization]) -> bool:
    created = False
    for index, organization in enumerate(organizations):
        if organization.contacts.exists():
            continue
        OrganizationContact.objects.create(
            organization=organization,
            name=CONTACT_NAMES[index % len(CONTACT_NAMES)],
            title="복지자원 담당",
            phone=f"010-0000-{3000 + index:04d}",
            is_primary=True,
        )
        created = True
    return created


def _pending_change_ensure(organizations: list[Organization]) -> bool:
    if ProposedChange.objects.filter(note=DEMO_NOTE).exists():
        return False
    resource = (
        WelfareResource.objects.public()
        .filter(organization__in=organizations, organization__contacts__is_active=True)
        .exclude(phone="")
        .order_by("pk")
        .first()
    )
    if resource is None:
        return False
    contact = resource.organization.contacts.filter(is_active=True).order_by("-is_primary").first()
    now = timezone.now()
    # Made directly, not through invitation_create: a demo must not text anyone.
    invitation = ReviewInvitation.objects.create(
        resource=resource,
        contact=contact,
        created_at=now - timedelta(days=2),
        expires_at=now - timedelta(days=2) + services.INVITATION_LIFETIME,
        resource_updated_at=resource.updated_at,
    )
    digits = resource.phone[-4:]
    new_phone = resource.phone[:-4] + ("0000" if digits != "0000" else "1111")
    services.change_submit(
        invitation=invitation,
        confirms_unchanged=False,
        submitted={"phone": new_phone, "hours": resource.hours or "평일 09:00~18:00"},
        note=DEMO_NOTE,
        now=now - timedelta(days=1),
    )
    return True


@transaction.atomic
def freshness_demo_load(*, demo_mark: str) -> FreshnessSummary:
    organizations = list(Organization.objects.filter(notes__startswith=demo_mark).order_by("pk"))
    created = _contacts_ensure(organizations)
    created = _pending_change_ensure(organizations) or created
    return FreshnessSummary(
        contacts=OrganizationContact.objects.filter(organization__in=organizations).count(),
        pending_changes=ProposedChange.objects.pending().count(),
        created=created,
    )
