"""The embedded SQLite database purges the access log the same way as PostgreSQL's function:
a prefix past two years, the anchor recorded, the chain still verifiable."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from base.access_chain import chain_in_python
from base.models import AccessLog, AccessLogPurge
from base.retention import access_log_purge
from base.services import access_log_record, access_log_verify
from tests.factories import RecipientFactory, UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("connection.vendor != 'sqlite'", reason="PostgreSQL purges in SQL"),
]


def test_sqlite_purges_a_prefix_past_two_years_and_records_the_anchor() -> None:
    actor = UserFactory(username="counselor1", roles=["counselor"])
    access_log_record(actor=actor, action="view", recipients=RecipientFactory.create_batch(4))
    rows = list(AccessLog.objects.order_by("chain_seq"))
    for row in rows[:2]:
        row.at -= dt.timedelta(days=3 * 366)
    AccessLog.objects.bulk_update(
        list(chain_in_python(rows, None)), ["at", "prev_hash", "row_hash"]
    )
    assert access_log_verify().ok

    assert access_log_purge() == 2

    assert AccessLogPurge.objects.get().up_to_seq == 2
    assert list(AccessLog.objects.order_by("chain_seq").values_list("chain_seq", flat=True)) == [
        3,
        4,
        5,
    ]
    assert access_log_verify().ok
    AccessLog.objects.filter(chain_seq=4).delete()
    assert not access_log_verify().ok
    assert connection.vendor == "sqlite"
