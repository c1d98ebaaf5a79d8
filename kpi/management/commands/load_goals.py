"""``manage.py load_goals``: load the goal structure and targets from ``kpi/data/goals.json``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kpi.goals import GoalDataError, goals_load


class Command(BaseCommand):
    help = (
        "성과목표(전략목표·성과지표·측정방법·단위사업·연도별 목표)를 자료 파일에서 넣습니다. "
        "여러 번 실행해도 같은 결과입니다 (Load the goal tracker's goals and targets; idempotent)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--path",
            type=Path,
            default=None,
            help="the data file (default: kpi/data/goals.json)",
        )

    def handle(self, *args: Any, path: Path | None, **options: Any) -> None:
        try:
            summary = goals_load(path=path)
        except GoalDataError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.MIGRATE_HEADING(f"성과목표 자료 (goals data): {summary.path}"))
        for model, counts in summary.rows.items():
            self.stdout.write(
                f"  {model._meta.verbose_name_plural} ({model.__name__}): "
                f"새로 {counts.created} · 바뀜 {counts.updated} · 그대로 {counts.unchanged} "
                f"(전체 {model._default_manager.count()})"
            )
        if summary.created or summary.updated:
            self.stdout.write(
                self.style.SUCCESS(
                    f"새로 {summary.created}건, 바뀜 {summary.updated}건 "
                    f"(created {summary.created}, updated {summary.updated})"
                )
            )
        else:
            self.stdout.write(
                self.style.SUCCESS("이미 최신입니다 (already up to date: nothing changed)")
            )
