"""Refusing resident registration numbers (주민등록번호) wherever free text is accepted.

The institute must not collect RRNs for this service (개인정보 보호법 제24조의2), and a caregiver
typing one into a notes field is the likeliest way one would end up stored.
"""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
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
