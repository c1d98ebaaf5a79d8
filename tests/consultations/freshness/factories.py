"""Factories of the freshness workflow: contacts, invitations (through the service, so the
outbox message is made as in production) and a provider's answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import factory

from consultations.freshness import services
from consultations.freshness.models import OrganizationContact, ProposedChange, ReviewInvitation
from consultations.models import WelfareResource
from tests.consultations.factories import OrganizationFactory, WelfareResourceFactory


class OrganizationContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganizationContact

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"담당자{n}")
    title = "복지자원 담당"
    phone = factory.Sequence(lambda n: f"010-0000-{n % 10000:04d}")
    is_primary = True
    is_active = True


def resource_with_contact(**fields: Any) -> WelfareResource:
    """A public resource whose organization has a primary contact."""
    resource = WelfareResourceFactory(**fields)
    OrganizationContactFactory(organization=resource.organization)
    return resource


def invitation_for(
    resource: WelfareResource | None = None, *, now: datetime | None = None
) -> ReviewInvitation:
    resource = resource or resource_with_contact(assured_date=None)
    contact = resource.organization.contacts.first() or OrganizationContactFactory(
        organization=resource.organization
    )
    return services.invitation_create(resource=resource, contact=contact, now=now)


def proposed_change(resource: WelfareResource | None = None, **submitted: str) -> ProposedChange:
    """A provider's pending answer: the given corrections, or a confirmation without any."""
    invitation = invitation_for(resource)
    return services.change_submit(
        invitation=invitation, confirms_unchanged=not submitted, submitted=submitted
    )
