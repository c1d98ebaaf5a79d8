from django.core.management.base import BaseCommand, CommandError, CommandParser

from kpi import rollups, tasks
from kpi.models import Period, RollupRun


class Command(BaseCommand):
    help = "월별 성과 실적을 집계합니다 (roll up the KPI figures of a month, or a whole year)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int)
        parser.add_argument(
            "--last-month",
            action="store_true",
            help="지난달 (서울 기준) 한 달만; --year, --month 대신 (the month before today)",
        )
        parser.add_argument("--month", type=int, help="생략하면 그 해 1–12월 전체 (whole year)")
        parser.add_argument(
            "--queue",
            action="store_true",
            help="지금 계산하지 않고 워커에 맡깁니다 (queue for the Celery worker)",
        )
        parser.add_argument(
            "--missing",
            action="store_true",
            help="아직 집계하지 않은 달만 (only months never computed and not already queued)",
        )

    def handle(
        self,
        *args: object,
        year: int | None,
        month: int | None,
        queue: bool,
        missing: bool,
        last_month: bool = False,
        **options: object,
    ) -> None:
        if last_month:
            year, month = rollups.previous_month()
        if year is None:
            raise CommandError("--year 또는 --last-month가 필요합니다 (--year or --last-month).")
        months = [month] if month else list(range(1, 13))
        if missing:
            done = set(
                Period.objects.filter(year=year, computed_at__isnull=False).values_list(
                    "month", flat=True
                )
            ) | set(
                RollupRun.objects.filter(
                    year=year, state__in=[RollupRun.State.QUEUED, RollupRun.State.RUNNING]
                ).values_list("month", flat=True)
            )
            months = [m for m in months if m not in done]
        if queue:
            for m in months:
                run = tasks.rollup_request(year=year, month=m, trigger=RollupRun.Trigger.COMMAND)
                self.stdout.write(f"{year}-{m:02d} 집계를 워커에 맡겼습니다 (run {run.pk})")
            return
        if month is None and not missing:
            rows = rollups.rollup_year(year=year)
            self.stdout.write(f"{year}년 1–12월 집계 완료: {rows}행")
            return
        for m in months:
            run = rollups.rollup_month(year=year, month=m)
            self.stdout.write(f"{year}-{m:02d} {run.get_state_display()}: {run.rows}행 {run.error}")
