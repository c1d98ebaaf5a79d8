"""factory_boy factories shared by every app's tests."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from base.models import Program, Region, ServiceType
from care.models import Assignment, Recipient
from volunteers.models import CorpsMember

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if create and extracted:
            self.groups.add(*Group.objects.filter(name__in=extracted))


def region(code: str = "jeonju") -> Region:
    return Region.objects.get(code=code)


def service_type(code: str = "housework") -> ServiceType:
    return ServiceType.objects.get(code=code)


def program(code: str = "emergency_care") -> Program:
    return Program.objects.get(code=code)


class CorpsMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CorpsMember

    name = factory.Iterator(["김영희", "이순자", "박정숙", "최미경", "정은주"])
    phone = factory.Sequence(lambda n: f"010-2{n % 1000:03d}-{n % 10000:04d}")
    region = factory.LazyFunction(region)
    status = CorpsMember.Status.ACTIVE
    joined_on = dt.date(2023, 1, 2)


class RecipientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recipient

    name = factory.Sequence(lambda n: f"대상자{n}")
    birth_date = dt.date(1941, 3, 2)
    sex = Recipient.Sex.FEMALE
    phone = "063-123-4567"
    address = "전북특별자치도 완주군 봉동읍 봉동로 1"
    region = factory.LazyFunction(lambda: region("wanju"))
    admin_unit = "봉동읍"
    category = Recipient.Category.ELDERLY
    emergency_reason = Recipient.EmergencyReason.AFTER_DISCHARGE
    consent_date = dt.date(2023, 1, 10)
    consent_scope = "긴급돌봄 제공을 위한 수집·이용"
    status = Recipient.Status.ACTIVE


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    recipient = factory.SubFactory(RecipientFactory)
    corps_member = factory.SubFactory(CorpsMemberFactory)
    program = factory.LazyFunction(program)
    starts_on = dt.date(2023, 1, 15)
    ends_on = None
