"""The freshness demo (what ``make run`` loads): a contact for every demo organization and one
provider's answer waiting on the review desk; a second load adds nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from consultations.demo import DEMO_MARK, Summary, consultations_demo_load
from consultations.freshness.demo import freshness_demo_load
from consultations.freshness.models import OrganizationContact, ProposedChange
from consultations.models import Organization
from notifications.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def summary(django_db_setup: None, django_db_blocker: Any) -> Iterator[Summary]:
    with django_db_blocker.unblock(), transaction.atomic():
        yield consultations_demo_load(seed=2023)
        transaction.set_rollback(True)


def test_every_demo_organization_has_one_primary_contact(summary: Summary) -> None:
    demo = Organization.objects.filter(notes__startswith=DEMO_MARK)

    assert summary.organization_contacts == demo.count() > 0
    assert OrganizationContact.objects.filter(organization__in=demo, is_primary=True).count() == (
        demo.count()
    )


def test_one_corrected_phone_waits_on_the_desk_and_nobody_was_texted(summary: Summary) -> None:
    change = ProposedChange.objects.pending().get()

    assert summary.proposed_changes_pending == 1
    assert set(change.values) >= {"phone"}
    assert not Message.objects.filter(kind="resource_review").exists()


def test_a_second_load_adds_nothing(summary: Summary) -> None:
    again = freshness_demo_load(demo_mark=DEMO_MARK)

    assert not again.created
    assert again.pending_changes == 1
