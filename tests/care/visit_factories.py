"""factory_boy factories and payload helpers for the visit tests (방문기록)."""

from __future__ import annotations

import datetime as dt
import uuid
from datetime import datetime, timedelta
from typing import Any

import factory
from django.utils import timezone

from care.models import Recipient, Visit, VisitException
from tests.factories import (
    CorpsMemberFactory,
    RecipientFactory,
    episode_of,
    program,
    service_type,
)


def hours_ago(hours: float) -> datetime:
    return timezone.now() - timedelta(hours=hours)


class VisitFactory(factory.django.DjangoModelFactory):
    """A submitted visit of one hour that started three hours ago.

    ``service_types`` takes a list of codes (default ``["housework"]``).
    """

    class Meta:
        model = Visit
        skip_postgeneration_save = True

    client_uuid = factory.LazyFunction(uuid.uuid4)
    recipient = factory.SubFactory(RecipientFactory)
    corps_member = factory.SubFactory(CorpsMemberFactory)
    program = factory.LazyFunction(program)
    # The recipient's open episode, else a new active one: every visit belongs to an episode.
    episode = factory.LazyAttribute(
        lambda visit: episode_of(
            visit.recipient,
            starts_on=min(timezone.localdate(visit.started_at), dt.date(2023, 1, 15)),
            program=visit.program,
        )
    )
    started_at = factory.LazyFunction(lambda: hours_ago(3))
    ended_at = factory.LazyAttribute(lambda visit: visit.started_at + timedelta(hours=1))
    notes = ""
    status = Visit.Status.SUBMITTED

    @factory.post_generation
    def service_types(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if create:
            codes = ["housework"] if extracted is None else extracted
            self.service_types.set([service_type(code) for code in codes])  # type: ignore[attr-defined]


class VisitExceptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VisitException

    visit = factory.SubFactory(VisitFactory)
    kind = VisitException.Kind.OVERLAP
    detail = "테스트 예외"


def caregiver_visit(caregiver: Any, **overrides: Any) -> Visit:
    """A stored visit by the ``caregiver`` fixture's user to their assigned recipient."""
    fields: dict[str, Any] = {
        "recipient": caregiver.assigned_recipient,
        "corps_member": caregiver.corps_member_record,
        "recorded_by": caregiver,
    }
    fields.update(overrides)
    return VisitFactory(**fields)


def visit_payload(
    recipient: Recipient | int,
    /,
    *,
    started: datetime | None = None,
    length: timedelta | None = timedelta(hours=1),
    **overrides: Any,
) -> dict[str, Any]:
    """A visit as a tablet posts it: started three hours ago, one hour long, by default."""
    started = started or hours_ago(3)
    payload: dict[str, Any] = {
        "client_uuid": str(uuid.uuid4()),
        "recipient": recipient if isinstance(recipient, int) else recipient.pk,
        "started_at": started.isoformat(),
        "ended_at": None if length is None else (started + length).isoformat(),
        "service_types": ["housework"],
        "notes": "",
    }
    payload.update(overrides)
    return payload
