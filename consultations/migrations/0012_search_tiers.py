"""Indexes for reading search results tier by tier (``consultations.resources._TierReader``),
on PostgreSQL only (DESIGN §6, "Common two-syllable words").

- ``(name, id)``: a tier walks the directory in result order and stops at the page's end;
- ``(organization_id, name, id)``: the resources of the organizations whose names match,
  found first (a small table), in result order;
- the two-character grams and the trigrams of ``lower(name)``: a name tier too sparse to walk
  (전주 is in many organizations' names but few resources') is read through them.

SQLite gets nothing: its search ranks every match in one query, which is fine at its sizes.
"""

from django.db import migrations

FORWARD = [
    "CREATE INDEX IF NOT EXISTS welfareresource_name_id "
    "ON consultations_welfareresource (name, id)",
    "CREATE INDEX IF NOT EXISTS welfareresource_organization_name_id "
    "ON consultations_welfareresource (organization_id, name, id)",
    "CREATE INDEX IF NOT EXISTS welfareresource_name_bigrams "
    "ON consultations_welfareresource USING gin (consultations_bigrams(lower(name)))",
    "CREATE INDEX IF NOT EXISTS welfareresource_name_trgm "
    "ON consultations_welfareresource USING gin (lower(name) gin_trgm_ops)",
]

BACKWARD = [
    "DROP INDEX IF EXISTS welfareresource_name_trgm",
    "DROP INDEX IF EXISTS welfareresource_name_bigrams",
    "DROP INDEX IF EXISTS welfareresource_organization_name_id",
    "DROP INDEX IF EXISTS welfareresource_name_id",
]


def _execute(schema_editor, statements):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in statements:
        schema_editor.execute(statement)


def create_indexes(apps, schema_editor):
    _execute(schema_editor, FORWARD)


def drop_indexes(apps, schema_editor):
    _execute(schema_editor, BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("consultations", "0011_roles_public_directory")]
    operations = [migrations.RunPython(create_indexes, drop_indexes)]
