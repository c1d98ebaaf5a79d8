"""The visits table vacuums and analyzes after 1 % of new rows (care 0016), on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="autovacuum is PostgreSQL's")
def test_visits_table_is_vacuumed_and_analyzed_after_one_percent_of_inserts() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'care_visit'")
        (options,) = cursor.fetchone()

    assert "autovacuum_vacuum_insert_scale_factor=0.01" in options
    assert "autovacuum_analyze_scale_factor=0.01" in options
