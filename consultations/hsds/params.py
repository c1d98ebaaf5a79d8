"""The query parameters of HSDS's ``openapi.json``, read and checked.

A bad value is a 400 naming the parameter (``{"per_page": ["..."]}``, the house's error shape),
never a 500 and never silently ignored. Every bad parameter of a request is named at once.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

DEFAULT_PER_PAGE = 50
# Enough for any tool to pull a 시·군's directory in a few pages; the whole directory is the
# bulk download's job (export.zip, export.json) or ``format=ndjson``.
MAX_PER_PAGE = 500
FORMATS = ("json", "ndjson")
TRUE, FALSE = {"true", "1", "yes"}, {"false", "0", "no"}


class BadParameters(Exception):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


class Reader:
    """Reads parameters off a query string, collecting every error before raising."""

    def __init__(self, query: QueryDict) -> None:
        self.query = query
        self.errors: dict[str, list[str]] = {}

    def _raw(self, name: str) -> str | None:
        value = self.query.get(name)
        if value is None:
            return None
        return value.strip()

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def done(self) -> None:
        if self.errors:
            raise BadParameters(self.errors)

    def text(self, name: str) -> str:
        return self._raw(name) or ""

    def integer(self, name: str, *, default: int, minimum: int, maximum: int) -> int:
        raw = self._raw(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            self.fail(name, _("정수를 입력하세요."))
            return default
        if not minimum <= value <= maximum:
            self.fail(
                name,
                _("%(minimum)d 이상 %(maximum)d 이하여야 합니다.")
                % {"minimum": minimum, "maximum": maximum},
            )
            return default
        return value

    def boolean(self, name: str) -> bool:
        raw = self._raw(name)
        if raw is None or raw == "":
            return False
        if raw.lower() in TRUE:
            return True
        if raw.lower() in FALSE:
            return False
        self.fail(name, _("true 또는 false여야 합니다."))
        return False

    def uuid(self, name: str) -> str | None:
        raw = self._raw(name)
        if raw is None or raw == "":
            return None
        try:
            return str(uuid.UUID(raw))
        except ValueError:
            self.fail(name, _("UUID 형식이 아닙니다."))
            return None

    def instant(self, name: str) -> datetime | None:
        """An ISO 8601 date-time, or a date (its start, in Seoul)."""
        raw = self._raw(name)
        if raw is None or raw == "":
            return None
        try:
            value = parse_datetime(raw.replace(" ", "+"))  # a "+" arrives as a space
            if value is None:
                day = parse_date(raw)
                value = datetime.combine(day, time.min) if day is not None else None
        except ValueError:
            value = None
        if value is None:
            self.fail(name, _("날짜·시각 형식(ISO 8601)이 아닙니다. 예: 2026-01-31T09:00:00+09:00"))
            return None
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value

    def format(self) -> str:
        raw = (self._raw("format") or "json").lower()
        if raw not in FORMATS:
            self.fail("format", _("json 또는 ndjson이어야 합니다."))
            return "json"
        return raw

    def unsupported(self, name: str, reason: str) -> None:
        if self._raw(name):
            self.fail(name, reason)


@dataclass(frozen=True)
class Paging:
    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def paging(reader: Reader) -> Paging:
    return Paging(
        page=reader.integer("page", default=1, minimum=1, maximum=1_000_000),
        per_page=reader.integer(
            "per_page", default=DEFAULT_PER_PAGE, minimum=1, maximum=MAX_PER_PAGE
        ),
    )


def page_object(paging: Paging, total_items: int, contents: list[Any]) -> dict[str, Any]:
    """HSDS's page (``components.schemas.Page`` of openapi.json) with its ``contents``.
    ``size`` is the number of items on this page, as HSDS's API reference defines it."""
    total_pages = math.ceil(total_items / paging.per_page)
    return {
        "total_items": total_items,
        "total_pages": total_pages,
        "page_number": paging.page,
        "size": len(contents),
        "first_page": paging.page == 1,
        "last_page": paging.page >= total_pages,
        "empty": not contents,
        "contents": contents,
    }
