from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from base.services import access_log_verify


class Command(BaseCommand):
    help = "접속기록의 해시 사슬을 처음부터 검사하고, 처음 어긋난 행을 알립니다."

    def handle(self, *args: Any, **options: Any) -> None:
        result = access_log_verify()
        if not result.ok:
            raise CommandError(
                f"access log chain broken after {result.rows_checked} rows: {result.detail}"
            )
        self.stdout.write(f"access log chain intact: {result.rows_checked} rows")
