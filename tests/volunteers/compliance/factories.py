"""Builders for the compliance tests: records written without the service (the service has
its own tests), and corps members with items lapsed, missing or about to lapse."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import factory
from django.utils import timezone

from tests.factories import CorpsMemberFactory
from volunteers.models import ComplianceRecord, ComplianceRequirement, CorpsMember


def today() -> dt.date:
    return timezone.localdate()


def requirement(code: str = "health_check") -> ComplianceRequirement:
    return ComplianceRequirement.objects.get(code=code)


class ComplianceRecordFactory(factory.django.DjangoModelFactory):
    """One item done 30 days ago, valid for its requirement's period."""

    class Meta:
        model = ComplianceRecord

    corps_member = factory.SubFactory(CorpsMemberFactory, compliant=False)
    requirement = factory.LazyFunction(requirement)
    done_on = factory.LazyFunction(lambda: today() - dt.timedelta(days=30))
    expires_on = factory.LazyAttribute(lambda r: r.requirement.expiry_for(r.done_on))
    result = factory.LazyAttribute(lambda r: "pass" if r.requirement.records_result else "")


def member_with(
    *,
    lapsed: Iterable[str] = (),
    missing: Iterable[str] = (),
    expiring: Mapping[str, int] | None = None,
    **fields: Any,
) -> CorpsMember:
    """A corps member holding every requirement, except: ``lapsed`` codes lapsed yesterday,
    ``missing`` codes never done, ``expiring`` codes lapsing in the given number of days."""
    lapsed, missing, expiring = set(lapsed), set(missing), dict(expiring or {})
    corps_member = CorpsMemberFactory(compliant=False, **fields)
    for item in ComplianceRequirement.objects.all():
        if item.code in missing:
            continue
        if item.code in lapsed:
            expires_on = today() - dt.timedelta(days=1)
        elif item.code in expiring:
            expires_on = today() + dt.timedelta(days=expiring[item.code])
        else:
            expires_on = today() + dt.timedelta(days=200)
        ComplianceRecordFactory(
            corps_member=corps_member,
            requirement=item,
            done_on=expires_on - dt.timedelta(days=365),
            expires_on=expires_on,
        )
    return corps_member
