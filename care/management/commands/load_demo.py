"""``manage.py load_demo``: load the demo logins and data set (DEMO ONLY, never in production)."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from base.twofactor.demo import demo_authenticators_ensure, demo_tablet_code
from care.demo import demo_data_load
from care.satisfaction.demo import satisfaction_demo_load


class Command(BaseCommand):
    help = "데모 계정과 데모 자료를 넣습니다 (Load the demo logins and data set; demo only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed", type=int, default=2023, help="random seed; the same seed gives the same data"
        )
        parser.add_argument(
            "--password",
            default=None,
            help=(
                "one password for the demo logins this run creates (default: "
                "demo-<username>-2023); existing logins keep theirs"
            ),
        )

    def handle(self, *args: Any, seed: int, password: str | None, **options: Any) -> None:
        summary = demo_data_load(seed=seed, password=password)
        surveys = satisfaction_demo_load(seed=seed)
        self.stdout.write(
            self.style.MIGRATE_HEADING("데모 계정 (demo logins) — 데모 전용 / demo only")
        )
        self._table(
            [("아이디 username", "역할 role", "비밀번호 password")]
            + [
                (
                    login.username,
                    f"{login.role_label} ({login.role})",
                    login.password or "그대로 둠 (unchanged)",
                )
                for login in summary.logins
            ]
        )
        if not all(login.created for login in summary.logins):
            # A second run never resets a password: that would also log out every session.
            self.stdout.write(
                "  이미 있던 계정은 비밀번호와 역할을 바꾸지 않았습니다; 처음 만든 비밀번호는 "
                "demo-<아이디>-2023 (--password를 주지 않았다면)\n"
                "  (existing logins were left alone, password and roles included; their first "
                "password was demo-<username>-2023 unless --password was given)"
            )
        self._second_factors([login.username for login in summary.logins])
        self.stdout.write("")
        if summary.created:
            self.stdout.write(self.style.SUCCESS("데모 자료를 만들었습니다 (demo data created)"))
        else:
            self.stdout.write(
                self.style.WARNING("데모 자료가 이미 있습니다 (demo data already loaded)")
            )
        self._table(
            [
                ("항목 item", "수 count"),
                ("긴급돌봄지원단원 corps members", str(summary.corps_members)),
                ("돌봄대상자 recipients", str(summary.recipients)),
                ("시·군 regions", str(summary.regions)),
                ("배정 assignments", str(summary.assignments)),
                ("caregiver 담당 대상자 recipients", str(summary.caregiver_recipients)),
                ("돌봄 회차 episodes", str(summary.episodes)),
                ("방문 일정 scheduled visits", str(summary.scheduled_visits)),
                ("만족도 조사 satisfaction surveys (this run)", str(surveys)),
            ]
        )

    def _second_factors(self, usernames: list[str]) -> None:
        """The demo's second factor: authenticators for the office logins, and a code that
        enrols this browser as the caregiver's tablet."""
        authenticators = demo_authenticators_ensure(usernames)
        if authenticators:
            self.stdout.write("")
            self.stdout.write(
                self.style.MIGRATE_HEADING(
                    "2단계 인증 (two-factor) — 비밀번호 다음에 인증 코드를 입력합니다"
                )
            )
            self._table(
                [("아이디 username", "인증 앱 키 authenticator key (TOTP, 6 digits, 30 s)")]
                + [(item.username, item.secret) for item in authenticators]
            )
            self.stdout.write(
                "  키를 인증 앱에 추가하거나, 지금의 코드를 이렇게 봅니다 (or print the current "
                "code):\n    DEBUG=1 .venv/bin/python manage.py totp_code <username>"
            )
        coordinator = next((name for name in usernames if name == "coordinator"), None)
        pending = demo_tablet_code(coordinator or (usernames[0] if usernames else ""))
        if pending is not None:
            self.stdout.write("")
            self.stdout.write(
                self.style.MIGRATE_HEADING("단원 로그인 (caregiver) — 등록된 태블릿에서만")
            )
            self.stdout.write(
                f"  이 브라우저를 태블릿으로 등록하려면 /tablet/enrol/ 을 열고 코드 "
                f"{pending.display_code} 를 입력하세요 (24시간, 한 번만).\n"
                f"  (to log in as the caregiver, open /tablet/enrol/ in that browser and type "
                f"{pending.display_code}; valid 24 h, once)"
            )

    def _table(self, rows: list[tuple[str, ...]]) -> None:
        """A header row, a rule, then the rows, in columns aligned on a terminal."""
        widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
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
