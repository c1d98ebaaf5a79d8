"""What every benchmark does around its measurement: set Django up with the test settings and
run inside a test database of its own, created and dropped here, never the database
DATABASE_URL names nor ``test_<NAME>``, which the test suite or another benchmark on the same
server may be using. (SQLite's test database is in memory, private to the process.)"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def django_setup() -> Any:
    """Set Django up under ``tests.settings``; returns the default connection."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    # whitenoise warns that the test VAR_DIR has no collected static files: beside the point.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    import django

    django.setup()
    from django.db import connection

    return connection


@contextmanager
def own_test_database(connection: Any, suffix: str) -> Iterator[str]:
    """Create ``test_<NAME>_<suffix>`` (in memory on SQLite), yield a description of it for the
    report, and drop it afterwards."""
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment(debug=False)
    real_name = connection.settings_dict["NAME"]
    if connection.vendor != "sqlite":
        connection.settings_dict["TEST"]["NAME"] = f"test_{real_name}_{suffix}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        database = f"{connection.settings_dict['NAME']}, {server_version(connection)}"
        print(f"database: {connection.vendor} {database}", flush=True)
        yield database
    finally:
        connection.creation.destroy_test_db(real_name, verbosity=0)
        teardown_test_environment()


def server_version(connection: Any) -> str:
    if connection.vendor == "postgresql":
        version = connection.pg_version
        return f"PostgreSQL {version // 10000}.{version % 10000}"
    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    return connection.vendor
