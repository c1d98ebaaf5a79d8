"""An episode's delivered service time, kept at write time (PostgreSQL).

The desk home tests every active episode against its hours limit, and summed every counted
visit of each on every load: in a load run that reached 200 visits an episode and 125–138 ms
of the database's CPU a load, through the heap while the new visits were not yet vacuumed.
``care_episodehours`` holds one row per episode (made by a statement trigger on the
episode's insert, and here for the episodes there are), in whole microseconds as the KPI
figures count service time (``ROUND(epoch × 10⁶)`` of each visit, summed exactly):

- an insert of visits adds its counted, checked-out visits' time to their episodes' rows;
- an update that changes a visit's episode, times or void state, and a delete, recount the
  episodes they touched (old and new) from ``care_visit`` (``visit_episode_hours`` serves
  the recount from its index);
- a truncate of ``care_visit`` sets every row to 0.

Concurrency under READ COMMITTED: every writer first locks its episodes' rows in id order
(``FOR UPDATE``) and only then adds or recounts, in a new statement. A recount that waited for
an insert's lock sees that insert's committed visits; an insert that waited for a recount adds
its own visits to the recounted row, which could not see them. The rows always exist, so
neither writer ever inserts one. SQLite keeps no rows (``delivered_minutes`` sums there).
"""

import django.db.models.deletion
from django.db import migrations, models

COUNTED = "status <> 'void' AND ended_at IS NOT NULL"
COUNTED_V = "v.status <> 'void' AND v.ended_at IS NOT NULL"
MICROSECONDS = "CAST(ROUND(date_part('epoch', ended_at - started_at) * 1000000) AS BIGINT)"

FUNCTIONS = [
    """
    CREATE OR REPLACE FUNCTION care_episode_hours_new_episodes() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO care_episodehours (episode_id, microseconds)
        SELECT id, 0 FROM new_rows ORDER BY id ON CONFLICT (episode_id) DO NOTHING;
        RETURN NULL;
    END
    $$
    """,
    # The episodes' rows, locked in id order, then recounted in a new statement (a snapshot
    # that sees what the writers that held the locks committed).
    f"""
    CREATE OR REPLACE FUNCTION care_episode_hours_recount(p_episodes bigint[]) RETURNS void
    LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM 1 FROM care_episodehours WHERE episode_id = ANY (p_episodes)
        ORDER BY episode_id FOR UPDATE;
        UPDATE care_episodehours h SET microseconds = coalesce((
            SELECT sum({MICROSECONDS}) FROM care_visit v
            WHERE v.episode_id = h.episode_id AND {COUNTED_V}
        ), 0)
        WHERE h.episode_id = ANY (p_episodes);
    END
    $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION care_episode_hours_visits_insert() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        v_episodes bigint[];
    BEGIN
        SELECT array_agg(DISTINCT episode_id ORDER BY episode_id) INTO v_episodes
        FROM new_rows WHERE {COUNTED} AND episode_id IS NOT NULL;
        IF v_episodes IS NULL THEN
            RETURN NULL;
        END IF;
        PERFORM 1 FROM care_episodehours WHERE episode_id = ANY (v_episodes)
        ORDER BY episode_id FOR UPDATE;
        UPDATE care_episodehours h SET microseconds = h.microseconds + d.microseconds
        FROM (
            SELECT episode_id, sum({MICROSECONDS}) AS microseconds FROM new_rows
            WHERE {COUNTED} AND episode_id IS NOT NULL GROUP BY episode_id
        ) AS d
        WHERE h.episode_id = d.episode_id;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION care_episode_hours_visits_update() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        v_episodes bigint[];
    BEGIN
        SELECT array_agg(DISTINCT e ORDER BY e) INTO v_episodes FROM (
            SELECT o.episode_id FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE (o.episode_id, o.started_at, o.ended_at, o.status)
                IS DISTINCT FROM (n.episode_id, n.started_at, n.ended_at, n.status)
            UNION ALL
            SELECT n.episode_id FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE (o.episode_id, o.started_at, o.ended_at, o.status)
                IS DISTINCT FROM (n.episode_id, n.started_at, n.ended_at, n.status)
        ) AS t (e) WHERE e IS NOT NULL;
        IF v_episodes IS NOT NULL THEN
            PERFORM care_episode_hours_recount(v_episodes);
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION care_episode_hours_visits_delete() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        v_episodes bigint[];
    BEGIN
        SELECT array_agg(DISTINCT episode_id ORDER BY episode_id) INTO v_episodes
        FROM old_rows WHERE episode_id IS NOT NULL;
        IF v_episodes IS NOT NULL THEN
            PERFORM care_episode_hours_recount(v_episodes);
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION care_episode_hours_visits_truncate() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE care_episodehours SET microseconds = 0 WHERE microseconds <> 0;
        RETURN NULL;
    END
    $$
    """,
]

TRIGGERS = [
    "CREATE TRIGGER care_episode_hours_new AFTER INSERT ON care_episode "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION care_episode_hours_new_episodes()",
    "CREATE TRIGGER care_episode_hours_insert AFTER INSERT ON care_visit "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION care_episode_hours_visits_insert()",
    "CREATE TRIGGER care_episode_hours_update AFTER UPDATE ON care_visit "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION care_episode_hours_visits_update()",
    "CREATE TRIGGER care_episode_hours_delete AFTER DELETE ON care_visit "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION care_episode_hours_visits_delete()",
    "CREATE TRIGGER care_episode_hours_truncate AFTER TRUNCATE ON care_visit "
    "FOR EACH STATEMENT EXECUTE FUNCTION care_episode_hours_visits_truncate()",
]

FILL = f"""
INSERT INTO care_episodehours (episode_id, microseconds)
SELECT e.id, coalesce((
    SELECT sum({MICROSECONDS}) FROM care_visit v
    WHERE v.episode_id = e.id AND {COUNTED_V}
), 0)
FROM care_episode e
ON CONFLICT (episode_id) DO UPDATE SET microseconds = excluded.microseconds
"""

DROP = [
    "DROP TRIGGER IF EXISTS care_episode_hours_new ON care_episode",
    "DROP TRIGGER IF EXISTS care_episode_hours_insert ON care_visit",
    "DROP TRIGGER IF EXISTS care_episode_hours_update ON care_visit",
    "DROP TRIGGER IF EXISTS care_episode_hours_delete ON care_visit",
    "DROP TRIGGER IF EXISTS care_episode_hours_truncate ON care_visit",
    "DROP FUNCTION IF EXISTS care_episode_hours_new_episodes()",
    "DROP FUNCTION IF EXISTS care_episode_hours_visits_insert()",
    "DROP FUNCTION IF EXISTS care_episode_hours_visits_update()",
    "DROP FUNCTION IF EXISTS care_episode_hours_visits_delete()",
    "DROP FUNCTION IF EXISTS care_episode_hours_visits_truncate()",
    "DROP FUNCTION IF EXISTS care_episode_hours_recount(bigint[])",
]


def keep(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in [*FUNCTIONS, *TRIGGERS, FILL]:
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in DROP:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("care", "0029_visit_keys_indexed_once")]

    operations = [
        migrations.CreateModel(
            name="EpisodeHours",
            fields=[
                (
                    "episode",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="hours",
                        serialize=False,
                        to="care.episode",
                        verbose_name="돌봄 회차",
                    ),
                ),
                (
                    "microseconds",
                    models.BigIntegerField(default=0, verbose_name="제공 시간(마이크로초)"),
                ),
            ],
            options={
                "verbose_name": "회차 제공 시간",
                "verbose_name_plural": "회차 제공 시간",
                "ordering": ["episode"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("microseconds__gte", 0)),
                        name="episode_hours_not_negative",
                    )
                ],
            },
        ),
        migrations.RunPython(keep, drop),
    ]
