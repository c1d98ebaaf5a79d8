"""Indexes for the directory's Korean substring search, on PostgreSQL only (DESIGN §6).

- a pg_trgm GIN index on ``search_text``: serves ``LIKE '%긴급돌봄%'`` (three or more
  characters hold whole trigrams);
- ``consultations_bigrams(text)``, the distinct two-character grams of a text, and a GIN index
  over ``consultations_bigrams(search_text)``: serves two-syllable words such as ``돌봄``, for
  which the trigram index is of no use. ``consultations.resources.resource_search`` asks
  ``consultations_bigrams(search_text) @> consultations_bigrams(q)`` for a two-character query
  (exact at that length) and ``search_text LIKE '%q%'`` (trigram index) for a longer one.

SQLite gets nothing: its search scans, which is fine at its sizes. Reversing drops the index
and the function but leaves the pg_trgm extension, which other objects may use by then.
"""

from django.db import migrations

BIGRAMS_FUNCTION = r"""
CREATE OR REPLACE FUNCTION consultations_bigrams(value text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT coalesce(array_agg(DISTINCT substr(value, i, 2)), '{}'::text[])
    FROM generate_series(1, char_length(value) - 1) AS i
$$
"""

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS welfareresource_search_trgm "
    "ON consultations_welfareresource USING gin (search_text gin_trgm_ops)",
    BIGRAMS_FUNCTION,
    "CREATE INDEX IF NOT EXISTS welfareresource_search_bigrams "
    "ON consultations_welfareresource USING gin (consultations_bigrams(search_text))",
]

BACKWARD = [
    "DROP INDEX IF EXISTS welfareresource_search_bigrams",
    "DROP FUNCTION IF EXISTS consultations_bigrams(text)",
    "DROP INDEX IF EXISTS welfareresource_search_trgm",
]


def _execute(schema_editor, statements):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in statements:
        schema_editor.execute(statement)


def create_search_indexes(apps, schema_editor):
    _execute(schema_editor, FORWARD)


def drop_search_indexes(apps, schema_editor):
    _execute(schema_editor, BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("consultations", "0003_roles")]
    operations = [
        migrations.RunPython(create_search_indexes, drop_search_indexes),
    ]
