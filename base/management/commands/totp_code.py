"""``manage.py totp_code <username>``: the current code of a demo login's authenticator
(DEBUG only; a person's own authenticator is never shown)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from base.twofactor.demo import demo_current_code


class Command(BaseCommand):
    help = "데모 계정의 현재 2단계 인증 코드 (demo logins only, DEBUG only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("totp_code works only with DEBUG on (demo only).")
        code = demo_current_code(username)
        if code is None:
            raise CommandError(f"{username} has no demo authenticator (load_demo makes them).")
        self.stdout.write(code)
