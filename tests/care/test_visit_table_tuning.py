"""The visits table vacuums and analyzes after 1 % of new rows (care 0016), on PostgreSQL."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.db import connection

from care.episodes.selectors import delivered_minutes
from care.models import Episode
from tests.care.visit_factories import VisitFactory

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="autovacuum is PostgreSQL's")
def test_visits_table_is_vacuumed_and_analyzed_after_one_percent_of_inserts() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'care_visit'")
        (options,) = cursor.fetchone()

    assert "autovacuum_vacuum_insert_scale_factor=0.01" in options
    assert "autovacuum_analyze_scale_factor=0.01" in options


def _visit_indexes() -> dict[str, list[str]]:
    """care_visit's indexes by name, each as its key columns (first to last)."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "care_visit")
    return {name: c["columns"] for name, c in constraints.items() if c["index"]}


def test_each_key_of_a_visit_leads_exactly_one_index() -> None:
    leading = [columns[0] for columns in _visit_indexes().values()]

    for key in ("recipient_id", "corps_member_id", "episode_id"):
        assert leading.count(key) == 1, key


def _plan(sql: str, params: Any = ()) -> str:
    with connection.cursor() as cursor:
        # the plan a large table gets, whatever a small test table's statistics say
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
def test_an_episodes_delivered_minutes_are_read_from_its_kept_row_alone() -> None:
    # care 0030 keeps them: one row an episode, read by its key, without the visits
    VisitFactory.create_batch(3)
    rows = Episode.objects.annotate(minutes=delivered_minutes()).values_list("pk", "minutes")

    sql, params = rows.query.sql_with_params()
    plan = _plan(sql, params)

    assert "using care_episodehours_pkey on care_episodehours" in plan, plan
    assert "care_visit" not in plan, plan
    # no join back to the episode and no sort per row (EpisodeHours's ordering is the episode's)
    subquery = sql[sql.index("(SELECT") : sql.index(' FROM "care_episode" ORDER BY')]
    assert ("JOIN" not in subquery, "ORDER BY" not in subquery) == (True, True), subquery


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
def test_the_triggers_recount_an_episode_from_the_index_alone() -> None:
    # the recount of care 0030's triggers, as its function runs it
    migration = importlib.import_module("care.migrations.0030_episode_hours")
    recount = (
        f"SELECT sum({migration.MICROSECONDS}) FROM care_visit v "  # noqa: S608
        f"WHERE v.episode_id = %s AND {migration.COUNTED_V}"
    )

    plan = _plan(recount, [VisitFactory().episode_id])

    assert "Index Only Scan using visit_episode_hours on care_visit" in plan, plan
