"""개인정보 처리방침: public, linked from every page's footer, and its retention periods are the
ones the system keeps (ProgramRules), not a second copy in a template."""

from __future__ import annotations

import pytest
from django.test import Client

from care.models import ProgramRules
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_anyone_can_read_the_privacy_policy_without_logging_in(client: Client) -> None:
    response = client.get("/privacy/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "개인정보 처리방침" in html
    assert "개인정보 보호책임자" in html
    assert "118" in html


def test_the_policy_states_the_retention_the_program_rules_enforce(client: Client) -> None:
    rules = ProgramRules.objects.select_related("program").first()
    rules.visit_retention_years = 7
    rules.incident_retention_years = 11
    rules.personal_data_retention_years = 4
    rules.save()

    html = client.get("/privacy/").content.decode()

    row = html[html.index(f'<th scope="row">{rules.program.name}') :]
    row = row[: row.index("</tr>")]
    assert "7년" in row
    assert "11년" in row
    assert "4년" in row


@pytest.mark.parametrize("path", ["/", "/login/", "/privacy/"])
def test_public_pages_link_the_policy_in_their_footer(client: Client, path: str) -> None:
    html = client.get(path).content.decode()

    assert '<a href="/privacy/">' in html


def test_a_desk_page_links_the_policy_in_its_footer(client: Client) -> None:
    client.force_login(UserFactory(username="coordinator1", roles=["coordinator"]))

    html = client.get("/coordinator/").content.decode()

    assert '<a href="/privacy/">' in html


def test_the_policy_seen_by_a_signed_in_user_is_not_stored_by_shared_caches(
    client: Client,
) -> None:
    client.force_login(UserFactory(username="coordinator1", roles=["coordinator"]))

    response = client.get("/privacy/")

    # the page carries the user's name and a CSRF token (the logout form): never public
    assert "public" not in response.get("Cache-Control", "")
