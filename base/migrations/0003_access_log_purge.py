"""Purging the access log past its retention without breaking the chain (접속기록 파기).

The application's role may not DELETE from the log (db_grant_app_role). The one way to remove
rows is ``care_accesslog_purge(keep_years)``, a SECURITY DEFINER function run with the owner's
rights: it refuses fewer than two years, removes only a prefix of the chain (the oldest rows,
all older than the limit, never the newest row, which the next insert chains from), and
records the anchor (the last removed row's number and hash) in ``base_accesslogpurge`` in the
same transaction, plus a row in the log itself. ``access_log_verify`` then expects the chain
to start right after the last anchor: a removal of the oldest rows by other means is found.
The append-only trigger of care 0005 still refuses any DELETE of a row younger than two years.
"""

import django.utils.timezone
from django.db import migrations, models

CREATE = """
CREATE OR REPLACE FUNCTION care_accesslog_purge(keep_years integer) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    limit_at timestamptz;
    newest bigint;
    upto bigint;
    anchor text;
    removed bigint;
BEGIN
    IF keep_years IS NULL OR keep_years < 2 THEN
        RAISE EXCEPTION 'care_accesslog rows are kept at least two years';
    END IF;
    -- The chain's lock: no row is chained while the prefix goes.
    PERFORM pg_advisory_xact_lock(hashtext('care_accesslog_chain'));
    limit_at := now() - make_interval(years => keep_years);
    SELECT max(chain_seq) INTO newest FROM care_accesslog;
    IF newest IS NULL THEN
        RETURN 0;
    END IF;
    SELECT coalesce(min(chain_seq), newest) - 1 INTO upto
      FROM care_accesslog WHERE at >= limit_at;
    upto := least(upto, newest - 1);
    IF NOT EXISTS (SELECT 1 FROM care_accesslog WHERE chain_seq <= upto) THEN
        RETURN 0;
    END IF;
    SELECT row_hash INTO anchor FROM care_accesslog WHERE chain_seq = upto;
    IF anchor IS NULL THEN
        RAISE EXCEPTION 'care_accesslog row % is missing: verify the chain first', upto;
    END IF;
    DELETE FROM care_accesslog WHERE chain_seq <= upto;
    GET DIAGNOSTICS removed = ROW_COUNT;
    INSERT INTO base_accesslogpurge (purged_at, cutoff, up_to_seq, last_hash, rows_deleted)
         VALUES (now(), limit_at, upto, anchor, removed);
    INSERT INTO care_accesslog (at, username, action, subject_type, subject_id, subject_label,
                                path, prev_hash, row_hash)
         VALUES (now(), 'retention', 'delete', 'access_log', upto,
                 format('%s rows purged', removed), '', '', '');
    RETURN removed;
END;
$$;
REVOKE ALL ON FUNCTION care_accesslog_purge(integer) FROM PUBLIC;

CREATE OR REPLACE FUNCTION base_accesslogpurge_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'base_accesslogpurge is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER base_accesslogpurge_append_only
    BEFORE UPDATE OR DELETE ON base_accesslogpurge
    FOR EACH ROW EXECUTE FUNCTION base_accesslogpurge_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS base_accesslogpurge_append_only ON base_accesslogpurge;
DROP FUNCTION IF EXISTS base_accesslogpurge_append_only();
DROP FUNCTION IF EXISTS care_accesslog_purge(integer);
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # No parameters: the function body has its own % placeholders (RAISE, format).
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):

    dependencies = [
        ("base", "0002_access_log_chain"),
    ]

    operations = [
        migrations.CreateModel(
            name="AccessLogPurge",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("purged_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="파기 일시")),
                ("cutoff", models.DateTimeField(verbose_name="이전 기록 파기 기준")),
                ("up_to_seq", models.BigIntegerField(unique=True, verbose_name="파기한 마지막 순번")),
                ("last_hash", models.CharField(max_length=64, verbose_name="파기한 마지막 해시")),
                ("rows_deleted", models.PositiveBigIntegerField(verbose_name="파기한 행")),
            ],
            options={
                "verbose_name": "접속기록 파기",
                "verbose_name_plural": "접속기록 파기",
                "ordering": ["-up_to_seq"],
                "default_permissions": ("view",),
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
