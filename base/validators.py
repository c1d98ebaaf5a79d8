"""Refusing resident registration numbers (주민등록번호) wherever free text is accepted.

The institute must not collect RRNs for this service (개인정보 보호법 제24조의2), and a caregiver
typing one into a notes field is the likeliest way one would end up stored.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Separators a person may type between (and inside) the two parts: spaces, every dash and
# hyphen, a dot, a middle dot, an underscore. Fullwidth forms are folded to these first (NFKC).
_SEPARATOR = r"[\s\-\u2010-\u2015\u2212.\u00b7\u30fb_]"
# Six birth-date digits, up to three separators, a gender/century digit 1-8 (9 and 0 are the
# 1800s: nobody alive), and six more digits, each of which may follow one separator.
_RRN = re.compile(
    rf"(?<!\d)(\d{{2}})(\d{{2}})(\d{{2}}){_SEPARATOR}{{0,3}}([1-8])(?:{_SEPARATOR}?\d){{6}}(?!\d)"
)

# Invisible characters that change how text is read or matched but not how it looks:
# zero-width spaces and joiners, the byte-order mark, the soft hyphen, and the bidirectional
# controls (a right-to-left override can make a name display as another).
_INVISIBLE = dict.fromkeys(
    [0x00AD, 0x061C, 0x180E, *range(0x200B, 0x2010), *range(0x202A, 0x202F), 0x2060]
    + [*range(0x2061, 0x2065), *range(0x2066, 0x206A), 0xFEFF],
    None,
)


def normalise_text(value: str) -> str:
    """Text as it is compared and stored: NFC (a name typed as decomposed jamo is the same
    name), without invisible characters."""
    return unicodedata.normalize("NFC", value).translate(_INVISIBLE)


RRN_MESSAGE = _(
    "주민등록번호로 보이는 값은 저장할 수 없습니다. 생년월일만 입력하세요. "
    "(A value that looks like a resident registration number cannot be stored.)"
)


def contains_resident_registration_number(text: str) -> bool:
    """Whether ``text`` holds something shaped like an RRN with a real month and day, whatever
    the width of its digits and the separators typed in it."""
    folded = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    for match in _RRN.finditer(folded):
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


# Before 1900 nobody this service serves was born, and Seoul's times before 1908 are in local
# mean time: such a date came back from the database with a +08:27:52 offset.
EARLIEST_DATE = date(1900, 1, 1)
# Notes, summaries, reasons: a page of text is plenty, and a megabyte of it is an attack.
FREE_TEXT_LIMIT = 4000


def validate_birth_date(value: date) -> None:
    """A birth date from 1900 to today."""
    if value < EARLIEST_DATE:
        raise ValidationError(_("1900년 이전의 생년월일은 입력할 수 없습니다."), code="too_early")
    if value > timezone.localdate():
        raise ValidationError(_("생년월일이 오늘보다 뒤입니다."), code="in_the_future")


D = TypeVar("D", bound=date)

# A period (an assignment, a care plan, an episode, an agreement, a qualification's validity)
# is planned a few years ahead at most: an end further out is a typo (2205 for 2025) or a
# made-up "forever" (9999-12-31), which would keep a person on a caseload for good.
PERIOD_END_HORIZON_YEARS = 5


def add_years(day: D, years: int) -> D:
    """The same day (or moment) ``years`` later, or earlier when negative; 29 February becomes
    the 28th, as in PostgreSQL. Retention periods and the period-end horizon count this way."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def period_end_horizon() -> date:
    """The last plausible end of a period: today in five years (28 February for 29th)."""
    return add_years(timezone.localdate(), PERIOD_END_HORIZON_YEARS)


def validate_period_end(value: date) -> None:
    """The end of a period: no later than five years from today."""
    if value > period_end_horizon():
        raise ValidationError(
            _("종료일은 %(horizon)s 이전이어야 합니다 (%(years)d년 이내).")
            % {"horizon": period_end_horizon().isoformat(), "years": PERIOD_END_HORIZON_YEARS},
            code="too_far_ahead",
        )


# A person's name (a recipient, a guardian, a corps member, a caller, a contact): Korean names
# are 2 to 5 syllables, foreign ones written in Hangul or Latin letters rarely pass 30.
PERSON_NAME_MAX_LENGTH = 50
