"""The demo's home-repair jobs: one in each state, with photos drawn at load time and stored
like uploads (no EXIF), made once."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings
from PIL import Image

from care.demo import DEMO_MARK, demo_data_load
from care.repairs.models import RepairJob, RepairPhoto
from consultations.demo import consultations_demo_load

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def module_media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def media_root(settings: Any, module_media: Path) -> Path:
    """The module's photos stay in one folder for all its tests (the conftest's is per test)."""
    settings.MEDIA_ROOT = module_media
    return module_media


@pytest.fixture(scope="module")
def loaded(django_db_setup: None, django_db_blocker: Any, module_media: Path) -> Iterator[int]:
    """Both demos, loaded once for the module in a transaction rolled back at the end."""
    with (
        override_settings(MEDIA_ROOT=module_media),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        demo_data_load(seed=2023)
        yield consultations_demo_load(seed=2023).repair_jobs
        transaction.set_rollback(True)


@pytest.fixture
def repair_jobs(loaded: int, db: None) -> int:
    return loaded


def test_the_demo_has_a_job_in_every_state(repair_jobs: int) -> None:
    jobs = RepairJob.objects.filter(needs__startswith=DEMO_MARK)

    assert repair_jobs == jobs.count() == 6
    assert set(jobs.values_list("state", flat=True)) == set(RepairJob.State.values)
    assert jobs.filter(signed_on__isnull=False).count() == 1
    assert not jobs.exclude(state="survey").exclude(state="cancelled").filter(contractor=None)


def test_the_demo_photos_are_stored_as_jpegs_without_exif(repair_jobs: int) -> None:
    photos = RepairPhoto.objects.filter(job__needs__startswith=DEMO_MARK)

    assert set(photos.values_list("stage", flat=True)) == {"before", "after"}
    for photo in photos:
        with photo.image.open("rb") as handle:
            image = Image.open(io.BytesIO(handle.read()))
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {}


def test_loading_again_adds_no_job_and_no_photo(repair_jobs: int) -> None:
    photos = RepairPhoto.objects.count()

    again = consultations_demo_load(seed=2023)

    assert again.repair_jobs == repair_jobs
    assert RepairJob.objects.count() == repair_jobs
    assert RepairPhoto.objects.count() == photos
