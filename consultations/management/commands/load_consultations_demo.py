"""``manage.py load_consultations_demo``: the care information desk's demo organizations,
resources and consultations (DEMO ONLY, never in production)."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from consultations.demo import consultations_demo_load


class Command(BaseCommand):
    help = (
        "상담 데모 자료(기관, 복지자원, 상담기록)를 넣습니다 "
        "(Load the consultations demo data set; demo only)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed", type=int, default=2023, help="random seed; the same seed gives the same data"
        )

    def handle(self, *args: Any, seed: int, **options: Any) -> None:
        summary = consultations_demo_load(seed=seed)
        if summary.created:
            self.stdout.write(
                self.style.SUCCESS("상담 데모 자료를 만들었습니다 (demo data created)")
            )
        else:
            self.stdout.write(
                self.style.WARNING("상담 데모 자료가 이미 있습니다 (demo data already loaded)")
            )
        rows = [
            ("항목 item", "수 count"),
            ("기관 organizations", summary.organizations),
            ("협약기관 partner organizations", summary.partner_organizations),
            ("복지자원 resources", summary.resources),
            ("도 전역 자원 province-wide", summary.province_wide_resources),
            ("자원이 있는 시·군 regions served", summary.regions_served),
            ("확인 필요 자원 needing review", summary.resources_needing_review),
            ("상담기록 consultations", summary.consultations),
            ("의뢰 referrals", summary.referrals),
            ("밀린 추후 상담 overdue follow-ups", summary.follow_ups_overdue),
            ("오늘 추후 상담 follow-ups today", summary.follow_ups_today),
            ("주거환경개선 home-repair jobs", summary.repair_jobs),
            ("찾아가는 상담 장소 sites", summary.outreach_sites),
            ("찾아가는 상담 회차 sessions", summary.outreach_sessions),
            ("기관 담당자 organization contacts", summary.organization_contacts),
            ("검토 대기 제안 pending changes", summary.proposed_changes_pending),
        ]
        self._table([(label, str(count)) for label, count in rows])

    def _table(self, rows: list[tuple[str, str]]) -> None:
        """A header row, a rule, then the rows, aligned on a terminal (as ``load_demo``)."""
        widths = [max(_width(row[i]) for row in rows) for i in range(2)]
        lines = [
            [_pad(cell, width) for cell, width in zip(row, widths, strict=True)] for row in rows
        ]
        lines.insert(1, ["-" * width for width in widths])
        for line in lines:
            self.stdout.write("  " + "  ".join(line).rstrip())


def _width(text: str) -> int:
    """Columns on a terminal: Hangul and other wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
