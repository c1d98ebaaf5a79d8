"""How the application talks to PostgreSQL: parameters bound by the server, so that a
statement a connection repeats is prepared once and not planned on every request."""

from __future__ import annotations

import pytest
from django.db import connection

from care.models import Recipient
from tests.factories import RecipientFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'", reason="prepared statements are PostgreSQL's"
    ),
]


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_parameters_are_bound_by_the_server() -> None:
    assert connection.settings_dict["OPTIONS"].get("server_side_binding") is True


def test_a_query_the_connection_repeats_is_prepared_once_and_reused() -> None:
    person = RecipientFactory()

    for _ in range(8):
        assert Recipient.objects.filter(pk=person.pk).values_list("name", flat=True).get()

    prepared = [sql for sql in _prepared_statements() if '"care_recipient"."name"' in sql]
    assert len(prepared) == 1
    assert "$1" in prepared[0]  # the value went as a parameter, not into the text
