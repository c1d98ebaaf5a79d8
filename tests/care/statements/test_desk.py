"""The coordinators' statement page and its card on the desk home."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.test import Client

from care.statements.selectors import last_month
from tests.care.statements.conftest import Month

PAGE = "/coordinator/statements/"


def logged_in(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def test_coordinator_page_shows_the_statement_spend_and_planned_vs_delivered(
    coordinator: object, may: Month
) -> None:
    response = logged_in("coordinator1").get(PAGE, {"year": 2024, "month": 5})

    assert response.status_code == 200
    page = response.content.decode()
    assert "김영희" in page and "이순자" in page
    assert "/coordinator/statements/download/?year=2024&amp;month=5" in page
    assert 'id="spend"' in page and "61250" in page
    assert 'id="planned-delivered"' in page
    assert may.first.name not in page  # corps members' figures only


def test_the_page_defaults_to_last_month(coordinator: object) -> None:
    response = logged_in("coordinator1").get(PAGE)

    assert response.status_code == 200
    assert (response.context["year"], response.context["month"]) == last_month()


def test_last_month_of_january_is_december() -> None:
    assert last_month(dt.date(2024, 1, 15)) == (2023, 12)


def test_a_bad_month_falls_back_to_last_month_and_says_why(coordinator: object) -> None:
    response = logged_in("coordinator1").get(PAGE, {"year": 2024, "month": 13})

    assert response.status_code == 200
    assert response.context["month"] == last_month()[1]
    assert response.context["form"].errors["month"]


def test_caregivers_may_not_open_the_page(caregiver: object) -> None:
    assert logged_in("caregiver1").get(PAGE).status_code == 403


def test_the_desk_home_links_to_last_months_statement(coordinator: object) -> None:
    response = logged_in("coordinator1").get("/coordinator/")

    year, month = last_month()
    assert f"{PAGE}?year={year}&amp;month={month}" in response.content.decode()
