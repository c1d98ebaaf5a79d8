"""Every model of the five apps has an admin page that opens for an administrator."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client

from tests.factories import UserFactory

APPS = ["base", "care", "volunteers", "consultations", "kpi"]
MODELS = [model for label in APPS for model in apps.get_app_config(label).get_models()]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_every_model_is_registered_in_admin(model: type) -> None:
    assert admin.site.is_registered(model)


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_the_admin_list_of_every_model_opens_for_a_superuser(model: type) -> None:
    client = Client()
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))

    response = client.get(f"/admin/{model._meta.app_label}/{model._meta.model_name}/")

    assert response.status_code == 200
