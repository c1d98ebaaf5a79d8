"""Photos go through Django's default storage, whatever backend the environment names."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import InMemoryStorage, default_storage

from care.repairs import services
from config.env import env_json
from tests.care.repairs.factories import RepairJobFactory, photo_bytes, upload
from tests.factories import UserFactory


@pytest.mark.django_db
def test_a_photo_is_stored_in_whatever_storage_backend_is_configured(
    settings: Any, media_root: Any
) -> None:
    # given the default storage is an in-memory backend instead of the local folder
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    job = RepairJobFactory()

    # when a photo is uploaded
    photo = services.photo_add(
        actor=UserFactory(roles=["coordinator"]),
        job=job,
        stage="before",
        upload=upload(photo_bytes()),
    )

    # then it is in that backend, and nothing was written under MEDIA_ROOT
    assert isinstance(default_storage._wrapped, InMemoryStorage)
    assert default_storage.exists(photo.image.name)
    assert not media_root.exists() or not any(media_root.rglob("*.jpg"))


def test_storage_options_are_read_as_a_json_object(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIA_STORAGE_OPTIONS", '{"bucket_name": "care-photos"}')

    assert env_json("MEDIA_STORAGE_OPTIONS", {}) == {"bucket_name": "care-photos"}


@pytest.mark.parametrize("value", ["{bucket", '["a list"]'])
def test_storage_options_that_are_not_a_json_object_stop_the_start(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("MEDIA_STORAGE_OPTIONS", value)

    with pytest.raises(ImproperlyConfigured):
        env_json("MEDIA_STORAGE_OPTIONS", {})


def test_unset_storage_options_are_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MEDIA_STORAGE_OPTIONS", raising=False)

    assert env_json("MEDIA_STORAGE_OPTIONS", {}) == {}
