"""The version of the year report's rows, so a process can keep the report's body and know,
with one small query, whether it may still serve it (``kpi.selectors.year_report_body``).

``kpi_reportversion`` holds one row. On PostgreSQL a statement trigger on every table the report
reads (``kpi.report.year_report``: ``structure_year`` reads the goals' years, the prefetch chain
the goals, indicators, measures, their targets, unit programs and their targets, and
``_measurements`` the measurements) fires before each INSERT, UPDATE, DELETE and TRUNCATE and
gives the row's ``n`` a new value, in the writer's own transaction.

Why a reader that reads the version first and then the data never keeps stale data under a
version: under READ COMMITTED every statement sees what was committed before it began. A
reader that sees version V started its version query after the commit of the last writer that
set V, so each of its later data queries also sees that writer's rows (and perhaps those of
later writers, never fewer). Any writer that commits afterwards changed the version in the same
commit, so a reader that then reads the version sees a new value and recomputes. A writer's
uncommitted version is seen by nobody but itself.

Why a value from a sequence and not ``n + 1``: a transaction that writes, reads the report
(keeping a body computed from its uncommitted rows) and then rolls back would leave ``n + 1``
free for the next writer, whose committed rows differ; the process would then serve the rolled
back body under that writer's version. ``nextval`` is never rolled back, so each writing
statement's value is used once, committed or not. The sequence is not OWNED BY the column:
``manage.py flush`` (and the tests' TRUNCATE … RESTART IDENTITY) must not start it over. The
row's own value still rolls back with the writer, as any row does.

Why an upsert: a flush or a TRUNCATE of ``kpi_reportversion`` removes the row; the next write
puts it back. Without the row a reader computes and keeps nothing.

Costs: every writing statement on these tables takes the row's lock until its transaction
ends, so writers of the goal structure and of measurements (rollups, manual entries) queue
behind each other at the row; they are few and short. Before the statement, not after it: a
writer takes the row's lock before any lock on the rows it changes, so two writers always
meet at the version row first and cannot deadlock there (after the statement, each could hold
rows the other wants and then wait for the version). A statement that changes no row still
changes the version (the next read recomputes once). Triggers disabled by
``session_replication_role = replica`` (a restore with --disable-triggers) change nothing:
restart the application after such a restore.

SQLite gets the empty table and no triggers: the report is computed for every request.
"""

from django.db import migrations, models

# The models whose tables ``kpi.report.year_report`` reads.
REPORTED = [
    "StrategicGoal",
    "Indicator",
    "Measure",
    "MeasureTarget",
    "UnitProgram",
    "UnitProgramTarget",
    "Measurement",
]

SEQUENCE = "kpi_report_version_seq"

BUMP = f"""
CREATE OR REPLACE FUNCTION kpi_report_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO kpi_reportversion (id, n) VALUES (1, nextval('{SEQUENCE}'))
    ON CONFLICT (id) DO UPDATE SET n = EXCLUDED.n;
    RETURN NULL;
END
$$
"""


def _tables(apps):
    return [apps.get_model("kpi", name)._meta.db_table for name in REPORTED]


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE}")
    schema_editor.execute(
        f"INSERT INTO kpi_reportversion (id, n) VALUES (1, nextval('{SEQUENCE}'))"
        " ON CONFLICT (id) DO NOTHING"
    )
    schema_editor.execute(BUMP)
    for table in _tables(apps):
        schema_editor.execute(
            f"CREATE TRIGGER kpi_report_version BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE"
            f" ON {table} FOR EACH STATEMENT EXECUTE FUNCTION kpi_report_version_bump()"
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in _tables(apps):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS kpi_report_version ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS kpi_report_version_bump()")
    schema_editor.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")


class Migration(migrations.Migration):
    dependencies = [
        ("kpi", "0011_served_triggers"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReportVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("n", models.BigIntegerField(default=0, verbose_name="버전")),
            ],
            options={
                "verbose_name": "보고서 버전",
                "verbose_name_plural": "보고서 버전",
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
