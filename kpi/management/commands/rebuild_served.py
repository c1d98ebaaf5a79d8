"""Recompute the served-person tables from the visits, or check them against a recount."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kpi.served import services


class Command(BaseCommand):
    help = _("월별 서비스 인원 표를 방문기록에서 다시 계산하거나(--check) 검증합니다.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help=_("다시 계산한 결과와 비교만 하고 바꾸지 않습니다(다르면 실패)."),
        )

    def handle(self, *args: Any, check: bool = False, **options: Any) -> None:
        if not services.kept():
            self.stdout.write(_("이 데이터베이스는 표를 두지 않습니다(PostgreSQL 전용)."))
            return
        if check:
            found = services.differences()
            for table, (extra, missing) in found.items():
                self.stdout.write(f"{table}: {extra} / {missing}")
            if any(extra or missing for extra, missing in found.values()):
                raise CommandError(_("유지된 표가 다시 계산한 결과와 다릅니다."))
            self.stdout.write(_("유지된 표가 다시 계산한 결과와 같습니다."))
            return
        for table, count in services.rebuild().items():
            self.stdout.write(f"{table}: {count}")
