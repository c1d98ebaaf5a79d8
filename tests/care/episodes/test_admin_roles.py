"""Staff who are not superusers reach the episode records in the admin through their role."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_administrator_edits_program_rules_in_the_admin() -> None:
    client = _staff("administrator")

    assert client.get("/admin/care/programrules/").status_code == 200
    assert client.get("/admin/care/eligibilitycriterion/add/").status_code == 200
    assert client.get("/admin/notifications/message/").status_code == 200


def test_coordinator_reads_episodes_but_cannot_change_program_rules() -> None:
    client = _staff("coordinator")

    assert client.get("/admin/care/episode/").status_code == 200
    assert client.get("/admin/care/scheduledvisit/").status_code == 200
    assert client.get("/admin/care/programrules/").status_code == 200
    assert client.get("/admin/care/programrules/add/").status_code == 403


def _staff(role: str):  # noqa: ANN202
    from django.test import Client

    client = Client()
    client.force_login(UserFactory(roles=[role], is_staff=True))
    return client
