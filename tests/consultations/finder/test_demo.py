"""The demo directory as the residents' finder shows it: every demo resource has its public
details, and the issue's resident (전주, her mother's main carer suddenly ill) finds 긴급돌봄지원
first."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from consultations.demo import DEMO_ID_PREFIX, PUBLIC_DETAILS, consultations_demo_load
from consultations.models import WelfareResource

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock(), transaction.atomic():
        consultations_demo_load(seed=2023)
        yield
        transaction.set_rollback(True)


def test_every_demo_resource_has_a_summary_hours_and_a_cost(demo: None) -> None:
    resources = WelfareResource.objects.filter(external_id__startswith=DEMO_ID_PREFIX)

    assert set(resources.values_list("name", flat=True)) == set(PUBLIC_DETAILS)
    assert not resources.filter(summary="").exists()
    assert not resources.filter(hours="").exists()
    assert not resources.filter(cost="").exists()
    assert resources.filter(min_age__isnull=False).exists()
    assert resources.filter(eligibility_tags__kind="income").exists()


def test_loading_again_keeps_the_public_details_as_they_are(demo: None) -> None:
    resource = WelfareResource.objects.get(name="긴급돌봄지원")
    resource.summary = "관리자가 고친 소개"
    resource.save()
    tags = set(resource.eligibility_tags.values_list("code", flat=True))

    consultations_demo_load(seed=2023)

    resource.refresh_from_db()
    assert resource.summary == "관리자가 고친 소개"
    assert set(resource.eligibility_tags.values_list("code", flat=True)) == tags


def test_a_resident_of_jeonju_whose_carer_fell_ill_finds_emergency_care_first(
    demo: None, client: Client
) -> None:
    response = client.get(
        reverse("finder:help"),
        {"region": "jeonju", "age_group": "senior", "situation": "carer_illness",
         "income": "unknown"},
    )  # fmt: skip

    first = response.context["recommendations"][0]
    assert first.resource.name == "긴급돌봄지원"
    assert first.resource.organization.name == "전북특별자치도사회서비스원"
    assert "지금 상황에 맞아요: 주 돌봄자의 갑작스런 질병·부상" in first.reasons


def test_the_demo_directory_is_found_by_the_finders_search(demo: None, client: Client) -> None:
    response = client.get(reverse("finder:home"), {"q": "긴급돌봄", "region": "jeonju"})

    assert response.status_code == 200
    assert response.context["page"].results[0].name == "긴급돌봄지원"
