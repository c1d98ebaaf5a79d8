"""The tablet's incident form (/tablet/incident/): reached in one tap from today's list and
the visit screen, kept for offline use, with the reporting lines in the page."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from base.models import AccessLog
from care.tablet_views import STATIC_ASSETS
from tests.factories import RecipientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tablet(caregiver: Any) -> Client:
    client = Client()
    client.force_login(caregiver)
    return client


def config_of(response: Any) -> dict[str, Any]:
    html = response.content.decode()
    start = html.index('id="tablet-config"')
    body = html[html.index(">", start) + 1 : html.index("</script>", start)]
    return json.loads(body)


def test_the_form_of_an_assigned_recipient_carries_every_groups_reporting_lines(
    caregiver: Any, tablet: Client
) -> None:
    recipient = caregiver.assigned_recipient

    response = tablet.get(f"/tablet/incident/{recipient.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    for phone in ("1577-1389", "1577-1391", "1644-8295", "112"):
        assert phone in html
    assert config_of(response)["incident"]["recipients"] == {
        str(recipient.pk): {"name": recipient.name, "category": "elderly"}
    }
    assert AccessLog.objects.filter(subject_id=recipient.pk, path=response.request["PATH_INFO"])


def test_the_form_of_a_recipient_not_assigned_is_not_found(tablet: Client) -> None:
    assert tablet.get(f"/tablet/incident/{RecipientFactory().pk}/").status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(client: Client) -> None:
    response = client.get("/tablet/incident/")

    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_today_and_the_visit_screen_link_to_the_form(caregiver: Any, tablet: Client) -> None:
    recipient = caregiver.assigned_recipient

    home = tablet.get("/tablet/").content.decode()
    visit = tablet.get(f"/tablet/visit/{recipient.pk}/").content.decode()

    assert f'href="/tablet/incident/{recipient.pk}/"' in home
    assert 'href="/tablet/incident/"' in home
    assert f'data-base="/tablet/incident/{recipient.pk}/"' in visit


def test_the_forms_and_their_script_are_kept_for_offline_use(
    caregiver: Any, tablet: Client
) -> None:
    recipient = caregiver.assigned_recipient

    precache = config_of(tablet.get("/tablet/"))["precache"]

    assert "/tablet/incident/" in precache
    assert f"/tablet/incident/{recipient.pk}/" in precache
    assert "tablet/incident.js" in STATIC_ASSETS
