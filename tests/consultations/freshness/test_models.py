"""The database's rules of the freshness workflow."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from consultations.freshness.models import ProposedChange
from tests.consultations.freshness.factories import OrganizationContactFactory, proposed_change
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_organization_has_at_most_one_primary_active_contact() -> None:
    first = OrganizationContactFactory()
    OrganizationContactFactory(organization=first.organization, is_primary=True, is_active=False)

    with pytest.raises(IntegrityError), transaction.atomic():
        OrganizationContactFactory(organization=first.organization, is_primary=True)


def test_a_pending_change_has_no_reviewer() -> None:
    change = proposed_change(phone="063-999-8888")

    with pytest.raises(IntegrityError), transaction.atomic():
        ProposedChange.objects.filter(pk=change.pk).update(reviewed_by=UserFactory())


def test_a_decided_change_has_a_reviewer_and_a_time() -> None:
    change = proposed_change(phone="063-999-8888")

    with pytest.raises(IntegrityError), transaction.atomic():
        ProposedChange.objects.filter(pk=change.pk).update(state="accepted")


def test_a_rejection_carries_a_reason_and_an_acceptance_none() -> None:
    change = proposed_change(phone="063-999-8888")
    reviewer = UserFactory()
    decided = {"reviewed_by": reviewer, "reviewed_at": timezone.now()}

    with pytest.raises(IntegrityError), transaction.atomic():
        ProposedChange.objects.filter(pk=change.pk).update(state="rejected", **decided)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProposedChange.objects.filter(pk=change.pk).update(
            state="accepted", reject_reason="왜", **decided
        )
