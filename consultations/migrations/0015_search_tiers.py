"""Indexes for reading search results tier by tier (``consultations.resources._TierReader``),
on PostgreSQL only (DESIGN §6, "Common two-syllable words").

- ``(name, id)``, with ``organization_id``: a tier walks the directory in result order and
  stops at the page's end; the name and organization tiers test their rows on the index alone
  (an index-only scan: 8,400 rows in 3.7 ms where reading each row took 39 ms, measured);
- ``(organization_id, name, id)``: the resources of the organizations whose names match,
  found first (a small table), in result order;
- the two-character grams and the trigrams of ``lower(name)``: a name tier too sparse to walk
  (전주 is in many organizations' names but few resources') is read through them;
- the search text's and the names' gram indexes again, partial, over the published, active
  resources (``WelfareResource.objects.public()``, the finder's rows): with only the full
  indexes the planner ANDed the gram bitmap with a bitmap of ``status = 'active'`` (85% of
  the rows), which cost more than the rest of the search (14 of 17 ms for 돌봄's capped count);
- ``consultations_bigrams`` costs what it costs (about 0.1 ms a call, measured): at the
  default cost of a SQL function the planner preferred a sequential scan calling it on every
  row (0.4 s for the capped count of 돌봄) to the bigram index.

SQLite gets nothing: its search ranks every match in one query, which is fine at its sizes.
"""

from django.db import migrations

PUBLIC = "WHERE is_published AND status = 'active'"
PUBLIC_INDEXES = [
    ("search_bigrams", "consultations_bigrams(search_text)"),
    ("search_trgm", "search_text gin_trgm_ops"),
    ("name_bigrams", "consultations_bigrams(lower(name))"),
    ("name_trgm", "lower(name) gin_trgm_ops"),
]

FORWARD = [
    "CREATE INDEX IF NOT EXISTS welfareresource_name_id "
    "ON consultations_welfareresource (name, id) INCLUDE (organization_id)",
    "CREATE INDEX IF NOT EXISTS welfareresource_organization_name_id "
    "ON consultations_welfareresource (organization_id, name, id)",
    "CREATE INDEX IF NOT EXISTS welfareresource_name_bigrams "
    "ON consultations_welfareresource USING gin (consultations_bigrams(lower(name)))",
    "CREATE INDEX IF NOT EXISTS welfareresource_name_trgm "
    "ON consultations_welfareresource USING gin (lower(name) gin_trgm_ops)",
    "ALTER FUNCTION consultations_bigrams(text) COST 10000",
    *(
        f"CREATE INDEX IF NOT EXISTS welfareresource_public_{name} "
        f"ON consultations_welfareresource USING gin ({expression}) {PUBLIC}"
        for name, expression in PUBLIC_INDEXES
    ),
]

BACKWARD = [
    *(f"DROP INDEX IF EXISTS welfareresource_public_{name}" for name, _e in PUBLIC_INDEXES),
    "ALTER FUNCTION consultations_bigrams(text) COST 100",
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
    dependencies = [("consultations", "0014_callbacks")]
    operations = [migrations.RunPython(create_indexes, drop_indexes)]
