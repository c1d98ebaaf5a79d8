"""Weekly availability as a bit mask, and the database's own checks on a corps member."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from tests.factories import region
from volunteers.models import (
    ALL_WEEKDAYS_MASK,
    WEEKDAY_CODES,
    CorpsMember,
    mask_to_weekdays,
    weekdays_to_mask,
)

# --- weekdays_to_mask / mask_to_weekdays ---------------------------------------------------


@pytest.mark.parametrize(
    ("codes", "mask"),
    [
        ([], 0),
        (["mon"], 0b0000001),
        (["tue"], 0b0000010),
        (["sun"], 0b1000000),
        (["mon", "wed"], 0b0000101),
        (["mon", "tue", "wed", "thu", "fri"], 0b0011111),
        (["sat", "sun"], 0b1100000),
    ],
)
def test_weekdays_map_to_one_bit_each_monday_lowest(codes: list[str], mask: int) -> None:
    assert weekdays_to_mask(codes) == mask


def test_monday_is_the_bit_of_date_weekday_zero() -> None:
    monday = dt.date(2023, 3, 6)

    assert monday.weekday() == 0
    assert weekdays_to_mask(["mon"]) == 1 << monday.weekday()


def test_every_weekday_together_is_the_full_mask() -> None:
    assert weekdays_to_mask(WEEKDAY_CODES) == ALL_WEEKDAYS_MASK == 0b1111111


def test_a_repeated_weekday_counts_once() -> None:
    assert weekdays_to_mask(["wed", "wed", "mon"]) == weekdays_to_mask(["mon", "wed"])


@pytest.mark.parametrize("mask", range(ALL_WEEKDAYS_MASK + 1))
def test_every_mask_round_trips_through_weekdays(mask: int) -> None:
    assert weekdays_to_mask(mask_to_weekdays(mask)) == mask


def test_weekdays_come_back_in_calendar_order_whatever_the_input_order() -> None:
    assert mask_to_weekdays(weekdays_to_mask(["sun", "wed", "mon"])) == ["mon", "wed", "sun"]


def test_empty_mask_is_no_weekdays() -> None:
    assert mask_to_weekdays(0) == []


def test_an_unknown_weekday_code_is_refused() -> None:
    with pytest.raises(ValueError):
        weekdays_to_mask(["funday"])


def test_available_weekdays_property_reads_the_mask() -> None:
    member = CorpsMember(available_days=0b0001010)

    assert member.available_weekdays == ["tue", "thu"]


def test_new_member_is_available_monday_to_friday_by_default() -> None:
    assert CorpsMember().available_weekdays == ["mon", "tue", "wed", "thu", "fri"]


# --- database check constraints (bypassing full_clean) -------------------------------------


def _save_bypassing_validation(**fields: object) -> CorpsMember:
    values: dict[str, object] = {
        "name": "김영희",
        "phone": "010-2000-0001",
        "region": region("jeonju"),
        "joined_on": dt.date(2023, 1, 2),
    }
    values.update(fields)
    return CorpsMember.objects.create(**values)


@pytest.mark.django_db
def test_database_refuses_status_left_without_a_leaving_date() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        _save_bypassing_validation(status=CorpsMember.Status.LEFT, left_on=None)

    assert not CorpsMember.objects.exists()


@pytest.mark.django_db
def test_database_refuses_a_leaving_date_before_the_joining_date() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        _save_bypassing_validation(left_on=dt.date(2022, 12, 31))

    assert not CorpsMember.objects.exists()


@pytest.mark.django_db
def test_database_refuses_an_availability_mask_beyond_sunday() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        _save_bypassing_validation(available_days=ALL_WEEKDAYS_MASK + 1)

    assert not CorpsMember.objects.exists()


@pytest.mark.django_db
def test_database_accepts_a_member_who_left_on_the_day_they_joined() -> None:
    member = _save_bypassing_validation(status=CorpsMember.Status.LEFT, left_on=dt.date(2023, 1, 2))

    assert CorpsMember.objects.get(pk=member.pk).status == CorpsMember.Status.LEFT


@pytest.mark.django_db
def test_database_accepts_a_member_on_leave_without_a_leaving_date() -> None:
    member = _save_bypassing_validation(status=CorpsMember.Status.ON_LEAVE, left_on=None)

    assert CorpsMember.objects.get(pk=member.pk).left_on is None
