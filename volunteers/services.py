"""Writes of the corps member registry."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from base.models import ServiceType
from volunteers.models import CorpsMember, Qualification, weekdays_to_mask

CORPS_MEMBER_FIELDS = {
    "name", "phone", "region", "availability_note", "status", "joined_on", "left_on", "user",
}  # fmt: skip


def _apply(
    member: CorpsMember, fields: dict[str, Any], available_weekdays: list[str] | None
) -> None:
    unknown = set(fields) - CORPS_MEMBER_FIELDS
    if unknown:
        raise ValueError(f"unknown corps member fields: {sorted(unknown)}")
    for field, value in fields.items():
        setattr(member, field, value.strip() if isinstance(value, str) else value)
    if available_weekdays is not None:
        member.available_days = weekdays_to_mask(available_weekdays)


@transaction.atomic
def corps_member_create(
    *,
    actor: AbstractBaseUser,
    service_types: Iterable[ServiceType] = (),
    qualifications: Iterable[Qualification] = (),
    available_weekdays: list[str] | None = None,
    **fields: Any,
) -> CorpsMember:
    """Register a corps member (긴급돌봄지원단원 위촉)."""
    member = CorpsMember()
    _apply(member, fields, available_weekdays)
    member.full_clean()
    member.save()
    member.service_types.set(service_types)
    member.qualifications.set(qualifications)
    return member


@transaction.atomic
def corps_member_update(
    *,
    actor: AbstractBaseUser,
    corps_member: CorpsMember,
    service_types: Iterable[ServiceType] | None = None,
    qualifications: Iterable[Qualification] | None = None,
    available_weekdays: list[str] | None = None,
    **fields: Any,
) -> CorpsMember:
    corps_member = CorpsMember.objects.select_for_update().get(pk=corps_member.pk)
    _apply(corps_member, fields, available_weekdays)
    corps_member.full_clean()
    corps_member.save()
    if service_types is not None:
        corps_member.service_types.set(service_types)
    if qualifications is not None:
        corps_member.qualifications.set(qualifications)
    return corps_member
