"""Factories of outreach sites and sessions (찾아가는 상담)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory

from consultations.outreach.models import OutreachSession, OutreachSite
from tests.consultations.consultation_factories import OrganizationFactory
from tests.factories import UserFactory, program, region


class OutreachSiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutreachSite

    name = factory.Sequence(lambda n: f"LH 삼천{n}단지 주거행복지원센터")
    kind = OutreachSite.Kind.LH_COMPLEX
    region = factory.LazyFunction(region)
    admin_unit = "삼천동"
    address = "전북 전주시 완산구 삼천동"
    organization = factory.SubFactory(
        OrganizationFactory,
        name=factory.Sequence(lambda n: f"LH 주거행복지원센터 {n}"),
        is_partner=True,
        mou_date=dt.date(2022, 3, 1),
    )


class OutreachSessionFactory(factory.django.DjangoModelFactory):
    """A session stored directly (any day, even in the past); API tests create theirs through
    the API."""

    class Meta:
        model = OutreachSession
        skip_postgeneration_save = True

    held_on = dt.date(2023, 3, 15)
    site = factory.SubFactory(OutreachSiteFactory)
    organization = factory.SelfAttribute("site.organization")
    attendees = 10
    program = factory.LazyFunction(lambda: program("outreach_counseling"))
    created_by = factory.SubFactory(UserFactory, roles=["counselor"])

    @factory.post_generation
    def staff(self, create: bool, extracted: Any, **kwargs: object) -> None:
        if create:
            self.staff.set(extracted or [self.created_by])
