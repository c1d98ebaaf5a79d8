"""The chain trigger finds the last row through the ``chain_seq`` index, whatever the size of
the table when its plan was made.

PL/pgSQL keeps the plan of ``SELECT … ORDER BY chain_seq DESC LIMIT 1`` for the life of the
connection. A connection that first logged while the table was small (a new installation, a
test database, the load run's) kept a sequential scan and a sort, and so read the whole log
once per inserted row: in the load run (bench/load.py) a list of 25 people cost 26–39 ms in
the trigger after a minute, and the database's CPU per request doubled. Without sequential
scans the only plan left is a backward scan of the unique index on ``chain_seq``, one index
page at any size.
"""

from django.db import migrations

FORWARDS = "ALTER FUNCTION care_accesslog_chain() SET enable_seqscan = off"
BACKWARDS = "ALTER FUNCTION care_accesslog_chain() RESET enable_seqscan"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARDS)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARDS)


class Migration(migrations.Migration):

    dependencies = [
        ("base", "0005_access_log_export_purpose"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
