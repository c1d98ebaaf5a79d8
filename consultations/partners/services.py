"""Writes of partner agreements (협약) and their signed copies.

The organization's ``is_partner`` and ``mou_date`` follow its agreements: an organization
with an agreement is a partner, and its MOU date is its first agreement's signed date.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Min
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from consultations.models import Organization
from consultations.partners.models import RENEWAL_NOTICE_DAYS, Agreement

AGREEMENT_FIELDS = ("title", "signed_on", "starts_on", "ends_on", "renewal_due_on", "scope")
# A scanned agreement of a few pages is well under this; larger is a wrong file.
MAX_FILE_BYTES = 10 * 1024 * 1024
PDF_MAGIC = b"%PDF-"
IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp", "TIFF": "tif"}


def _organization_sync(organization: Organization) -> None:
    """A partner, whose MOU date is its first agreement's signed date."""
    first = organization.agreements.aggregate(first=Min("signed_on"))["first"]
    if first is None:
        return
    Organization.objects.filter(pk=organization.pk).update(is_partner=True, mou_date=first)


def _check(agreement: Agreement, given_renewal: bool) -> None:
    if agreement.ends_on and agreement.starts_on and agreement.ends_on < agreement.starts_on:
        raise ValidationError({"ends_on": [_("협약 종료일은 시작일보다 빠를 수 없습니다.")]})
    if agreement.signed_on and agreement.ends_on and agreement.ends_on < agreement.signed_on:
        raise ValidationError({"ends_on": [_("협약 종료일은 체결일보다 빠를 수 없습니다.")]})
    if not given_renewal:
        agreement.renewal_due_on = default_renewal_due_on(agreement.starts_on, agreement.ends_on)
    if (
        agreement.renewal_due_on
        and agreement.ends_on
        and agreement.renewal_due_on > agreement.ends_on
    ):
        raise ValidationError(
            {"renewal_due_on": [_("갱신 예정일은 협약 종료일보다 늦을 수 없습니다.")]}
        )
    agreement.title = agreement.title.strip()
    agreement.scope = agreement.scope.strip()
    agreement.full_clean()


def default_renewal_due_on(starts_on: date | None, ends_on: date | None) -> date | None:
    """A month before the end (never before the start); none for an open-ended agreement."""
    if ends_on is None:
        return None
    due = ends_on - timedelta(days=RENEWAL_NOTICE_DAYS)
    return max(due, starts_on) if starts_on else due


@transaction.atomic
def agreement_create(
    *,
    actor: AbstractBaseUser,
    organization: Organization,
    title: str,
    signed_on: date,
    starts_on: date,
    ends_on: date | None = None,
    renewal_due_on: date | None = None,
    scope: str = "",
) -> Agreement:
    """Record an agreement; the renewal is due a month before the end unless given."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    agreement = Agreement(
        organization=organization,
        title=title,
        signed_on=signed_on,
        starts_on=starts_on,
        ends_on=ends_on,
        renewal_due_on=renewal_due_on,
        scope=scope,
        created_by=actor,
    )
    _check(agreement, given_renewal=renewal_due_on is not None)
    agreement.save()
    _organization_sync(organization)
    return agreement


@transaction.atomic
def agreement_update(*, actor: AbstractBaseUser, agreement: Agreement, **fields: Any) -> Agreement:
    """Change an agreement's dates, title or scope. A new end without a renewal date moves the
    renewal date with it."""
    unknown = set(fields) - set(AGREEMENT_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    for name, value in fields.items():
        setattr(agreement, name, value)
    moved_term = "ends_on" in fields or "starts_on" in fields
    given_renewal = "renewal_due_on" in fields and fields["renewal_due_on"] is not None
    _check(agreement, given_renewal=given_renewal or not moved_term)
    agreement.save()
    _organization_sync(agreement.organization)
    return agreement


def _file_suffix(upload: UploadedFile) -> str:
    """``pdf`` or an image format's suffix, read from the content (never the name), else a
    ValidationError naming the field."""
    upload.seek(0)
    head = upload.read(len(PDF_MAGIC))
    upload.seek(0)
    if head == PDF_MAGIC:
        return "pdf"
    try:
        with Image.open(upload) as image:
            image.verify()
            found = image.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            {"signed_file": [_("PDF나 이미지 파일(JPEG, PNG 등)만 올릴 수 있습니다.")]}
        ) from exc
    finally:
        upload.seek(0)
    if found not in IMAGE_FORMATS:
        raise ValidationError(
            {"signed_file": [_("PDF나 이미지 파일(JPEG, PNG 등)만 올릴 수 있습니다.")]}
        )
    return IMAGE_FORMATS[found]


def agreement_attach_file(
    *, actor: AbstractBaseUser, agreement: Agreement, upload: UploadedFile
) -> Agreement:
    """Store the signed copy (PDF or image, at most 10 MB) through Django's storage; the
    previous copy is removed once the new one is committed."""
    if upload.size is None or upload.size > MAX_FILE_BYTES:
        raise ValidationError({"signed_file": [_("파일은 10MB를 넘을 수 없습니다.")]})
    if upload.size == 0:
        raise ValidationError({"signed_file": [_("빈 파일입니다.")]})
    suffix = _file_suffix(upload)
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
        previous = agreement.signed_file.name if agreement.signed_file else ""
        storage = agreement.signed_file.storage
        agreement.signed_file_name = (upload.name or f"agreement.{suffix}")[-200:]
        # The stored name comes from the record, the suffix from the content.
        agreement.signed_file.save(f"signed.{suffix}", upload, save=False)
        stored = agreement.signed_file.name
        try:
            agreement.full_clean()
            agreement.save(update_fields=["signed_file", "signed_file_name", "updated_at"])
        except Exception:
            storage.delete(stored)  # no orphan file when the record is refused
            raise
        if previous and previous != stored:
            transaction.on_commit(lambda: storage.delete(previous))
    return agreement
