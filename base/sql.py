"""Fixed SQL texts for the hottest reads, beside the ORM.

The ORM builds and compiles a query on every call, which for the few lookups a tablet's sync
makes every time cost more than the database's work. These helpers let such a lookup be one
fixed text: ``Model.objects.raw`` for model objects (each column through its field's
converters, as the ORM's own queries), ``fetch_rows`` for plain values. The texts stay portable
(``%s`` placeholders, one per value of an ``IN`` list), so SQLite runs them as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections, router
from django.db.models import Model
from django.db.models.sql import Query


def connection_of(model: type[Model]) -> Any:
    """The connection that reads ``model``."""
    return connections[router.db_for_read(model)]


def table(model: type[Model]) -> str:
    """``model``'s table, quoted for its database."""
    return connection_of(model).ops.quote_name(model._meta.db_table)


def placeholders(values: Sequence[Any]) -> str:
    """``%s, %s, …``: one placeholder per value, for ``IN (…)``. Never empty: callers skip
    the query when there is nothing to look up."""
    if not values:
        raise ValueError("an IN list needs at least one value")
    return ", ".join(["%s"] * len(values))


def fetch_rows(model: type[Model], sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` on ``model``'s database, as tuples (no conversion: plain values)."""
    with connection_of(model).cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def fetch_values(
    model: type[Model], fields: Sequence[str | None], sql: str, params: Sequence[Any] = ()
) -> list[tuple[Any, ...]]:
    """The rows of ``sql``, each value converted as the ORM would read ``model``'s field of
    the same position (``None``: a computed value, taken as the database gives it). SQLite
    hands back text for dates and decimals; PostgreSQL needs no conversion for most types."""
    found = fetch_rows(model, sql, params)
    compiler, converters = _converters(model, fields)
    if not converters:
        return found
    return [tuple(row) for row in compiler.apply_converters(found, converters)]


def converted(model: type[Model], field: str, value: Any) -> Any:
    """``value`` as read from the database, converted as the ORM reads ``model``'s ``field``
    (for a column read beside another model's, as with ``raw()``'s extra columns)."""
    compiler, converters = _converters(model, (field,))
    if not converters:
        return value
    [row] = compiler.apply_converters([[value]], converters)
    return row[0]


def _converters(model: type[Model], fields: Sequence[str | None]) -> tuple[Any, dict]:
    connection = connection_of(model)
    compiler = connection.ops.compiler("SQLCompiler")(Query(model), connection, None)
    columns = [
        model._meta.get_field(name).get_col(model._meta.db_table) if name else None
        for name in fields
    ]
    return compiler, compiler.get_converters(columns)
