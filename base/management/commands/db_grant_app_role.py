"""Give the application's database role what it needs and no more (run as the owner).

The application connects as a role that owns nothing: it reads and writes the tables, but on
the access log it may only INSERT and SELECT, and as a non-owner it can neither TRUNCATE nor
ALTER TABLE … DISABLE TRIGGER. Migrations, and this command after them, run as the owner
(MIGRATION_DATABASE_URL in docker-compose.yml)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from base.models import AccessLog, AccessLogPurge


def grant_statements(role: str, log_table: str, purge_table: str) -> list[str]:
    q = connection.ops.quote_name
    role, log, purge = q(role), q(log_table), q(purge_table)
    return [
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {log} FROM {role}",
        # The purge's anchors are written by the owner's function only (base 0003); the app
        # may run that function, which removes only rows past the retention period.
        f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {purge} FROM {role}",
        f"GRANT EXECUTE ON FUNCTION care_accesslog_purge(integer) TO {role}",
        # Tables later migrations create (run by the owner) are the app's too.
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}",
    ]


class Command(BaseCommand):
    help = (
        "데이터베이스 앱 계정에 권한을 줍니다 (접속기록은 INSERT·SELECT만). 소유자 계정으로 실행."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role", help="the application's database role, e.g. care_app")

    def handle(self, *args: Any, role: str, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("database roles exist on PostgreSQL only")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if cursor.fetchone() is None:
                raise CommandError(f"no database role {role!r}: create it first")
            for statement in grant_statements(
                role, AccessLog._meta.db_table, AccessLogPurge._meta.db_table
            ):
                cursor.execute(statement)
        self.stdout.write(f"granted {role}: access log INSERT and SELECT only")
