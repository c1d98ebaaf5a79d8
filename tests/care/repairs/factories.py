"""Home-repair jobs for tests: built through the services, as the desk and the API make them,
and small photos made with Pillow (with or without EXIF)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from care.models import Recipient
from care.repairs import services
from care.repairs.models import RepairJob
from tests.consultations.factories import OrganizationFactory
from tests.factories import RecipientFactory, UserFactory

SURVEYED = dt.date(2024, 3, 4)


class RepairJobFactory(factory.django.DjangoModelFactory):
    """A job in the state asked for (``state=``), moved there through the services."""

    class Meta:
        model = RepairJob

    recipient = factory.SubFactory(RecipientFactory)
    surveyed_on = SURVEYED
    needs = "욕실 미끄럼 방지, 안전 손잡이"

    @classmethod
    def _create(cls, model_class: type[RepairJob], *args: Any, **kwargs: Any) -> RepairJob:
        state = kwargs.pop("state", RepairJob.State.SURVEY)
        actor = kwargs.pop("actor", None) or UserFactory(roles=["coordinator"])
        contractor = kwargs.pop("contractor", None)
        completed_on = kwargs.pop("completed_on", None)
        signed = kwargs.pop("signed", False)
        surveyed_on = kwargs["surveyed_on"]
        job = services.job_survey(
            actor=actor,
            recipient=kwargs["recipient"],
            surveyed_on=surveyed_on,
            needs=kwargs["needs"],
            episode=kwargs.get("episode"),
            items=kwargs.get("items")
            or [
                {"item": "안전 손잡이", "quantity": Decimal("2"), "unit": "개", "unit_cost": 45000}
            ],
        )
        if state == RepairJob.State.SURVEY:
            return job
        if state == RepairJob.State.CANCELLED:
            return services.job_cancel(actor=actor, job=job, reason="가구가 이사함")
        job = services.job_quote(
            actor=actor,
            job=job,
            quoted_on=surveyed_on + dt.timedelta(days=3),
            contractor=contractor or OrganizationFactory(),
        )
        if state == RepairJob.State.QUOTED:
            return job
        job = services.job_start(
            actor=actor, job=job, started_on=surveyed_on + dt.timedelta(days=7)
        )
        if state == RepairJob.State.IN_PROGRESS:
            return job
        job = services.job_complete(
            actor=actor,
            job=job,
            completed_on=completed_on or surveyed_on + dt.timedelta(days=10),
        )
        if signed:
            job = services.job_sign_off(
                actor=actor,
                job=job,
                signed_by_name="김순자",
                signed_by_relation=RepairJob.Relation.SELF,
                signed_on=job.completed_on,
            )
        return job


def completed_job(recipient: Recipient, completed_on: dt.date) -> RepairJob:
    return RepairJobFactory(
        recipient=recipient,
        surveyed_on=completed_on - dt.timedelta(days=10),
        state=RepairJob.State.COMPLETED,
        completed_on=completed_on,
    )


# EXIF tags: Orientation, the GPS IFD pointer, and in the GPS IFD latitude and longitude.
ORIENTATION = 0x0112
GPS_IFD = 0x8825
GPS_LATITUDE_REF, GPS_LATITUDE, GPS_LONGITUDE_REF, GPS_LONGITUDE = 1, 2, 3, 4


def photo_bytes(
    *,
    size: tuple[int, int] = (400, 300),
    fmt: str = "JPEG",
    orientation: int | None = None,
    gps: bool = False,
    color: tuple[int, int, int] = (200, 120, 40),
) -> bytes:
    """An image as a phone would send it: optionally with an EXIF orientation and the GPS
    position of 전주시청 (35.8242 N, 127.1480 E)."""
    image = Image.new("RGB", size, color)
    # A dark left half, so that a rotation can be seen in the pixels.
    image.paste((10, 10, 10), (0, 0, size[0] // 2, size[1]))
    exif = Image.Exif()
    if orientation is not None:
        exif[ORIENTATION] = orientation
    if gps:
        exif.get_ifd(GPS_IFD).update(
            {
                GPS_LATITUDE_REF: "N",
                GPS_LATITUDE: (35.0, 49.0, 27.12),
                GPS_LONGITUDE_REF: "E",
                GPS_LONGITUDE: (127.0, 8.0, 52.8),
            }
        )
    out = io.BytesIO()
    kwargs: dict[str, Any] = {"exif": exif} if (gps or orientation) and fmt == "JPEG" else {}
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


def upload(content: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> Any:
    return SimpleUploadedFile(name, content, content_type=content_type)
