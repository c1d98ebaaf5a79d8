"""Keep the served-person tables (kpi 0010, ``kpi.served``) current at write time, on PostgreSQL.

- Statement triggers on ``care_visit`` (insert, update, delete; one transition table each)
  take the counted visits written and replaced (an update only those whose recipient, corps
  member, program, episode, times or void state changed) and
  - add their visits and microseconds to ``kpi_servedtotal`` under the recipient's keys, in
    key order (two writers lock shared rows in the same order), dropping rows that reach 0;
  - recompute, from ``care_visit`` through its indexes, the ``kpi_servedperson`` rows of each
    (recipient, month) and (corps member, month) touched, the ``kpi_servedfirst`` rows of each
    (person, year) touched from those, and the ``kpi_episodefirst`` row of each episode.
- A statement trigger on ``care_recipient`` does the same for recipients whose 시·군 or
  rural flag changed (every figure is keyed by the recipient's current keys): their totals
  move from the old keys to the new, their months and the corps members who served them are
  recomputed.
- A statement trigger on ``care_episode`` copies a corrected referral date into the episode's
  first-visit row (the median of days from referral reads that row alone).
- A truncate of ``care_visit`` empties the tables; ``kpi_served_rebuild()`` recomputes them
  from scratch (this migration's fill, and ``manage.py rebuild_served --check``).

Why recompute rather than add and subtract: a person's presence in a month and a first month
are not additive (voiding a month's last visit removes the person; voiding the first visit
moves the first month), and a recount through ``visit_recipient_started`` or
``visit_member_started`` reads a few rows. Concurrency under READ COMMITTED: each recompute
deletes the rows of its keys (locking those that exist) and then inserts in a new statement,
so a writer whose keys another writer holds waits and then recounts what that one committed;
where no row existed, writers only add, and the inserts merge (``ON CONFLICT DO NOTHING``, or
``LEAST`` for first months). The visit triggers take ``FOR SHARE`` on the recipients of their
visits before reading their keys, so a concurrent change of a recipient's 시·군 either sees
those visits or is seen by them.

SQLite gets the empty tables: its metrics read the visits (``kpi.metrics``).
"""

from django.db import migrations

COUNTED = "status <> 'void'"

HELPERS = [
    # The Seoul month of an instant, and the instant a Seoul day begins.
    """
    CREATE OR REPLACE FUNCTION kpi_seoul_month(p_at timestamptz) RETURNS date
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT date_trunc('month', p_at AT TIME ZONE 'Asia/Seoul')::date
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION kpi_seoul_instant(p_day date) RETURNS timestamptz
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT p_day::timestamp AT TIME ZONE 'Asia/Seoul'
    $$
    """,
    # A visit's service time in whole microseconds, exactly as kpi.metrics._Microseconds.
    """
    CREATE OR REPLACE FUNCTION kpi_microseconds(p_start timestamptz, p_end timestamptz)
    RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CAST(ROUND(date_part('epoch', p_end - p_start) * 1000000) AS BIGINT)
    $$
    """,
]

REFRESH_PERSONS = f"""
CREATE OR REPLACE FUNCTION kpi_served_refresh_persons(
    p_recipients bigint[], p_recipient_months date[], p_members bigint[], p_member_months date[]
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_rural bigint := (SELECT id FROM care_program WHERE code = 'rural_gap_care');
    v_kinds integer[]; v_persons bigint[]; v_years integer[];
BEGIN
    DELETE FROM kpi_servedperson s
    USING unnest(p_recipients, p_recipient_months) AS a (person, m)
    WHERE s.kind IN (1, 2) AND s.person_id = a.person AND s.month = a.m;
    INSERT INTO kpi_servedperson (month, kind, person_id, region_id, is_rural)
    SELECT a.m, k.kind, a.person, r.region_id, r.is_rural
    FROM (SELECT DISTINCT * FROM unnest(p_recipients, p_recipient_months)) AS a (person, m)
    JOIN care_recipient r ON r.id = a.person
    CROSS JOIN LATERAL (
        (SELECT 1 AS kind FROM care_visit v
         WHERE v.recipient_id = a.person AND v.{COUNTED}
           AND v.started_at >= kpi_seoul_instant(a.m)
           AND v.started_at < kpi_seoul_instant((a.m + interval '1 month')::date)
         LIMIT 1)
        UNION ALL
        (SELECT 2 FROM care_visit v
         WHERE r.is_rural AND v.recipient_id = a.person AND v.program_id = v_rural
           AND v.{COUNTED}
           AND v.started_at >= kpi_seoul_instant(a.m)
           AND v.started_at < kpi_seoul_instant((a.m + interval '1 month')::date)
         LIMIT 1)
    ) AS k
    ORDER BY 2, 3, 1
    ON CONFLICT DO NOTHING;

    DELETE FROM kpi_servedperson s
    USING unnest(p_members, p_member_months) AS a (person, m)
    WHERE s.kind = 3 AND s.person_id = a.person AND s.month = a.m;
    INSERT INTO kpi_servedperson (month, kind, person_id, region_id, is_rural)
    SELECT DISTINCT a.m, 3, a.person, r.region_id, r.is_rural
    FROM (SELECT DISTINCT * FROM unnest(p_members, p_member_months)) AS a (person, m)
    JOIN care_visit v ON v.corps_member_id = a.person AND v.{COUNTED}
        AND v.started_at >= kpi_seoul_instant(a.m)
        AND v.started_at < kpi_seoul_instant((a.m + interval '1 month')::date)
    JOIN care_recipient r ON r.id = v.recipient_id
    ORDER BY 3, 1, 4, 5
    ON CONFLICT DO NOTHING;

    -- The first months of every (person, year) touched, from the rows just written: the
    -- keys once, then a delete and an insert of their own (see the module's docstring).
    SELECT array_agg(t.kind), array_agg(t.person), array_agg(t.year)
    INTO v_kinds, v_persons, v_years
    FROM (
        SELECT DISTINCT k.kind, a.person, extract(year FROM a.m)::int AS year
        FROM unnest(p_recipients, p_recipient_months) AS a (person, m),
             unnest(ARRAY[1, 2]) AS k (kind)
        UNION
        SELECT DISTINCT 3, a.person, extract(year FROM a.m)::int
        FROM unnest(p_members, p_member_months) AS a (person, m)
    ) AS t;
    DELETE FROM kpi_servedfirst f
    USING unnest(v_kinds, v_persons, v_years) AS t (kind, person, year)
    WHERE f.kind = t.kind AND f.person_id = t.person AND f.year = t.year;
    INSERT INTO kpi_servedfirst AS f (year, kind, person_id, region_id, is_rural, first_month)
    SELECT t.year, s.kind, s.person_id, s.region_id, s.is_rural,
           min(extract(month FROM s.month))::int
    FROM unnest(v_kinds, v_persons, v_years) AS t (kind, person, year)
    JOIN kpi_servedperson s ON s.kind = t.kind AND s.person_id = t.person
        AND s.month >= make_date(t.year, 1, 1) AND s.month < make_date(t.year + 1, 1, 1)
    GROUP BY t.year, s.kind, s.person_id, s.region_id, s.is_rural
    ORDER BY 2, 3, 1, 4, 5
    ON CONFLICT (kind, person_id, year, region_id, is_rural)
    DO UPDATE SET first_month = LEAST(f.first_month, excluded.first_month);
END
$$
"""

REFRESH_EPISODES = f"""
CREATE OR REPLACE FUNCTION kpi_served_refresh_episodes(p_episodes bigint[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM kpi_episodefirst e WHERE e.episode_id = ANY (p_episodes);
    INSERT INTO kpi_episodefirst AS e (episode_id, first_at, first_on, referred_on)
    SELECT a.id, f.first_at, (f.first_at AT TIME ZONE 'Asia/Seoul')::date, p.referred_on
    FROM (SELECT DISTINCT unnest(p_episodes) AS id) AS a
    JOIN care_episode p ON p.id = a.id
    CROSS JOIN LATERAL (
        SELECT min(v.started_at) AS first_at FROM care_visit v
        WHERE v.episode_id = a.id AND v.{COUNTED}
    ) AS f
    WHERE f.first_at IS NOT NULL
    ORDER BY 1
    ON CONFLICT (episode_id) DO UPDATE SET
        first_at = LEAST(e.first_at, excluded.first_at),
        first_on = LEAST(e.first_on, excluded.first_on);
END
$$
"""

# Totals: add a signed set of visits (recipient_id, program_id, started_at, ended_at, sign)
# under the recipients' current keys.
ADD_TOTALS = """
    INSERT INTO kpi_servedtotal AS s (month, program_id, region_id, is_rural, visits, microseconds)
    SELECT kpi_seoul_month(d.started_at), d.program_id, r.region_id, r.is_rural,
           sum(d.sign), coalesce(sum(d.sign * kpi_microseconds(d.started_at, d.ended_at)), 0)
    FROM ({source}) AS d JOIN care_recipient r ON r.id = d.recipient_id
    GROUP BY 1, 2, 3, 4
    HAVING sum(d.sign) <> 0
        OR coalesce(sum(d.sign * kpi_microseconds(d.started_at, d.ended_at)), 0) <> 0
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (month, program_id, region_id, is_rural) DO UPDATE SET
        visits = s.visits + excluded.visits,
        microseconds = s.microseconds + excluded.microseconds;
    DELETE FROM kpi_servedtotal s WHERE s.visits = 0 AND s.month = ANY (v_months);
"""

VISIT_COLUMNS = "recipient_id, corps_member_id, program_id, episode_id, started_at, ended_at"

# The counted visits a statement wrote (+1) and replaced (-1).
TOUCHED = {
    "insert": f"SELECT {VISIT_COLUMNS}, 1 AS sign FROM new_rows WHERE {COUNTED}",
    "delete": f"SELECT {VISIT_COLUMNS}, -1 AS sign FROM old_rows WHERE {COUNTED}",
    "update": f"""
        SELECT x.* FROM new_rows n JOIN old_rows o ON o.id = n.id
        CROSS JOIN LATERAL (VALUES
            (n.recipient_id, n.corps_member_id, n.program_id, n.episode_id, n.started_at,
             n.ended_at, CASE WHEN n.{COUNTED} THEN 1 ELSE 0 END),
            (o.recipient_id, o.corps_member_id, o.program_id, o.episode_id, o.started_at,
             o.ended_at, CASE WHEN o.{COUNTED} THEN -1 ELSE 0 END)
        ) AS x ({VISIT_COLUMNS}, sign)
        WHERE x.sign <> 0
          AND (n.recipient_id, n.corps_member_id, n.program_id, n.episode_id, n.started_at,
               n.ended_at, n.status = 'void')
              IS DISTINCT FROM
              (o.recipient_id, o.corps_member_id, o.program_id, o.episode_id, o.started_at,
               o.ended_at, o.status = 'void')
    """,
}


def _visits_follow(event: str) -> str:
    touched = TOUCHED[event]
    return f"""
CREATE OR REPLACE FUNCTION kpi_served_visits_{event}() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_recipients bigint[]; v_recipient_months date[];
    v_members bigint[]; v_member_months date[];
    v_episodes bigint[]; v_months date[];
BEGIN
    SELECT array_agg(t.recipient_id), array_agg(t.m) INTO v_recipients, v_recipient_months
    FROM (SELECT DISTINCT recipient_id, kpi_seoul_month(started_at) AS m
          FROM ({touched}) AS d ORDER BY 1, 2) AS t;
    IF v_recipients IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT array_agg(t.corps_member_id), array_agg(t.m) INTO v_members, v_member_months
    FROM (SELECT DISTINCT corps_member_id, kpi_seoul_month(started_at) AS m
          FROM ({touched}) AS d ORDER BY 1, 2) AS t;
    SELECT array_agg(DISTINCT episode_id) INTO v_episodes FROM ({touched}) AS d;
    SELECT array_agg(DISTINCT m) INTO v_months FROM unnest(v_recipient_months) AS m;
    PERFORM 1 FROM care_recipient r WHERE r.id = ANY (v_recipients) ORDER BY r.id FOR SHARE;
    {ADD_TOTALS.format(source=touched)}
    PERFORM kpi_served_refresh_persons(
        v_recipients, v_recipient_months, v_members, v_member_months);
    PERFORM kpi_served_refresh_episodes(v_episodes);
    RETURN NULL;
END
$$
"""


RECIPIENTS_FOLLOW = f"""
CREATE OR REPLACE FUNCTION kpi_served_recipients_update() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_changed bigint[];
    v_recipients bigint[]; v_recipient_months date[];
    v_members bigint[]; v_member_months date[];
    v_months date[];
BEGIN
    SELECT array_agg(n.id ORDER BY n.id) INTO v_changed
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE (n.region_id, n.is_rural) IS DISTINCT FROM (o.region_id, o.is_rural);
    IF v_changed IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT array_agg(DISTINCT kpi_seoul_month(v.started_at)) INTO v_months
    FROM care_visit v WHERE v.recipient_id = ANY (v_changed) AND v.{COUNTED};
    IF v_months IS NULL THEN
        RETURN NULL;
    END IF;
    -- Their visits' totals move from the old keys to the new.
    INSERT INTO kpi_servedtotal AS s
        (month, program_id, region_id, is_rural, visits, microseconds)
    SELECT kpi_seoul_month(v.started_at), v.program_id, k.region_id, k.is_rural,
           sum(k.sign), coalesce(sum(k.sign * kpi_microseconds(v.started_at, v.ended_at)), 0)
    FROM care_visit v
    JOIN (
        SELECT n.id, n.region_id, n.is_rural, 1 AS sign FROM new_rows n
        WHERE n.id = ANY (v_changed)
        UNION ALL
        SELECT o.id, o.region_id, o.is_rural, -1 FROM old_rows o WHERE o.id = ANY (v_changed)
    ) AS k ON k.id = v.recipient_id
    WHERE v.{COUNTED}
    GROUP BY 1, 2, 3, 4
    HAVING sum(k.sign) <> 0
        OR coalesce(sum(k.sign * kpi_microseconds(v.started_at, v.ended_at)), 0) <> 0
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (month, program_id, region_id, is_rural) DO UPDATE SET
        visits = s.visits + excluded.visits,
        microseconds = s.microseconds + excluded.microseconds;
    DELETE FROM kpi_servedtotal s WHERE s.visits = 0 AND s.month = ANY (v_months);
    -- Their months, and the months of the corps members who served them.
    SELECT array_agg(t.recipient_id), array_agg(t.m) INTO v_recipients, v_recipient_months
    FROM (SELECT DISTINCT v.recipient_id, kpi_seoul_month(v.started_at) AS m
          FROM care_visit v WHERE v.recipient_id = ANY (v_changed) AND v.{COUNTED}
          ORDER BY 1, 2) AS t;
    SELECT array_agg(t.corps_member_id), array_agg(t.m) INTO v_members, v_member_months
    FROM (SELECT DISTINCT v.corps_member_id, kpi_seoul_month(v.started_at) AS m
          FROM care_visit v WHERE v.recipient_id = ANY (v_changed) AND v.{COUNTED}
          ORDER BY 1, 2) AS t;
    PERFORM kpi_served_refresh_persons(
        v_recipients, v_recipient_months, v_members, v_member_months);
    RETURN NULL;
END
$$
"""

# A corrected referral date follows into the episode's first-visit row.
EPISODES_FOLLOW = """
CREATE OR REPLACE FUNCTION kpi_served_episodes_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE kpi_episodefirst e SET referred_on = n.referred_on
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE e.episode_id = n.id AND n.referred_on IS DISTINCT FROM o.referred_on;
    RETURN NULL;
END
$$
"""

EMPTIED = """
CREATE OR REPLACE FUNCTION kpi_served_emptied() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM kpi_servedperson;
    DELETE FROM kpi_servedfirst;
    DELETE FROM kpi_servedtotal;
    DELETE FROM kpi_episodefirst;
    RETURN NULL;
END
$$
"""

REBUILD = f"""
CREATE OR REPLACE FUNCTION kpi_served_rebuild() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_rural bigint := (SELECT id FROM care_program WHERE code = 'rural_gap_care');
BEGIN
    -- Hash aggregates of every visit: at ten million, 4 MB of work_mem spills them to disk.
    PERFORM set_config('work_mem', '256MB', true);
    LOCK TABLE care_visit, care_recipient IN SHARE MODE;
    DELETE FROM kpi_servedperson;
    DELETE FROM kpi_servedfirst;
    DELETE FROM kpi_servedtotal;
    DELETE FROM kpi_episodefirst;
    INSERT INTO kpi_servedtotal (month, program_id, region_id, is_rural, visits, microseconds)
    SELECT kpi_seoul_month(v.started_at), v.program_id, r.region_id, r.is_rural, count(*),
           coalesce(sum(kpi_microseconds(v.started_at, v.ended_at)), 0)
    FROM care_visit v JOIN care_recipient r ON r.id = v.recipient_id
    WHERE v.{COUNTED}
    GROUP BY 1, 2, 3, 4;
    INSERT INTO kpi_servedperson (month, kind, person_id, region_id, is_rural)
    SELECT p.m, k.kind, p.person, r.region_id, r.is_rural
    FROM (
        SELECT DISTINCT kpi_seoul_month(v.started_at) AS m,
               CASE WHEN v.program_id = v_rural THEN 2 ELSE 1 END AS kind,
               v.recipient_id AS person
        FROM care_visit v WHERE v.{COUNTED}
    ) AS p
    JOIN care_recipient r ON r.id = p.person
    CROSS JOIN LATERAL (VALUES (1), (2)) AS k (kind)
    WHERE k.kind = 1 OR (p.kind = 2 AND r.is_rural)
    GROUP BY p.m, k.kind, p.person, r.region_id, r.is_rural;
    INSERT INTO kpi_servedperson (month, kind, person_id, region_id, is_rural)
    SELECT DISTINCT kpi_seoul_month(v.started_at), 3, v.corps_member_id, r.region_id, r.is_rural
    FROM care_visit v JOIN care_recipient r ON r.id = v.recipient_id
    WHERE v.{COUNTED};
    INSERT INTO kpi_servedfirst (year, kind, person_id, region_id, is_rural, first_month)
    SELECT extract(year FROM month)::int, kind, person_id, region_id, is_rural,
           min(extract(month FROM month))::int
    FROM kpi_servedperson
    GROUP BY 1, 2, 3, 4, 5;
    INSERT INTO kpi_episodefirst (episode_id, first_at, first_on, referred_on)
    SELECT f.episode_id, f.first_at, (f.first_at AT TIME ZONE 'Asia/Seoul')::date, e.referred_on
    FROM (
        SELECT episode_id, min(started_at) AS first_at FROM care_visit WHERE {COUNTED}
        GROUP BY episode_id
    ) AS f JOIN care_episode e ON e.id = f.episode_id;
END
$$
"""

TRIGGERS = [
    ("insert", "INSERT", "REFERENCING NEW TABLE AS new_rows"),
    ("update", "UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    ("delete", "DELETE", "REFERENCING OLD TABLE AS old_rows"),
]

FORWARD = [
    *HELPERS,
    REFRESH_PERSONS,
    REFRESH_EPISODES,
    *(_visits_follow(event) for event, _sql, _tables in TRIGGERS),
    RECIPIENTS_FOLLOW,
    EPISODES_FOLLOW,
    EMPTIED,
    REBUILD,
    *(
        f"CREATE TRIGGER kpi_served_{event} AFTER {sql} ON care_visit {tables} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION kpi_served_visits_{event}()"
        for event, sql, tables in TRIGGERS
    ),
    "CREATE TRIGGER kpi_served_truncate AFTER TRUNCATE ON care_visit "
    "FOR EACH STATEMENT EXECUTE FUNCTION kpi_served_emptied()",
    "CREATE TRIGGER kpi_served_recipients AFTER UPDATE ON care_recipient "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION kpi_served_recipients_update()",
    "CREATE TRIGGER kpi_served_episodes AFTER UPDATE ON care_episode "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION kpi_served_episodes_update()",
    # Rows written between rollups: vacuumed early, so that the covering indexes answer
    # without the table (as care 0016 does for the visits).
    *(
        f"ALTER TABLE {table} SET (autovacuum_vacuum_insert_scale_factor = 0.01, "
        "autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.01)"
        for table in ("kpi_servedperson", "kpi_servedfirst", "kpi_servedtotal", "kpi_episodefirst")
    ),
    "SELECT kpi_served_rebuild()",
]

BACKWARD = [
    *(f"DROP TRIGGER IF EXISTS kpi_served_{event} ON care_visit" for event, _s, _t in TRIGGERS),
    "DROP TRIGGER IF EXISTS kpi_served_truncate ON care_visit",
    "DROP TRIGGER IF EXISTS kpi_served_recipients ON care_recipient",
    "DROP TRIGGER IF EXISTS kpi_served_episodes ON care_episode",
    "DROP FUNCTION IF EXISTS kpi_served_episodes_update()",
    "DROP FUNCTION IF EXISTS kpi_served_rebuild()",
    "DROP FUNCTION IF EXISTS kpi_served_emptied()",
    "DROP FUNCTION IF EXISTS kpi_served_recipients_update()",
    *(f"DROP FUNCTION IF EXISTS kpi_served_visits_{event}()" for event, _s, _t in TRIGGERS),
    "DROP FUNCTION IF EXISTS kpi_served_refresh_episodes(bigint[])",
    "DROP FUNCTION IF EXISTS kpi_served_refresh_persons(bigint[], date[], bigint[], date[])",
    "DROP FUNCTION IF EXISTS kpi_microseconds(timestamptz, timestamptz)",
    "DROP FUNCTION IF EXISTS kpi_seoul_instant(date)",
    "DROP FUNCTION IF EXISTS kpi_seoul_month(timestamptz)",
]


def _execute(schema_editor, statements):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in statements:
        schema_editor.execute(statement)


def create_triggers(apps, schema_editor):
    _execute(schema_editor, FORWARD)


def drop_triggers(apps, schema_editor):
    _execute(schema_editor, BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("kpi", "0010_served_tables"),
        ("care", "0028_period_ends_and_names"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
