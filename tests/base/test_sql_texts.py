"""base.sql: fixed SQL texts that read what the ORM would, on PostgreSQL and SQLite alike."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from base.sql import connection_of, fetch_values, placeholders, table
from care.models import Episode, Visit
from tests.care.visit_factories import VisitFactory

pytestmark = pytest.mark.django_db


def test_an_in_list_has_one_placeholder_per_value() -> None:
    assert placeholders([1, 2, 3]) == "%s, %s, %s"


def test_an_empty_in_list_is_refused_rather_than_sent_as_invalid_sql() -> None:
    with pytest.raises(ValueError, match="at least one value"):
        placeholders([])


def test_values_read_by_hand_are_converted_as_the_orm_reads_them() -> None:
    visit = VisitFactory(ended_at=None)
    Episode.objects.filter(pk=visit.episode_id).update(max_hours=Decimal("12.5"))
    ops = connection_of(Visit).ops

    [(pk, client_uuid, started_at, ended_at, latitude)] = fetch_values(
        Visit,
        ("id", "client_uuid", "started_at", "ended_at", "latitude"),
        f"SELECT id, client_uuid, started_at, ended_at, latitude FROM {table(Visit)} "  # noqa: S608
        "WHERE id = %s AND started_at > %s",
        [visit.pk, ops.adapt_datetimefield_value(visit.started_at - timedelta(seconds=1))],
    )
    [(max_hours, computed)] = fetch_values(
        Episode,
        ("max_hours", None),
        f"SELECT max_hours, 1 + 1 FROM {table(Episode)} WHERE id = %s",  # noqa: S608
        [visit.episode_id],
    )

    stored = Visit.objects.get(pk=visit.pk)
    assert (pk, client_uuid, started_at, ended_at, latitude) == (
        stored.pk,
        stored.client_uuid,
        stored.started_at,
        None,
        stored.latitude,
    )
    assert timezone.is_aware(started_at)
    assert (max_hours, computed) == (Decimal("12.5"), 2)
