"""The rules of base/validators.py at their edges (the RRN detector moved here from
care/validators.py): written against mutants the older tests let through (docs/testing.md)."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from base.validators import (
    CLOCK_SKEW,
    EARLIEST_RECORD,
    RRN_MESSAGE,
    contains_resident_registration_number,
    normalise_text,
    reject_resident_registration_number,
    validate_birth_date,
    validate_recorded_instant,
)

KST = ZoneInfo("Asia/Seoul")


# --- the resident registration number detector --------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "900101–1234567",  # en dash
        "900101- 1234567",  # a space after the dash
        "900101 -1234567",  # a space before it
        "900101 - 1234567",
        "900101‐1234567",  # the Unicode hyphen
        "900101−1234567",  # the minus sign
        "900101·1234567",  # a middle dot
        "901301-1234567 900101-1234567",  # a second number after one that is not a date
        "900132-1234567, 다시 900101-1234567",
        "000229-3234567",  # 29 February 2000
        "991231-2234567",
        "900131-8234567",  # 8: a foreigner born in the 2000s
        "900101-5234567",
        "900101-1２３４５６７",  # fullwidth digits in the back part only
        "번호:900101-1234567.",
    ],
)
def test_the_detector_finds_a_resident_registration_number(text: str) -> None:
    assert contains_resident_registration_number(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "010229-3234567",  # 29 February 2001 does not exist
        "900431-1234567",  # nor 31 April
        "900001-1234567",  # month 0
        "900100-1234567",  # day 0
        "900101-9234567",
        "900101-123456",  # one digit short
        "900101-12345678",  # one too many
        "1900101-1234567",  # seven digits in front
        "900101----1234567",  # more separators than a person types
        "901301-1234567 901302-1234567",  # two numbers, neither with a date
    ],
)
def test_the_detector_leaves_alone_what_is_not_a_resident_registration_number(
    text: str,
) -> None:
    assert not contains_resident_registration_number(text)


def test_a_number_hidden_by_zero_width_characters_is_still_found() -> None:
    assert contains_resident_registration_number("900101\u200b-\u200d1234567")


def test_reject_refuses_a_number_with_its_own_code_and_message() -> None:
    with pytest.raises(ValidationError) as raised:
        reject_resident_registration_number("메모 900101-1234567")

    assert raised.value.code == "resident_registration_number"
    assert raised.value.messages == [str(RRN_MESSAGE)]


@pytest.mark.parametrize("value", ["010-1234-5678", "", None, 9001011234567])
def test_reject_leaves_other_values_alone(value: object) -> None:
    reject_resident_registration_number(value)


# --- text as it is stored -------------------------------------------------------------------


def test_normalise_text_composes_decomposed_hangul() -> None:
    decomposed = unicodedata.normalize("NFD", "홍길동")

    assert normalise_text(decomposed) == "홍길동"
    assert len(normalise_text(decomposed)) == 3


@pytest.mark.parametrize(
    "invisible",
    ["\u00ad", "\u061c", "\u180e", "\u200b", "\u200f", "\u202a", "\u202e", "\u2060", "\u2064"]
    + ["\u2066", "\u2069", "\ufeff"],
)
def test_normalise_text_drops_invisible_characters(invisible: str) -> None:
    assert normalise_text(f"홍{invisible}길동") == "홍길동"


@pytest.mark.parametrize("kept", ["\u2010", "\u2070", "\u202f", " ", "-", "\u3000"])
def test_normalise_text_keeps_visible_characters_next_to_the_invisible_ranges(kept: str) -> None:
    assert normalise_text(f"a{kept}b") == unicodedata.normalize("NFC", f"a{kept}b")


# --- plausible instants and dates -------------------------------------------------------------


def test_the_first_instant_of_2000_in_korea_is_a_recorded_instant() -> None:
    validate_recorded_instant(datetime(2000, 1, 1, tzinfo=KST))
    assert datetime(2000, 1, 1, tzinfo=KST) == EARLIEST_RECORD


def test_a_microsecond_before_2000_in_korea_is_too_early() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_recorded_instant(EARLIEST_RECORD - timedelta(microseconds=1))

    assert raised.value.code == "too_early"
    assert raised.value.messages == ["2000년 이전의 시각은 입력할 수 없습니다."]


def test_an_instant_within_the_clock_skew_is_accepted_and_beyond_it_refused() -> None:
    validate_recorded_instant(timezone.now() + CLOCK_SKEW - timedelta(seconds=30))

    with pytest.raises(ValidationError) as raised:
        validate_recorded_instant(timezone.now() + CLOCK_SKEW + timedelta(seconds=30))

    assert raised.value.code == "in_the_future"
    assert raised.value.messages == ["아직 오지 않은 시각입니다. 기기의 시계를 확인하세요."]


def test_an_instant_exactly_at_the_end_of_the_clock_skew_is_accepted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = datetime(2026, 12, 5, 12, 0, tzinfo=KST)
    monkeypatch.setattr(timezone, "now", lambda: now)

    validate_recorded_instant(now + CLOCK_SKEW)
    with pytest.raises(ValidationError):
        validate_recorded_instant(now + CLOCK_SKEW + timedelta(microseconds=1))


def test_birth_dates_run_from_1900_to_today() -> None:
    validate_birth_date(date(1900, 1, 1))
    validate_birth_date(timezone.localdate())

    with pytest.raises(ValidationError) as early:
        validate_birth_date(date(1899, 12, 31))
    with pytest.raises(ValidationError) as late:
        validate_birth_date(timezone.localdate() + timedelta(days=1))

    assert (early.value.code, late.value.code) == ("too_early", "in_the_future")
    assert early.value.messages == ["1900년 이전의 생년월일은 입력할 수 없습니다."]
    assert late.value.messages == ["생년월일이 오늘보다 뒤입니다."]
