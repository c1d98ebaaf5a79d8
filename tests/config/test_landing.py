"""Landing by role: a login goes to the user's own desk, and the home page and the header show
only the desks a user may open, each of which answers 200 (never a 403 behind a link)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from config.api import IsCoordinator
from config.desks import DESKS
from consultations.desk_views import ReadsDesk
from kpi.api import IsManager
from tests.factories import PASSWORD, UserFactory
from tests.two_factor import log_in

pytestmark = pytest.mark.django_db

DOCS = "/api/v1/docs/"
LANDINGS = [
    ("caregiver", "/tablet/"),
    ("coordinator", "/coordinator/"),
    ("counselor", "/consultations/"),
    ("manager", "/kpi/"),
    ("administrator", "/admin/"),
]
# The home page's cards for each set of roles (an administrator is staff, as /admin/ requires).
CARDS = [
    ((), {"/login/"}),
    (("caregiver",), {"/tablet/"}),
    (("coordinator",), {"/coordinator/", "/consultations/", DOCS}),
    (("counselor",), {"/consultations/", DOCS}),
    (("manager",), {"/kpi/", DOCS}),
    # The tablet is the caregivers' (a superuser, who holds every role, sees it too).
    (
        ("administrator",),
        {
            "/coordinator/",
            "/consultations/",
            "/kpi/",
            "/admin/",
            "/audit/",
            "/privacy-requests/",
            DOCS,
        },
    ),
    (("caregiver", "counselor"), {"/tablet/", "/consultations/", DOCS}),
]
LINK = re.compile(r'<a\b[^>]*\bhref="(/[^"#]*)"')


def user_with(*roles: str, **fields: Any) -> Any:
    fields.setdefault("is_staff", "administrator" in roles)
    return UserFactory(username="-".join(roles) or "no-role", roles=list(roles), **fields)


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def part(html: str, tag: str) -> str:
    """From ``<tag`` (``tag`` may carry attributes) to its closing tag."""
    start = html.index(f"<{tag}")
    return html[start : html.index(f"</{tag.split()[0]}>", start)]


def links(html: str, tag: str = "main") -> set[str]:
    return set(LINK.findall(part(html, tag)))


def card_links(html: str) -> set[str]:
    return set(re.findall(r'<a class="card" href="([^"]+)"', html))


def refused(client: Client, urls: set[str]) -> dict[str, int]:
    """The links among ``urls`` that do not answer 200 for the client's user."""
    answers = {url: client.get(url).status_code for url in sorted(urls)}
    return {url: status for url, status in answers.items() if status != 200}


# --- where a login lands -------------------------------------------------------------------


@pytest.mark.parametrize(("role", "desk"), LANDINGS)
def test_login_lands_on_the_roles_own_desk(role: str, desk: str) -> None:
    # given
    user_with(role)

    # when
    response = log_in(Client(), role, follow=True)

    # then
    assert response.redirect_chain[-1][0] == desk
    assert response.status_code == 200


def test_a_user_with_two_roles_lands_on_the_wider_desk() -> None:
    user_with("caregiver", "coordinator")

    response = log_in(Client(), "caregiver-coordinator", follow=True)

    assert response.redirect_chain[-1][0] == "/coordinator/"


def test_login_with_a_safe_next_goes_there() -> None:
    user_with("caregiver")

    response = log_in(Client(), "caregiver", next_url="/tablet/visits/")

    assert response.status_code == 302
    assert response["Location"] == "/tablet/visits/"


def test_login_with_a_next_on_another_site_lands_on_the_desk_instead() -> None:
    user_with("caregiver")

    response = log_in(Client(), "caregiver", next_url="https://elsewhere.example/", follow=True)

    assert response.redirect_chain[-1][0] == "/tablet/"


def test_a_user_without_a_role_lands_on_the_home_page_that_says_so() -> None:
    user_with()

    response = Client().post("/login/", {"username": "no-role", "password": PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == "/"
    html = response.content.decode()
    assert card_links(html) == set()
    assert "아직 맡은 역할이 없습니다" in html


def test_an_administrator_who_is_not_staff_lands_on_the_coordinators_desk() -> None:
    client = signed_in(user_with("administrator", is_staff=False))

    response = client.get("/desk/")

    assert response["Location"] == "/coordinator/"


def test_the_landing_page_sends_a_visitor_to_log_in(client: Client) -> None:
    response = client.get("/desk/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_each_desk_is_open_to_the_roles_its_pages_let_in() -> None:
    guards = {
        "coordinator:home": IsCoordinator,
        "consultations:home": ReadsDesk,
        "kpi:dashboard": IsManager,
    }

    for desk in DESKS:
        if desk.url_name in guards:
            assert set(desk.roles) == set(guards[desk.url_name].roles), desk.url_name


# --- the home page -------------------------------------------------------------------------


@pytest.mark.parametrize(("roles", "cards"), CARDS)
def test_home_shows_only_the_desks_the_user_may_open(
    roles: tuple[str, ...], cards: set[str]
) -> None:
    client = signed_in(user_with(*roles)) if roles else Client()

    html = client.get("/").content.decode()

    assert card_links(html) == cards


@pytest.mark.parametrize(("roles", "cards"), CARDS)
def test_every_link_on_the_home_page_answers_200(roles: tuple[str, ...], cards: set[str]) -> None:
    client = signed_in(user_with(*roles)) if roles else Client()

    html = client.get("/").content.decode()

    assert refused(client, links(html, "main") | links(html, "header")) == {}


def test_home_page_cards_are_english_with_the_language_cookie(settings: Any) -> None:
    client = signed_in(user_with("caregiver"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.get("/").content.decode()

    assert "Care visits (tablet)" in html
    assert "돌봄 방문 (태블릿)" not in html


# --- the header's links --------------------------------------------------------------------


@pytest.mark.parametrize(("role", "desk"), LANDINGS[:-1])  # /admin/ has Django's own header
def test_every_header_link_on_the_own_desk_answers_200(role: str, desk: str) -> None:
    client = signed_in(user_with(role))

    html = client.get(desk).content.decode()

    assert refused(client, links(html, "header")) == {}


def test_coordinators_do_not_see_the_new_consultation_link_they_may_not_use() -> None:
    client = signed_in(user_with("coordinator"))

    header = part(client.get("/consultations/").content.decode(), "header")

    assert "/consultations/new/" not in header
    assert client.get("/consultations/new/").status_code == 403


def test_a_user_with_two_roles_moves_between_both_desks_from_the_header() -> None:
    client = signed_in(user_with("caregiver", "counselor"))

    html = client.get("/consultations/").content.decode()

    desk_nav = part(html, 'nav class="desks"')
    assert set(LINK.findall(desk_nav)) == {"/tablet/", "/consultations/"}
    assert '<a href="/consultations/" aria-current="page">' in desk_nav
    assert refused(client, set(LINK.findall(desk_nav))) == {}


def test_a_caregiver_has_no_desk_links_in_the_header() -> None:
    client = signed_in(user_with("caregiver"))

    html = client.get("/tablet/").content.decode()

    assert 'nav class="desks"' not in html
