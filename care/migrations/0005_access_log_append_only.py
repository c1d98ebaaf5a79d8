"""On PostgreSQL the database itself keeps the access log append-only: no UPDATE ever, and no
DELETE of a row younger than the two years the law requires (안전성 확보조치 기준 제8조)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION care_accesslog_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'care_accesslog is append-only';
    END IF;
    IF OLD.at > now() - interval '2 years' THEN
        RAISE EXCEPTION 'care_accesslog rows are kept at least two years';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER care_accesslog_append_only
    BEFORE UPDATE OR DELETE ON care_accesslog
    FOR EACH ROW EXECUTE FUNCTION care_accesslog_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS care_accesslog_append_only ON care_accesslog;
DROP FUNCTION IF EXISTS care_accesslog_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("care", "0004_roles")]
    operations = [migrations.RunPython(forwards, backwards)]
