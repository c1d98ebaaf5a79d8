"""Apply the retention periods now, or with ``--dry-run`` list what would go (ids and counts,
never names). The weekly task ``consultations.apply_retention`` does the same."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from consultations.retention import retention_apply, retention_plan


class Command(BaseCommand):
    help = "보유 기간이 지난 개인정보를 가명처리하고 오래된 접속기록·권한 변경기록을 파기합니다."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="list what would be erased, change nothing"
        )

    def handle(self, *args: Any, dry_run: bool, **options: Any) -> None:
        if dry_run:
            plan = retention_plan()
            self._ids("recipients to pseudonymise", [due.pk for due in plan.recipients])
            self._ids("consultations to pseudonymise", [due.pk for due in plan.consultations])
            self._ids("call-back requests to erase", [due.pk for due in plan.callback_requests])
            logs = plan.logs
            self.stdout.write(
                f"access log rows to purge: {logs.access_log_rows}"
                + (f" (chain 1..{logs.access_log_up_to_seq})" if logs.access_log_up_to_seq else "")
                + f", older than {logs.access_log_cutoff:%Y-%m-%d}"
            )
            self._ids("role changes to purge", logs.role_change_ids)
            self.stdout.write("dry run: nothing changed")
            return
        result = retention_apply()
        self._ids("recipients pseudonymised", result.recipients)
        self._ids("consultations pseudonymised", result.consultations)
        self._ids("call-back requests erased", result.callback_requests)
        self.stdout.write(f"access log rows purged: {result.access_log_rows}")
        self.stdout.write(f"role changes purged: {result.role_changes}")

    def _ids(self, label: str, ids: list[int]) -> None:
        shown = ", ".join(str(pk) for pk in ids[:200])
        more = f" … (+{len(ids) - 200})" if len(ids) > 200 else ""
        self.stdout.write(f"{label}: {len(ids)}" + (f" [{shown}{more}]" if ids else ""))
