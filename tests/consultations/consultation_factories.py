"""Factories for the care information desk: organizations, resources, consultations, referrals."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from django.utils import timezone

from consultations import services
from consultations.models import (
    Consultation,
    Organization,
    Referral,
    ReferralStateChange,
    ResourceCategory,
    TargetGroup,
    WelfareResource,
)
from tests.factories import UserFactory, program, region

SEOUL = dt.timezone(dt.timedelta(hours=9))


def category(code: str = "care") -> ResourceCategory:
    return ResourceCategory.objects.get(code=code)


def target_group(code: str = "elderly") -> TargetGroup:
    return TargetGroup.objects.get(code=code)


def seoul(*args: int) -> dt.datetime:
    """An aware datetime on the Seoul wall clock, e.g. ``seoul(2023, 3, 2, 10)``."""
    return dt.datetime(*args, tzinfo=SEOUL)  # type: ignore[misc]


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"전주시 노인복지관 {n}")
    kind = Organization.Kind.WELFARE_CENTER
    region = factory.LazyFunction(region)
    phone = "063-200-0000"


class WelfareResourceFactory(factory.django.DjangoModelFactory):
    """Created through ``services.resource_save`` so that ``search_text`` is what the service
    keeps. ``regions`` and ``target_groups`` take codes."""

    class Meta:
        model = WelfareResource

    name = factory.Sequence(lambda n: f"긴급돌봄지원 {n}")
    organization = factory.SubFactory(OrganizationFactory)
    category = factory.LazyFunction(lambda: category("care_emergency"))
    eligibility = "65세 이상 독거 노인"
    status = WelfareResource.Status.ACTIVE
    regions: Any = ("jeonju",)
    target_groups: Any = ("elderly",)

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> WelfareResource:
        regions = [region(code) for code in kwargs.pop("regions")]
        groups = [target_group(code) for code in kwargs.pop("target_groups")]
        return services.resource_save(regions=regions, target_groups=groups, **kwargs)


class ConsultationFactory(factory.django.DjangoModelFactory):
    """A consultation with a named person who is not a recipient, stored directly so that a
    test can set any moment and state; API tests create theirs through the API."""

    class Meta:
        model = Consultation
        skip_postgeneration_save = True

    held_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    channel = Consultation.Channel.PHONE
    program = factory.LazyFunction(lambda: program("care_info_counseling"))
    counselor = factory.SubFactory(UserFactory, roles=["counselor"])
    person_name = "홍길순"
    person_contact = "010-1234-5678"
    region = factory.LazyFunction(region)
    summary = "어머니 퇴원 뒤 돌봄 문의"
    outcome = Consultation.Outcome.INFORMED

    @factory.post_generation
    def topics(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if create and extracted:
            self.topics.set([category(code) for code in extracted])


class ReferralFactory(factory.django.DjangoModelFactory):
    """A referral with its first history row, made when the referral was."""

    class Meta:
        model = Referral
        skip_postgeneration_save = True

    consultation = factory.SubFactory(
        ConsultationFactory, share_consent_at=factory.LazyFunction(timezone.now)
    )
    resource = factory.SubFactory(WelfareResourceFactory)
    created_by = factory.SelfAttribute("consultation.counselor")
    created_at = factory.SelfAttribute("consultation.held_at")

    @factory.post_generation
    def first_state(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            ReferralStateChange.objects.create(
                referral=self,
                from_state="",
                to_state=Referral.State.REFERRED,
                changed_by=self.created_by,
                changed_at=self.created_at,
            )
