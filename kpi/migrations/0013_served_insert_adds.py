"""A visit's insert adds to the served-person tables instead of recounting them (PostgreSQL).

kpi 0011's insert trigger treated an insert as any other write: for every (recipient, month)
and (corps member, month) the new visits touched it deleted the ``kpi_servedperson`` rows and
recounted them from ``care_visit``, then deleted and recomputed the first months of their
years and the first visits of their episodes. The corps member's recount reads every counted
visit of theirs in the month (one row per recipient's keys, then ``DISTINCT``), so a tablet's
sync grew dearer with each visit its caregiver had already sent that month, and every sync
left dead rows behind in all four tables. In the load run it was half the database's work of
a sync: 6–11 ms of a 20-visit insert of 7–13 ms.

An insert can only add: a new counted visit puts its recipient (kind 1, and kind 2 for a rural
recipient's rural gap care) and its corps member (kind 3) in its month under the recipient's
current keys, may move a first month earlier, and may move its episode's first visit earlier.
So the insert trigger now writes exactly that, from the transition table alone:

- the month's person rows of the new visits' keys, ``ON CONFLICT … DO UPDATE … WHERE false``:
  an existing row is left as it is, but locked;
- the first months of those keys, ``LEAST`` of the kept and the new (updated only when earlier);
- the episodes' first visits, likewise.

Why the lock on a person row that already exists: under READ COMMITTED, a concurrent void of
the month's other visit deletes that row and recounts from the visits it can see, which do
not include this uncommitted insert. With ``DO NOTHING`` the insert would find the row, add
nothing, and the void's recount would then drop the month although the new visit serves it.
Locked, the void's delete waits for the insert's commit, then deletes the row and recounts in
a new statement that sees the new visit (kpi 0011's module docstring gives the recount's side).
The other order was already safe: an insert meeting a row that an uncommitted void deleted
waits for it, and inserts the row once the delete is committed. The tables are written in
kpi 0011's order (totals, persons by kind, first months, episodes) and each in key order, so
an insert and a recount wait for each other, never in a cycle.

Updates, deletes, truncates and recipients' moves still recount (an update can remove a person
from a month); ``kpi_served_rebuild()`` and ``manage.py rebuild_served --check`` are
unchanged, and the tests hold every table to a recount after inserts as after any write.
"""

import importlib

from django.db import migrations

COUNTED = "status <> 'void'"

# The person rows the new counted visits put in their months: the recipient (1), a rural
# recipient's rural gap care (2), the corps member (3), each under the recipient's keys.
NEW_PERSONS = f"""
    SELECT DISTINCT kpi_seoul_month(d.started_at) AS m, k.kind,
           CASE WHEN k.kind = 3 THEN d.corps_member_id ELSE d.recipient_id END AS person,
           r.region_id, r.is_rural
    FROM new_rows d
    JOIN care_recipient r ON r.id = d.recipient_id
    CROSS JOIN (VALUES (1), (2), (3)) AS k (kind)
    WHERE d.{COUNTED} AND (k.kind <> 2 OR (r.is_rural AND d.program_id = v_rural))
"""

INSERT_ADDS = f"""
CREATE OR REPLACE FUNCTION kpi_served_visits_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_rural bigint := (SELECT id FROM care_program WHERE code = 'rural_gap_care');
    v_recipients bigint[];
BEGIN
    SELECT array_agg(DISTINCT recipient_id) INTO v_recipients FROM new_rows WHERE {COUNTED};
    IF v_recipients IS NULL THEN
        RETURN NULL;
    END IF;
    -- As kpi 0011: a concurrent change of a recipient's keys sees these visits or is seen.
    PERFORM 1 FROM care_recipient r WHERE r.id = ANY (v_recipients) ORDER BY r.id FOR SHARE;

    INSERT INTO kpi_servedtotal AS s (month, program_id, region_id, is_rural, visits, microseconds)
    SELECT kpi_seoul_month(d.started_at), d.program_id, r.region_id, r.is_rural, count(*),
           coalesce(sum(kpi_microseconds(d.started_at, d.ended_at)), 0)
    FROM new_rows d JOIN care_recipient r ON r.id = d.recipient_id
    WHERE d.{COUNTED}
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (month, program_id, region_id, is_rural) DO UPDATE SET
        visits = s.visits + excluded.visits,
        microseconds = s.microseconds + excluded.microseconds;

    INSERT INTO kpi_servedperson AS s (month, kind, person_id, region_id, is_rural)
    SELECT p.m, p.kind, p.person, p.region_id, p.is_rural
    FROM ({NEW_PERSONS}) AS p
    ORDER BY 2, 3, 1, 4, 5
    ON CONFLICT (kind, person_id, month, region_id, is_rural)
    DO UPDATE SET month = excluded.month WHERE false;

    INSERT INTO kpi_servedfirst AS f (year, kind, person_id, region_id, is_rural, first_month)
    SELECT extract(year FROM p.m)::int, p.kind, p.person, p.region_id, p.is_rural,
           min(extract(month FROM p.m))::int
    FROM ({NEW_PERSONS}) AS p
    GROUP BY 1, 2, 3, 4, 5
    ORDER BY 2, 3, 1, 4, 5
    ON CONFLICT (kind, person_id, year, region_id, is_rural)
    DO UPDATE SET first_month = excluded.first_month
    WHERE excluded.first_month < f.first_month;

    INSERT INTO kpi_episodefirst AS e (episode_id, first_at, first_on, referred_on)
    SELECT d.episode_id, d.first_at, (d.first_at AT TIME ZONE 'Asia/Seoul')::date, p.referred_on
    FROM (
        SELECT episode_id, min(started_at) AS first_at FROM new_rows WHERE {COUNTED}
        GROUP BY episode_id
    ) AS d
    JOIN care_episode p ON p.id = d.episode_id
    ORDER BY 1
    ON CONFLICT (episode_id) DO UPDATE SET
        first_at = excluded.first_at, first_on = excluded.first_on
    WHERE excluded.first_at < e.first_at;
    RETURN NULL;
END
$$
"""


def insert_adds(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INSERT_ADDS)


def insert_recounts(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        recounts = importlib.import_module("kpi.migrations.0011_served_triggers")
        schema_editor.execute(recounts._visits_follow("insert"))


class Migration(migrations.Migration):
    dependencies = [("kpi", "0012_report_version")]

    operations = [migrations.RunPython(insert_adds, insert_recounts)]
