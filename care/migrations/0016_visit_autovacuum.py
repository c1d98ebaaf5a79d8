"""Keep the visits table's visibility map and statistics current while tablets sync.

Measured in the load run (bench/load.py): after bulk syncs the coordinators' list of waiting
visits slowed as they grew, because (1) freshly inserted rows are not all-visible until
autovacuum passes, so the paginator's COUNT(*) read the table instead of answering from the
(status, started_at) index (1.5 ms → 21–32 ms at 16,000 waiting visits), and (2) stale
statistics made the planner expect 20–30 waiting rows and sort thousands. Insert-driven vacuum
and analyze after 1 % of the table instead of PostgreSQL's 20 % / 10 % defaults keep both
current. PostgreSQL only: SQLite has no autovacuum to tune.
"""

from django.db import migrations

TUNED = (
    "autovacuum_vacuum_insert_scale_factor = 0.01",
    "autovacuum_vacuum_scale_factor = 0.02",
    "autovacuum_analyze_scale_factor = 0.01",
)


def tune(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE care_visit SET ({', '.join(TUNED)})")


def reset(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    names = ", ".join(setting.split(" = ")[0] for setting in TUNED)
    schema_editor.execute(f"ALTER TABLE care_visit RESET ({names})")


class Migration(migrations.Migration):
    dependencies = [("care", "0015_episode_required")]
    operations = [migrations.RunPython(tune, reset)]
