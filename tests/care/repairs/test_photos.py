"""Photo uploads: only images, at most 10 MB, resized to 1600 px, re-encoded as JPEG with no
EXIF at all (no GPS position of the home), upright as the EXIF orientation said."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from care.repairs import services
from care.repairs.models import RepairJob, RepairPhoto
from tests.care.repairs.factories import (
    GPS_IFD,
    ORIENTATION,
    RepairJobFactory,
    photo_bytes,
    upload,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator_user() -> Any:
    return UserFactory(roles=["coordinator"])


def stored(photo: RepairPhoto) -> Image.Image:
    with photo.image.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


def test_a_photo_with_a_gps_position_is_stored_with_no_exif_at_all(coordinator_user: Any) -> None:
    # given a phone photo that carries the home's GPS position
    job = RepairJobFactory()
    original = Image.open(io.BytesIO(photo_bytes(gps=True)))
    assert original.getexif().get_ifd(GPS_IFD)  # the test's photo does carry it

    # when it is uploaded
    photo = services.photo_add(
        actor=coordinator_user, job=job, stage="before", upload=upload(photo_bytes(gps=True))
    )

    # then the stored file is a JPEG without any EXIF, GPS or otherwise
    image = stored(photo)
    assert image.format == "JPEG"
    assert dict(image.getexif()) == {}
    assert image.getexif().get_ifd(GPS_IFD) == {}
    assert "exif" not in image.info
    with photo.image.open("rb") as handle:
        assert b"Exif" not in handle.read()


def test_the_exif_orientation_is_applied_to_the_pixels(coordinator_user: Any) -> None:
    # given a 400 × 300 photo whose EXIF says "rotate 90° clockwise to view" (orientation 6)
    job = RepairJobFactory()
    content = photo_bytes(size=(400, 300), orientation=6)

    # when it is uploaded
    photo = services.photo_add(
        actor=coordinator_user, job=job, stage="before", upload=upload(content)
    )

    # then it is stored upright: 300 wide, 400 high, the dark half now on top, no tag left
    image = stored(photo)
    assert (photo.width, photo.height) == (300, 400) == image.size
    assert sum(image.getpixel((150, 20))) < 100  # top: the former left half (dark)
    assert sum(image.getpixel((150, 380))) > 300  # bottom: the light half
    assert ORIENTATION not in image.getexif()


def test_a_large_photo_is_resized_to_1600_px_on_its_long_side(coordinator_user: Any) -> None:
    job = RepairJobFactory()

    photo = services.photo_add(
        actor=coordinator_user,
        job=job,
        stage="before",
        upload=upload(photo_bytes(size=(4000, 3000))),
    )

    assert stored(photo).size == (1600, 1200)
    assert (photo.width, photo.height) == (1600, 1200)


def test_a_png_is_stored_as_a_jpeg(coordinator_user: Any) -> None:
    job = RepairJobFactory()

    photo = services.photo_add(
        actor=coordinator_user,
        job=job,
        stage="before",
        upload=upload(photo_bytes(fmt="PNG"), "scan.png", "image/png"),
    )

    assert stored(photo).format == "JPEG"
    assert photo.image.name.endswith(".jpg")
    assert "scan" not in photo.image.name


def test_a_file_that_is_not_an_image_is_refused_naming_the_field(coordinator_user: Any) -> None:
    job = RepairJobFactory()

    with pytest.raises(ValidationError) as refused:
        services.photo_add(
            actor=coordinator_user,
            job=job,
            stage="before",
            upload=upload(b"%PDF-1.4 not a photo", "quote.pdf", "application/pdf"),
        )

    assert "image" in refused.value.message_dict
    assert not RepairPhoto.objects.exists()


def test_a_truncated_image_is_refused(coordinator_user: Any) -> None:
    job = RepairJobFactory()
    content = photo_bytes()[:200]

    with pytest.raises(ValidationError) as refused:
        services.photo_add(actor=coordinator_user, job=job, stage="before", upload=upload(content))

    assert "image" in refused.value.message_dict


def test_a_photo_over_10_mb_is_refused(coordinator_user: Any) -> None:
    # given a JPEG padded past 10 MB (an image, but too large)
    job = RepairJobFactory()
    content = photo_bytes() + b"\0" * (10 * 1024 * 1024)

    with pytest.raises(ValidationError) as refused:
        services.photo_add(actor=coordinator_user, job=job, stage="before", upload=upload(content))

    assert "image" in refused.value.message_dict
    assert not RepairPhoto.objects.exists()


def test_an_image_of_too_many_pixels_is_refused_before_it_is_decoded(
    coordinator_user: Any,
) -> None:
    # given a small PNG file of 8,000 × 8,000 pixels (64 Mpx)
    job = RepairJobFactory()
    out = io.BytesIO()
    Image.new("L", (8000, 8000)).save(out, format="PNG")

    with pytest.raises(ValidationError) as refused:
        services.photo_add(
            actor=coordinator_user, job=job, stage="before", upload=upload(out.getvalue())
        )

    assert "image" in refused.value.message_dict


def test_an_after_photo_is_refused_before_the_work_has_started(coordinator_user: Any) -> None:
    job = RepairJobFactory(state=RepairJob.State.QUOTED)

    with pytest.raises(ValidationError) as refused:
        services.photo_add(
            actor=coordinator_user, job=job, stage="after", upload=upload(photo_bytes())
        )

    assert "stage" in refused.value.message_dict


def test_the_photo_file_is_in_the_default_storage_under_media_root(
    coordinator_user: Any, media_root: Any
) -> None:
    job = RepairJobFactory(state=RepairJob.State.IN_PROGRESS)

    photo = services.photo_add(
        actor=coordinator_user, job=job, stage="after", upload=upload(photo_bytes())
    )

    assert (media_root / photo.image.name).is_file()
    assert photo.image.name.startswith(f"repairs/{job.pk}/")
