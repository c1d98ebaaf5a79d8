"""Rebuilding the served-person tables, and checking what the triggers kept against a recount."""

from __future__ import annotations

from django.db import connection, transaction

# Each table's columns, as compared by ``differences``.
TABLES = {
    "kpi_servedperson": "month, kind, person_id, region_id, is_rural",
    "kpi_servedfirst": "year, kind, person_id, region_id, is_rural, first_month",
    "kpi_servedtotal": "month, program_id, region_id, is_rural, visits, microseconds",
    "kpi_episodefirst": "episode_id, first_at, first_on, referred_on",
}


def kept() -> bool:
    """Whether this database keeps the tables (PostgreSQL, through kpi 0011's triggers)."""
    return connection.vendor == "postgresql"


def rebuild() -> dict[str, int]:
    """Recompute every table from the visits and recipients (locking both against writes
    for the duration); the rows of each table afterwards."""
    if not kept():
        return {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT kpi_served_rebuild()")
        counts = {}
        for table in TABLES:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    # Vacuumed where it can be (not inside a transaction: tests, a caller's atomic block), so
    # that the covering indexes answer from the start; analyzed in any case.
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"{command} {table}")
    return counts


def differences() -> dict[str, tuple[int, int]]:
    """Per table, (rows kept but not in a recount, rows of the recount not kept): all zeros
    when the triggers kept the tables exact. Compared in the database (``EXCEPT ALL``: at
    ten million visits the tables hold millions of rows), inside a savepoint it rolls back,
    so the kept rows, and the copies it takes of them, are left as they were."""
    if not kept():
        return {}
    found: dict[str, tuple[int, int]] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        sid = transaction.savepoint()
        try:
            for table, columns in TABLES.items():
                cursor.execute(
                    f"CREATE TEMP TABLE kept_{table} AS SELECT {columns} FROM {table}"  # noqa: S608
                )
            cursor.execute("SELECT kpi_served_rebuild()")
            for table, columns in TABLES.items():
                cursor.execute(
                    f"SELECT (SELECT count(*) FROM (SELECT {columns} FROM kept_{table} "  # noqa: S608
                    f"EXCEPT ALL SELECT {columns} FROM {table}) a), "
                    f"(SELECT count(*) FROM (SELECT {columns} FROM {table} "
                    f"EXCEPT ALL SELECT {columns} FROM kept_{table}) b)"
                )
                extra, missing = cursor.fetchone()
                found[table] = (extra, missing)
        finally:
            transaction.savepoint_rollback(sid)
    return found
