"""PostgreSQL test databases for `make mutation-postgres`.

mutmut forks one process per mutant and runs two at a time; each runs pytest-django, which
would give every one of them the same test database (``test_<name>``). Tests of one run then
see, or wait on, the other run's uncommitted rows. So with ``MUTATION_PG_DB`` set:

- ``prepare`` (the Makefile, before mutmut starts) drops the databases of an earlier run,
  builds ``<MUTATION_PG_DB>_template`` the way the test runner builds a test database
  (migrations), and clones ``SLOTS`` databases ``<MUTATION_PG_DB>_0``, ``_1``… from it with
  ``CREATE DATABASE … TEMPLATE`` (a file copy, a second or so, instead of the migrations);
- each pytest session (``claim_slot_database``, from tests/conftest.py) takes the first slot
  whose lock file it can lock and uses that database (``--reuse-db`` keeps it). The lock is
  an ``flock`` held by the open file until the process ends, even by ``os._exit`` or a kill,
  so a slot is never left taken. mutmut runs its first pass over the tests in its own
  process and forks the mutants' runs from it: a forked run inherits that process's locked
  file (and would share its slot), so a process claims a slot of its own, which the
  inherited lock then keeps it from taking (``flock`` locks belong to the open file, not
  to the process).

Without ``MUTATION_PG_DB`` nothing changes (the SQLite `make mutation` and every other run).
"""

from __future__ import annotations

import fcntl
import os
import sys
from pathlib import Path
from typing import IO

# Two mutants at a time, plus mutmut's own runs (its first run of every test, the clean run,
# a forced failure) and a spare: a session finding every slot taken fails loudly.
SLOTS = 4
# The open lock file of this process's slot (kept open on purpose), by process id.
_held: dict[int, IO[str]] = {}


def _base() -> str:
    return os.environ.get("MUTATION_PG_DB", "")


def _lock_dir() -> Path:
    return Path(os.environ.get("MUTATION_PG_LOCKS", "var/mutation"))


def claim_slot_database() -> None:
    """Point the test database at a free slot's (nothing without ``MUTATION_PG_DB``)."""
    base = _base()
    if not base:
        return
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise RuntimeError("MUTATION_PG_DB is set but DATABASE_URL is not PostgreSQL")
    if os.getpid() not in _held:
        _lock_dir().mkdir(parents=True, exist_ok=True)
        for slot in range(SLOTS):
            handle = open(_lock_dir() / f"pg-slot-{slot}.lock", "w")  # noqa: SIM115
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            _held[os.getpid()] = handle
            handle.write(f"{slot}\n")
            handle.flush()
            break
        else:
            raise RuntimeError(f"all {SLOTS} mutation test databases are in use")
    slot = int(Path(_held[os.getpid()].name).stem.rsplit("-", 1)[1])
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = f"{base}_{slot}"


def prepare() -> None:
    """Drop the slots and template of an earlier run; build the template; clone the slots."""
    import django
    from django.conf import settings
    from django.db import connection

    django.setup()
    base = _base()
    if not base or connection.vendor != "postgresql":
        raise SystemExit("prepare needs MUTATION_PG_DB and a PostgreSQL DATABASE_URL")
    template = f"{base}_template"
    names = [*(f"{base}_{slot}" for slot in range(SLOTS)), template]
    quote = connection.ops.quote_name
    with connection._nodb_cursor() as cursor:
        for name in names:
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(name)}")
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = template
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    connection.close()  # the template must have no session while it is copied
    with connection._nodb_cursor() as cursor:
        for name in names[:-1]:
            cursor.execute(f"CREATE DATABASE {quote(name)} TEMPLATE {quote(template)}")
    print(f"{template} migrated; {', '.join(names[:-1])} cloned from it")


if __name__ == "__main__":
    if sys.argv[1:] != ["prepare"]:
        raise SystemExit("usage: python tests/mutation_postgres.py prepare")
    prepare()
