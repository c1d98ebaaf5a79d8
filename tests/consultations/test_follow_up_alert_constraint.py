"""One follow-up alert a day per consultation or referral, held by the database on SQLite and
PostgreSQL alike (no nulls_distinct, which SQLite ignores)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from consultations.models import FollowUpAlert
from tests.consultations.consultation_factories import ConsultationFactory

AS_OF = dt.date(2023, 5, 10)


def consultation_alert(consultation: object, as_of: dt.date = AS_OF) -> FollowUpAlert:
    return FollowUpAlert.objects.create(
        kind=FollowUpAlert.Kind.CONSULTATION,
        consultation=consultation,
        due_on=AS_OF - dt.timedelta(days=3),
        as_of=as_of,
    )


@pytest.mark.django_db
def test_database_refuses_a_second_consultation_alert_on_the_same_day() -> None:
    consultation = ConsultationFactory()
    consultation_alert(consultation)

    with pytest.raises(IntegrityError), transaction.atomic():
        consultation_alert(consultation)


@pytest.mark.django_db
def test_consultation_alert_may_come_again_the_next_day() -> None:
    consultation = ConsultationFactory()
    consultation_alert(consultation)

    consultation_alert(consultation, as_of=AS_OF + dt.timedelta(days=1))

    assert FollowUpAlert.objects.filter(consultation=consultation).count() == 2
