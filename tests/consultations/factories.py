"""Factories for the welfare resource directory: organizations and resources.

Both are written through ``consultations.services`` so that ``WelfareResource.search_text`` is
kept as it is in production. Consultation factories live elsewhere.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from django.utils import timezone

from consultations import services
from consultations.models import Organization, ResourceCategory, TargetGroup, WelfareResource
from tests.factories import region


def category(code: str = "care_emergency") -> ResourceCategory:
    return ResourceCategory.objects.get(code=code)


def target_group(code: str = "elderly") -> TargetGroup:
    return TargetGroup.objects.get(code=code)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"기관 {n}")
    kind = Organization.Kind.WELFARE_CENTER
    region = factory.LazyFunction(region)
    phone = "063-123-4567"

    @classmethod
    def _create(cls, model_class: type[Organization], *args: Any, **kwargs: Any) -> Organization:
        return services.organization_save(**kwargs)


class PartnerOrganizationFactory(OrganizationFactory):
    kind = Organization.Kind.COUNCIL
    is_partner = True
    mou_date = dt.date(2023, 3, 15)


class WelfareResourceFactory(factory.django.DjangoModelFactory):
    """A resource in 전주시 for older people, checked today; pass ``regions=[]`` and
    ``province_wide=True`` for a province-wide one."""

    class Meta:
        model = WelfareResource

    name = factory.Sequence(lambda n: f"자원 {n}")
    organization = factory.SubFactory(OrganizationFactory)
    category = factory.LazyFunction(category)
    eligibility = ""
    status = WelfareResource.Status.ACTIVE
    assured_date = factory.LazyFunction(timezone.localdate)
    regions = factory.LazyFunction(lambda: [region("jeonju")])
    target_groups = factory.LazyFunction(lambda: [target_group("elderly")])

    @classmethod
    def _create(
        cls, model_class: type[WelfareResource], *args: Any, **kwargs: Any
    ) -> WelfareResource:
        return services.resource_save(**kwargs)
