"""Factories of partner agreements, written through the service (which keeps the
organization's MOU date and the default renewal date)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from django.utils import timezone

from consultations.partners import services
from consultations.partners.models import Agreement
from tests.consultations.factories import OrganizationFactory


class AgreementFactory(factory.django.DjangoModelFactory):
    """A two-year agreement that started a year ago (active, renewal far away)."""

    class Meta:
        model = Agreement

    organization = factory.SubFactory(OrganizationFactory)
    title = "돌봄네트워크 업무협약"
    signed_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=380))
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=365))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=365))
    scope = "대상자 발굴·의뢰, 사례회의 참여"

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> Agreement:
        return services.agreement_create(actor=None, **kwargs)  # type: ignore[arg-type]


def ending_in(days: int, **fields: Any) -> Agreement:
    """An agreement ending ``days`` from today (its renewal due 30 days before that)."""
    return AgreementFactory(ends_on=timezone.localdate() + dt.timedelta(days=days), **fields)


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
