"""Refusing resident registration numbers (주민등록번호) wherever free text is accepted.

The institute must not collect RRNs for this service (개인정보 보호법 제24조의2), and a caregiver
typing one into a notes field is the likeliest way one would end up stored.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Six birth-date digits, an optional hyphen or space, a gender/century digit 1-8, six more.
_RRN = re.compile(r"(?<!\d)(\d{2})(\d{2})(\d{2})\s?[-‐–]?\s?([1-8])\d{6}(?!\d)")

RRN_MESSAGE = _(
    "주민등록번호로 보이는 값은 저장할 수 없습니다. 생년월일만 입력하세요. "
    "(A value that looks like a resident registration number cannot be stored.)"
)


def contains_resident_registration_number(text: str) -> bool:
    for match in _RRN.finditer(text):
        yy, mm, dd, _gender = (int(part) for part in match.groups())
        try:
            # The century does not matter for telling a date from a phone number.
            date(2000 + yy, mm, dd)
        except ValueError:
            continue
        return True
    return False


def reject_resident_registration_number(value: object) -> None:
    if isinstance(value, str) and contains_resident_registration_number(value):
        raise ValidationError(RRN_MESSAGE, code="resident_registration_number")


# A tablet's clock may run a few minutes ahead of the server's; a record of something that
# happened may not be dated later than that.
CLOCK_SKEW = timedelta(minutes=10)
# Nothing this service records happened before it, nor before the records it took over.
EARLIEST_RECORD = datetime(2000, 1, 1, tzinfo=ZoneInfo("Asia/Seoul"))


def validate_recorded_instant(value: datetime) -> None:
    """The time of a recorded event (a visit, a consultation): from 2000 to now."""
    if value < EARLIEST_RECORD:
        raise ValidationError(_("2000년 이전의 시각은 입력할 수 없습니다."), code="too_early")
    if value > timezone.now() + CLOCK_SKEW:
        raise ValidationError(
            _("아직 오지 않은 시각입니다. 기기의 시계를 확인하세요."), code="in_the_future"
        )
