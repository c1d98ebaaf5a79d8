"""``manage.py import_resources FILE [--dry-run]``: import a welfare resource spreadsheet.

All or nothing (see ``consultations.importing``): on any error nothing is written, the report
lists each row number, column and message, and the command exits non-zero so that a script
running it notices.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from consultations.importing import resources_import


class Command(BaseCommand):
    help = (
        "복지자원 파일(CSV·XLSX)을 가져옵니다. 모든 행을 먼저 검사하고, 오류가 하나라도 "
        "있으면 아무것도 가져오지 않습니다 (Import a welfare resource file; all or nothing)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", type=Path, help="CSV or XLSX file (format: docs/import-format.md)"
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="검사만 하고 저장하지 않습니다 (check and count only, write nothing)",
        )

    def handle(self, *args: Any, file: Path, dry_run: bool, **options: Any) -> None:
        if not file.is_file():
            raise CommandError(f"파일이 없습니다: {file}")
        report = resources_import(file=file, filename=file.name, dry_run=dry_run)
        if not report.ok:
            self.stdout.write(self.style.ERROR(report.summary()))
            for warning in report.warnings:
                self.stdout.write(self.style.WARNING(warning))
            for error in report.errors:
                self.stdout.write(f"  {error}")
            raise CommandError(f"가져오기 실패: 오류 {len(report.errors)}건 (import failed)")
        self.stdout.write(self.style.SUCCESS(report.summary()))
        for warning in report.warnings:
            self.stdout.write(self.style.WARNING(warning))
