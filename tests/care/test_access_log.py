"""접속기록 (care.models.AccessLog) and the role-change log."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from base.models import AccessLog, RoleChangeLog
from care.models import Recipient
from tests.factories import AssignmentFactory, RecipientFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/recipients/"

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL only"
)


def new_payload(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "name": "홍길순",
        "birth_date": "1941-03-02",
        "sex": "F",
        "address": "전북특별자치도 완주군 봉동읍 봉동로 1",
        "region": "wanju",
        "admin_unit": "봉동읍",
        "category": "elderly",
        "emergency_reason": "after_discharge",
        "status": "referred",
    }
    payload.update(overrides)
    return payload


@pytest.fixture
def superuser(db: None) -> Any:
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def admin_client(superuser: Any) -> Client:
    client = Client()
    client.force_login(superuser)
    return client


@pytest.fixture
def fresh_log_row(coordinator: Any) -> AccessLog:
    recipient = RecipientFactory()
    return AccessLog.objects.create(
        user=coordinator,
        username=coordinator.username,
        action=AccessLog.Action.VIEW,
        subject_id=recipient.pk,
        subject_label=recipient.name,
    )


# --- the API writes it --------------------------------------------------------------------


def test_list_writes_one_view_row_per_recipient_on_the_page(
    coordinator_api: APIClient, coordinator: Any
) -> None:
    # given three recipients
    RecipientFactory.create_batch(3)

    # when the coordinator lists two per page
    response = coordinator_api.get(URL, {"page_size": 2})

    # then exactly the two recipients shown are logged as viewed by the coordinator
    assert response.status_code == 200, response.content
    shown = {row["id"] for row in response.json()["results"]}
    rows = list(AccessLog.objects.all())
    assert len(rows) == 2
    assert {row.subject_id for row in rows} == shown
    for row in rows:
        assert row.action == AccessLog.Action.VIEW
        assert row.user == coordinator
        assert row.username == "coordinator1"
        assert row.source_ip == "127.0.0.1"
        assert row.subject_type == "recipient"
        assert row.path == URL


def test_retrieve_writes_one_view_row(coordinator_api: APIClient) -> None:
    # given a recipient
    recipient = RecipientFactory(name="김순례")

    # when the coordinator opens it
    response = coordinator_api.get(f"{URL}{recipient.pk}/")

    # then one view row names that recipient
    assert response.status_code == 200, response.content
    row = AccessLog.objects.get()
    assert (row.action, row.subject_id, row.subject_label) == ("view", recipient.pk, "김순례")
    assert row.username == "coordinator1"
    assert row.source_ip == "127.0.0.1"


def test_create_writes_a_create_row(coordinator_api: APIClient, coordinator: Any) -> None:
    response = coordinator_api.post(URL, new_payload(), format="json")

    assert response.status_code == 201, response.content
    row = AccessLog.objects.get()
    assert row.action == AccessLog.Action.CREATE
    assert row.subject_id == response.json()["id"]
    assert row.user == coordinator
    assert row.source_ip == "127.0.0.1"


def test_patch_writes_a_change_row(coordinator_api: APIClient) -> None:
    recipient = RecipientFactory()

    response = coordinator_api.patch(f"{URL}{recipient.pk}/", {"risk_level": "high"}, format="json")

    assert response.status_code == 200, response.content
    row = AccessLog.objects.get()
    assert (row.action, row.subject_id) == (AccessLog.Action.CHANGE, recipient.pk)


def test_refused_patch_writes_no_change_row(coordinator_api: APIClient) -> None:
    recipient = RecipientFactory()

    response = coordinator_api.patch(f"{URL}{recipient.pk}/", {"birth_date": "x"}, format="json")

    assert response.status_code == 400
    assert not AccessLog.objects.filter(action=AccessLog.Action.CHANGE).exists()


def test_delete_writes_a_delete_row_that_outlives_the_recipient(
    coordinator_api: APIClient,
) -> None:
    # given a recipient
    recipient = RecipientFactory(name="김순례")
    pk = recipient.pk

    # when the coordinator deletes them
    response = coordinator_api.delete(f"{URL}{pk}/")

    # then the recipient is gone but the record of the deletion stays
    assert response.status_code == 204, response.content
    assert not Recipient.objects.filter(pk=pk).exists()
    row = AccessLog.objects.get(action=AccessLog.Action.DELETE)
    assert (row.subject_id, row.subject_label, row.username) == (pk, "김순례", "coordinator1")


def test_caregiver_read_is_logged_under_the_caregiver(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    recipient = caregiver.assigned_recipient

    response = caregiver_api.get(f"{URL}{recipient.pk}/")

    assert response.status_code == 200, response.content
    row = AccessLog.objects.get()
    assert row.user == caregiver
    assert row.username == "caregiver1"
    assert (row.action, row.subject_id) == (AccessLog.Action.VIEW, recipient.pk)


def test_refused_read_writes_no_row(caregiver_api: APIClient, other_caregiver: Any) -> None:
    response = caregiver_api.get(f"{URL}{other_caregiver.assigned_recipient.pk}/")

    assert response.status_code == 404
    assert not AccessLog.objects.exists()


# --- append-only --------------------------------------------------------------------------


def test_saving_an_existing_row_is_refused(fresh_log_row: AccessLog) -> None:
    # given a stored row read back
    row = AccessLog.objects.get(pk=fresh_log_row.pk)
    row.username = "someone_else"

    # when it is saved again
    with pytest.raises(ValidationError):
        row.save()

    # then the stored row is unchanged
    assert AccessLog.objects.get(pk=row.pk).username == "coordinator1"


def test_deleting_a_row_is_refused(fresh_log_row: AccessLog) -> None:
    with pytest.raises(ValidationError):
        fresh_log_row.delete()

    assert AccessLog.objects.filter(pk=fresh_log_row.pk).exists()


@postgresql_only
def test_database_refuses_raw_update(fresh_log_row: AccessLog) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE care_accesslog SET username = 'x'")

    assert AccessLog.objects.get(pk=fresh_log_row.pk).username == "coordinator1"


@postgresql_only
def test_database_refuses_raw_delete_of_a_fresh_row(fresh_log_row: AccessLog) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM care_accesslog WHERE id = %s", [fresh_log_row.pk])

    assert AccessLog.objects.filter(pk=fresh_log_row.pk).exists()


@postgresql_only
def test_database_refuses_queryset_delete(fresh_log_row: AccessLog) -> None:
    # QuerySet.delete() never calls the model's delete(): only the trigger stops it.
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLog.objects.all().delete()

    assert AccessLog.objects.filter(pk=fresh_log_row.pk).exists()


# --- admin --------------------------------------------------------------------------------


def test_superuser_reaches_access_log_changelist(
    admin_client: Client, fresh_log_row: AccessLog
) -> None:
    response = admin_client.get("/admin/base/accesslog/")

    assert response.status_code == 200
    assert "coordinator1" in response.content.decode()


@pytest.mark.parametrize("model", [AccessLog, RoleChangeLog])
def test_log_admin_grants_no_add_change_or_delete_even_to_a_superuser(
    superuser: Any, fresh_log_row: AccessLog, model: type
) -> None:
    # given a superuser's request
    request = RequestFactory().get("/admin/")
    request.user = superuser
    model_admin = admin.site._registry[model]

    # then the log admin lets them read only
    assert model_admin.has_view_permission(request) is True
    assert model_admin.has_add_permission(request) is False
    assert model_admin.has_change_permission(request) is False
    assert model_admin.has_change_permission(request, fresh_log_row) is False
    assert model_admin.has_delete_permission(request) is False
    assert model_admin.has_delete_permission(request, fresh_log_row) is False


def test_access_log_add_page_is_forbidden(admin_client: Client) -> None:
    response = admin_client.get("/admin/base/accesslog/add/")

    assert response.status_code == 403


def test_access_log_delete_page_is_forbidden(
    admin_client: Client, fresh_log_row: AccessLog
) -> None:
    response = admin_client.post(
        f"/admin/base/accesslog/{fresh_log_row.pk}/delete/", {"post": "yes"}
    )

    assert response.status_code == 403
    assert AccessLog.objects.filter(pk=fresh_log_row.pk).exists()


def test_admin_recipient_change_page_writes_a_view_row(
    admin_client: Client, superuser: Any
) -> None:
    # given a recipient with an assignment (shown inline)
    recipient = AssignmentFactory().recipient

    # when a superuser opens their change page in admin
    response = admin_client.get(f"/admin/care/recipient/{recipient.pk}/change/")

    # then one view row is written under the superuser
    assert response.status_code == 200
    row = AccessLog.objects.get()
    assert (row.action, row.subject_id, row.user) == (
        AccessLog.Action.VIEW,
        recipient.pk,
        superuser,
    )
    assert row.path == f"/admin/care/recipient/{recipient.pk}/change/"


def test_admin_recipient_changelist_writes_a_view_row_per_recipient(
    admin_client: Client,
) -> None:
    recipients = RecipientFactory.create_batch(2)

    response = admin_client.get("/admin/care/recipient/")

    assert response.status_code == 200
    assert set(AccessLog.objects.values_list("subject_id", flat=True)) == {r.pk for r in recipients}
    assert AccessLog.objects.filter(action=AccessLog.Action.VIEW).count() == 2


# --- role changes -------------------------------------------------------------------------


def test_adding_and_removing_a_role_is_logged(db: None) -> None:
    # given a user without roles
    user = UserFactory(username="newcomer")
    coordinator_group = Group.objects.get(name="coordinator")

    # when they are given the coordinator role and it is taken away again
    user.groups.add(coordinator_group)
    user.groups.remove(coordinator_group)

    # then both changes are logged, in order
    logged = list(
        RoleChangeLog.objects.filter(user=user).order_by("id").values_list("role", "change")
    )
    assert logged == [("coordinator", "added"), ("coordinator", "removed")]


def test_removing_a_role_the_user_does_not_hold_writes_no_log_row(db: None) -> None:
    # given a user without the coordinator role
    user = UserFactory(username="newcomer")

    # when the role is "removed" from them
    user.groups.remove(Group.objects.get(name="coordinator"))

    # then nothing changed, so nothing is logged
    assert not RoleChangeLog.objects.filter(user=user).exists()


def test_role_added_from_the_group_side_is_logged(db: None) -> None:
    user = UserFactory(username="newcomer")

    Group.objects.get(name="caregiver").user_set.add(user)

    assert list(RoleChangeLog.objects.filter(user=user).values_list("role", "change")) == [
        ("caregiver", "added")
    ]


def test_clearing_roles_is_logged(db: None) -> None:
    user = UserFactory(username="newcomer", roles=["counselor"])

    user.groups.clear()

    assert RoleChangeLog.objects.filter(user=user, role="counselor", change="removed").exists()


def test_role_change_in_admin_is_logged_with_who_made_it(
    admin_client: Client, superuser: Any
) -> None:
    # given a user without roles
    user = UserFactory(username="newcomer")
    group = Group.objects.get(name="manager")

    # when a superuser gives them the manager role in admin
    response = admin_client.post(
        f"/admin/auth/user/{user.pk}/change/",
        {
            "username": "newcomer",
            "is_active": "on",
            "groups": [group.pk],
            "date_joined_0": "2023-01-01",
            "date_joined_1": "09:00:00",
        },
    )

    # then the change is logged with the superuser as the one who made it
    assert response.status_code == 302, response.content
    row = RoleChangeLog.objects.get(user=user)
    assert (row.role, row.change, row.changed_by) == ("manager", "added", superuser)
