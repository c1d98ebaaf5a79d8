"""Per-gram counts of the directory (``SearchGramCount``), kept by triggers, on PostgreSQL.

The capped count of a common two-syllable word read the search text's gram index: a bitmap
of every match (23,000 for 돌봄, about 2 ms) before the first of its 1,001 rows. The counts
kept here answer it in one primary-key read, exactly: for two characters, "the text holds
the gram" is "the text contains the word" (``consultations.resources.search_form``).

- ``consultations_resource_grams(search_text, name, public, sign)``: one resource's grams,
  each with ``sign`` (1 or -1) in the columns it counts in, and the totals row ``''``;
- three statement triggers (insert, update, delete; PostgreSQL allows transition tables on
  one event per trigger) add the grams of the rows written and subtract those of the rows
  replaced, in one grouped upsert per statement, in gram order so that two writers lock
  the rows they share in the same order. An update counts only the rows whose search
  text, name or public state changed (the nightly freshness pass rewrites thousands of
  ``assured_date``s and no text);
- a truncate empties the counts;
- ``consultations_gram_counts_rebuild()`` recomputes everything (this migration's fill, and
  the check that the kept counts equal a recount).

SQLite gets the empty table: its search counts by scanning.
"""

from django.db import migrations, models

PUBLIC = "{r}.is_published AND {r}.status = 'active'"

GRAMS = """
CREATE OR REPLACE FUNCTION consultations_resource_grams(
    p_text text, p_name text, p_public boolean, p_sign integer
) RETURNS TABLE (
    gram text, public_texts integer, public_names integer, all_texts integer, all_names integer
) LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT g, sum(pt)::integer, sum(pn)::integer, sum(at)::integer, sum(an)::integer
    FROM (
        SELECT g, CASE WHEN p_public THEN p_sign ELSE 0 END, 0, p_sign, 0
        FROM unnest(consultations_bigrams(p_text)) AS g
        UNION ALL
        SELECT g, 0, CASE WHEN p_public THEN p_sign ELSE 0 END, 0, p_sign
        FROM unnest(consultations_bigrams(lower(p_name))) AS g
        UNION ALL
        SELECT '', CASE WHEN p_public THEN p_sign ELSE 0 END,
               CASE WHEN p_public THEN p_sign ELSE 0 END, p_sign, p_sign
    ) AS counted (g, pt, pn, at, an)
    GROUP BY g
$$
"""

UPSERT = """
INSERT INTO consultations_searchgramcount AS c
    (gram, public_texts, public_names, all_texts, all_names)
SELECT d.gram, sum(d.public_texts), sum(d.public_names), sum(d.all_texts), sum(d.all_names)
FROM {source}
GROUP BY d.gram
HAVING sum(d.public_texts) <> 0 OR sum(d.public_names) <> 0
    OR sum(d.all_texts) <> 0 OR sum(d.all_names) <> 0
ORDER BY d.gram
ON CONFLICT (gram) DO UPDATE SET
    public_texts = c.public_texts + excluded.public_texts,
    public_names = c.public_names + excluded.public_names,
    all_texts = c.all_texts + excluded.all_texts,
    all_names = c.all_names + excluded.all_names
"""


def _grams_of(rows: str, sign: int) -> str:
    public = PUBLIC.format(r="r")
    return (
        f"{rows} AS r, LATERAL consultations_resource_grams("
        f"r.search_text, r.name, {public}, {sign}) AS d"
    )


CHANGED = """(
    SELECT n.search_text AS n_text, n.name AS n_name, {new_public} AS n_public,
           o.search_text AS o_text, o.name AS o_name, {old_public} AS o_public
    FROM new_rows AS n JOIN old_rows AS o ON o.id = n.id
    WHERE (n.search_text, n.name, {new_public})
          IS DISTINCT FROM (o.search_text, o.name, {old_public})
) AS changed, LATERAL (
    SELECT * FROM consultations_resource_grams(n_text, n_name, n_public, 1)
    UNION ALL
    SELECT * FROM consultations_resource_grams(o_text, o_name, o_public, -1)
) AS d""".format(new_public=PUBLIC.format(r="n"), old_public=PUBLIC.format(r="o"))

FOLLOW = f"""
CREATE OR REPLACE FUNCTION consultations_gram_counts_follow() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {UPSERT.format(source=_grams_of("new_rows", 1))};
    ELSIF TG_OP = 'DELETE' THEN
        {UPSERT.format(source=_grams_of("old_rows", -1))};
    ELSE
        {UPSERT.format(source=CHANGED)};
    END IF;
    RETURN NULL;
END
$$
"""

EMPTIED = """
CREATE OR REPLACE FUNCTION consultations_gram_counts_emptied() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM consultations_searchgramcount;
    RETURN NULL;
END
$$
"""

REBUILD = f"""
CREATE OR REPLACE FUNCTION consultations_gram_counts_rebuild() RETURNS void
LANGUAGE sql AS $$
    LOCK TABLE consultations_welfareresource IN SHARE MODE;
    DELETE FROM consultations_searchgramcount;
    {UPSERT.format(source=_grams_of("consultations_welfareresource", 1))};
$$
"""

TRIGGERS = [
    ("insert", "INSERT", "REFERENCING NEW TABLE AS new_rows"),
    ("update", "UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    ("delete", "DELETE", "REFERENCING OLD TABLE AS old_rows"),
]

FORWARD = [
    GRAMS,
    FOLLOW,
    EMPTIED,
    REBUILD,
    *(
        f"CREATE TRIGGER consultations_gram_counts_{name} AFTER {event} "
        f"ON consultations_welfareresource {tables} "
        "FOR EACH STATEMENT EXECUTE FUNCTION consultations_gram_counts_follow()"
        for name, event, tables in TRIGGERS
    ),
    "CREATE TRIGGER consultations_gram_counts_truncate AFTER TRUNCATE "
    "ON consultations_welfareresource "
    "FOR EACH STATEMENT EXECUTE FUNCTION consultations_gram_counts_emptied()",
    "SELECT consultations_gram_counts_rebuild()",
]

BACKWARD = [
    *(
        f"DROP TRIGGER IF EXISTS consultations_gram_counts_{name} "
        "ON consultations_welfareresource"
        for name in ("insert", "update", "delete", "truncate")
    ),
    "DROP FUNCTION IF EXISTS consultations_gram_counts_rebuild()",
    "DROP FUNCTION IF EXISTS consultations_gram_counts_emptied()",
    "DROP FUNCTION IF EXISTS consultations_gram_counts_follow()",
    "DROP FUNCTION IF EXISTS consultations_resource_grams(text, text, boolean, integer)",
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
    dependencies = [("consultations", "0017_agreement_period_end_horizon")]

    operations = [
        migrations.CreateModel(
            name="SearchGramCount",
            fields=[
                (
                    "gram",
                    models.CharField(
                        max_length=2, primary_key=True, serialize=False, verbose_name="두 글자"
                    ),
                ),
                (
                    "public_texts",
                    models.IntegerField(default=0, verbose_name="공개 자원: 검색어 포함"),
                ),
                (
                    "public_names",
                    models.IntegerField(default=0, verbose_name="공개 자원: 이름에 포함"),
                ),
                (
                    "all_texts",
                    models.IntegerField(default=0, verbose_name="모든 자원: 검색어 포함"),
                ),
                (
                    "all_names",
                    models.IntegerField(default=0, verbose_name="모든 자원: 이름에 포함"),
                ),
            ],
            options={
                "verbose_name": "검색 글자쌍 집계",
                "verbose_name_plural": "검색 글자쌍 집계",
                "ordering": ["gram"],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
