"""Writes of home-repair jobs (주거환경개선): survey, items, quote, start, completion,
the household's sign-off, cancellation and photos.

Every change of state goes through ``job_transition``, the one place that knows the allowed
moves and records who made each, when and why. Each action is one transaction that locks the
job's row first, so two coordinators pressing "complete" and "cancel" at once leave one of the
two. Photos are decoded, checked and re-encoded before the transaction (slow work outside it).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from base.models import AccessLog
from base.services import access_log_record
from care.models import Episode, Recipient
from care.repairs.models import RepairItem, RepairJob, RepairJobTransition, RepairPhoto

State = RepairJob.State

# Every allowed move, and the only place that says so. A new quote replaces the old one while
# the work has not started (recorded like any move); a finished or cancelled job is final.
ALLOWED_MOVES: dict[str, frozenset[str]] = {
    "": frozenset({State.SURVEY}),
    State.SURVEY: frozenset({State.QUOTED, State.CANCELLED}),
    State.QUOTED: frozenset({State.QUOTED, State.IN_PROGRESS, State.CANCELLED}),
    State.IN_PROGRESS: frozenset({State.COMPLETED, State.CANCELLED}),
    State.COMPLETED: frozenset(),
    State.CANCELLED: frozenset(),
}
# Items are the work's lines: edited until the job is finished or cancelled.
ITEMS_EDITABLE = (State.SURVEY, State.QUOTED, State.IN_PROGRESS)
# Which photos a job takes in each state: "before" until the work is done, "after" once it
# has started (and after completion, for a photo taken on the last day and sent late).
PHOTO_STAGES_BY_STATE: dict[str, frozenset[str]] = {
    State.SURVEY: frozenset({RepairPhoto.Stage.BEFORE}),
    State.QUOTED: frozenset({RepairPhoto.Stage.BEFORE}),
    State.IN_PROGRESS: frozenset({RepairPhoto.Stage.BEFORE, RepairPhoto.Stage.AFTER}),
    State.COMPLETED: frozenset({RepairPhoto.Stage.AFTER}),
    State.CANCELLED: frozenset(),
}

PHOTO_MAX_SIDE = 1600
# A 10 MB file can still hold a "decompression bomb" (a tiny PNG of 20,000 × 20,000 px):
# the pixels are counted from the header, before anything is decoded.
PHOTO_MAX_PIXELS = 50_000_000
PHOTO_FORMATS = {"JPEG", "MPO", "PNG", "WEBP", "GIF", "BMP", "TIFF"}
PHOTO_JPEG_QUALITY = 85


def _log(actor: AbstractBaseUser, action: str, recipient: Recipient, source_ip: str | None) -> None:
    access_log_record(
        actor=actor, action=action, recipients=[recipient], source_ip=source_ip, path="repairs"
    )


def _locked(job: RepairJob) -> RepairJob:
    return (
        RepairJob.objects.select_for_update(of=("self",)).select_related("recipient").get(pk=job.pk)
    )


def _not_future(day: date | None, field: str) -> None:
    if day is not None and day > timezone.localdate():
        raise ValidationError({field: [_("오늘보다 늦은 날짜는 적을 수 없습니다.")]})


def job_transition(
    *, actor: AbstractBaseUser, job: RepairJob, to_state: str, reason: str = ""
) -> RepairJobTransition:
    """Move a (locked) job to ``to_state``; refuse a move the table does not allow.

    The caller has set the fields the new state needs; this checks the move, validates and
    saves the job and records the transition.
    """
    from_state = job.state if job.pk else ""
    if to_state not in ALLOWED_MOVES.get(from_state, frozenset()):
        raise ValidationError(
            {
                "state": [
                    _("%(from)s 상태의 작업은 %(to)s(으)로 바꿀 수 없습니다.")
                    % {
                        "from": State(from_state).label if from_state else "-",
                        "to": State(to_state).label,
                    }
                ]
            }
        )
    job.state = to_state
    job.full_clean()
    job.save()
    return RepairJobTransition.objects.create(
        job=job, from_state=from_state, to_state=to_state, by=actor, reason=reason.strip()
    )


# --- items --------------------------------------------------------------------------------


def item_amount(quantity: Decimal, unit_cost: int) -> int:
    """Quantity × unit cost, rounded half up to the won."""
    return int((Decimal(quantity) * unit_cost).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _items_replace(job: RepairJob, items: Iterable[Mapping[str, Any]]) -> None:
    """The job's items become ``items`` (each: item, quantity, unit, unit_cost)."""
    rows = []
    problems: list[str] = []
    for position, entry in enumerate(items, start=1):
        quantity = Decimal(str(entry.get("quantity", "0")))
        unit_cost = int(entry.get("unit_cost", 0))
        row = RepairItem(
            job=job,
            item=str(entry.get("item", "")).strip(),
            quantity=quantity,
            unit=str(entry.get("unit", "")).strip(),
            unit_cost=unit_cost,
            amount=item_amount(quantity, unit_cost) if quantity >= 0 and unit_cost >= 0 else 0,
            sort_order=position,
        )
        try:
            row.full_clean(exclude={"job"})
        except ValidationError as exc:
            problems.extend(f"{position}: {message}" for message in exc.messages)
        rows.append(row)
    if problems:
        raise ValidationError({"items": problems})
    RepairItem.objects.filter(job=job).delete()
    RepairItem.objects.bulk_create(rows)


def items_total(job: RepairJob) -> int:
    return sum(item.amount for item in job.items.all())


# --- survey -------------------------------------------------------------------------------


@transaction.atomic
def job_survey(
    *,
    actor: AbstractBaseUser,
    recipient: Recipient,
    surveyed_on: date,
    needs: str,
    episode: Episode | None = None,
    items: Iterable[Mapping[str, Any]] = (),
    source_ip: str | None = None,
) -> RepairJob:
    """Open a work order for a household with its survey (현장 조사): the needs seen."""
    _not_future(surveyed_on, "surveyed_on")
    if episode is not None and episode.recipient_id != recipient.pk:
        raise ValidationError({"episode": [_("이 대상자의 돌봄 회차가 아닙니다.")]})
    job = RepairJob(
        recipient=recipient,
        episode=episode,
        surveyed_on=surveyed_on,
        surveyed_by=actor,
        needs=needs.strip(),
        created_by=actor,
    )
    job_transition(actor=actor, job=job, to_state=State.SURVEY)
    _items_replace(job, items)
    _log(actor, AccessLog.Action.CREATE, recipient, source_ip)
    return job


@transaction.atomic
def job_update(
    *,
    actor: AbstractBaseUser,
    job: RepairJob,
    surveyed_on: date | None = None,
    needs: str | None = None,
    items: Iterable[Mapping[str, Any]] | None = None,
    source_ip: str | None = None,
) -> RepairJob:
    """Correct the survey or replace the items while the job is open."""
    job = _locked(job)
    if job.state not in ITEMS_EDITABLE:
        raise ValidationError({"state": [_("완료하거나 취소한 작업은 고칠 수 없습니다.")]})
    if surveyed_on is not None:
        _not_future(surveyed_on, "surveyed_on")
        job.surveyed_on = surveyed_on
    if needs is not None:
        job.needs = needs.strip()
    job.full_clean()
    job.save()
    if items is not None:
        _items_replace(job, items)
    _log(actor, AccessLog.Action.CHANGE, job.recipient, source_ip)
    return job


@transaction.atomic
def item_add(
    *,
    actor: AbstractBaseUser,
    job: RepairJob,
    item: str,
    quantity: Decimal,
    unit_cost: int,
    unit: str = "",
    source_ip: str | None = None,
) -> RepairItem:
    """Add one line to an open job (the desk's item form)."""
    job = _locked(job)
    if job.state not in ITEMS_EDITABLE:
        raise ValidationError({"item": [_("완료하거나 취소한 작업에는 품목을 더할 수 없습니다.")]})
    last = job.items.order_by("-sort_order").values_list("sort_order", flat=True).first() or 0
    row = RepairItem(
        job=job,
        item=item.strip(),
        quantity=quantity,
        unit=unit.strip(),
        unit_cost=unit_cost,
        amount=item_amount(quantity, unit_cost) if quantity >= 0 and unit_cost >= 0 else 0,
        sort_order=last + 1,
    )
    row.full_clean()
    row.save()
    _log(actor, AccessLog.Action.CHANGE, job.recipient, source_ip)
    return row


@transaction.atomic
def item_remove(*, actor: AbstractBaseUser, item: RepairItem, source_ip: str | None = None) -> None:
    job = _locked(item.job)
    if job.state not in ITEMS_EDITABLE:
        raise ValidationError({"item": [_("완료하거나 취소한 작업의 품목은 지울 수 없습니다.")]})
    RepairItem.objects.filter(pk=item.pk).delete()
    _log(actor, AccessLog.Action.CHANGE, job.recipient, source_ip)


# --- quote, start, completion, sign-off, cancellation --------------------------------------


@transaction.atomic
def job_quote(
    *,
    actor: AbstractBaseUser,
    job: RepairJob,
    quoted_on: date,
    contractor: Any,
    quote_amount: int | None = None,
    items: Iterable[Mapping[str, Any]] | None = None,
    source_ip: str | None = None,
) -> RepairJob:
    """견적: the contractor (an organization of the directory), the date and the amount in won.

    Without an amount, the quote is the items' total; a quote of nothing is refused.
    """
    job = _locked(job)
    _not_future(quoted_on, "quoted_on")
    if quoted_on < job.surveyed_on:
        raise ValidationError({"quoted_on": [_("견적일은 조사일보다 빠를 수 없습니다.")]})
    if contractor is None:
        raise ValidationError({"contractor": [_("시공 업체를 고르세요.")]})
    if items is not None and job.state in ITEMS_EDITABLE:
        _items_replace(job, items)
    if quote_amount is None:
        quote_amount = items_total(job)
        if not job.items.exists():
            raise ValidationError(
                {"quote_amount": [_("견적 금액을 적거나 작업 품목을 먼저 넣으세요.")]}
            )
    if quote_amount < 0:
        raise ValidationError({"quote_amount": [_("견적 금액은 0원 이상이어야 합니다.")]})
    job.quoted_on = quoted_on
    job.quote_amount = quote_amount
    job.contractor = contractor
    job_transition(actor=actor, job=job, to_state=State.QUOTED)
    _log(actor, AccessLog.Action.CHANGE, job.recipient, source_ip)
    return job


@transaction.atomic
def job_start(
    *, actor: AbstractBaseUser, job: RepairJob, started_on: date, source_ip: str | None = None
) -> RepairJob:
    """착공: the contractor starts the work."""
    job = _locked(job)
    _not_future(started_on, "started_on")
    if job.quoted_on and started_on < job.quoted_on:
        raise ValidationError({"started_on": [_("착공일은 견적일보다 빠를 수 없습니다.")]})
    job.started_on = started_on
    job_transition(actor=actor, job=job, to_state=State.IN_PROGRESS)
    _log(actor, AccessLog.Action.CHANGE, job.recipient, source_ip)
    return job


@transaction.atomic
def job_complete(
    *,
    actor: AbstractBaseUser,
    job: RepairJob,
    completed_on: date | None,
    completion_note: str = "",
    source_ip: str | None = None,
) -> RepairJob:
    """완료: the work is done on ``completed_on``; the job now counts as a household served."""
    job = _locked(job)
    if completed_on is None:
        raise ValidationError({"completed_on": [_("완료일을 적으세요.")]})
    _not_future(completed_on, "completed_on")
    if job.started_on and completed_on < job.started_on:
        raise ValidationError({"completed_on": [_("완료일은 착공일보다 빠를 수 없습니다.")]})
    job.completed_on = completed_on
    job.completion_note = completion_note.strip()
    job_transition(actor=actor, job=job, to_state=State.COMPLETED)
    _log(actor, AccessLog.Action.CHANGE, job.recipient, source_ip)
    return job


@transaction.atomic
def job_sign_off(
    *,
    actor: AbstractBaseUser,
    job: RepairJob,
    signed_by_name: str,
    signed_by_relation: str,
    signed_on: date,
    source_ip: str | None = None,
) -> RepairJob:
    """가구 확인: the household confirms the finished work (name, relation, date)."""
    job = _locked(job)
    if job.state != State.COMPLETED:
        raise ValidationError({"state": [_("완료한 작업만 가구 확인을 받을 수 있습니다.")]})
    if job.signed_on is not None:
        raise ValidationError({"signed_on": [_("이미 가구 확인을 받은 작업입니다.")]})
    _not_future(signed_on, "signed_on")
    if job.completed_on and signed_on < job.completed_on:
        raise ValidationError({"signed_on": [_("확인일은 완료일보다 빠를 수 없습니다.")]})
    if not signed_by_name.strip():
        raise ValidationError({"signed_by_name": [_("확인한 사람의 이름을 적으세요.")]})
    job.signed_by_name = signed_by_name.strip()
    job.signed_by_relation = signed_by_relation
    job.signed_on = signed_on
    job.full_clean()
    job.save()
    _log(actor, AccessLog.Action.CHANGE, job.recipient, source_ip)
    return job


@transaction.atomic
def job_cancel(
    *, actor: AbstractBaseUser, job: RepairJob, reason: str, source_ip: str | None = None
) -> RepairJob:
    job = _locked(job)
    if not reason.strip():
        raise ValidationError({"reason": [_("취소 사유를 적으세요.")]})
    job.cancelled_reason = reason.strip()
    job_transition(actor=actor, job=job, to_state=State.CANCELLED, reason=reason)
    _log(actor, AccessLog.Action.CHANGE, job.recipient, source_ip)
    return job


# --- photos -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CleanPhoto:
    """A photo as stored: JPEG bytes without EXIF, upright, at most 1600 px on its long side."""

    content: bytes
    width: int
    height: int


# A multipart body carries the form's other fields and boundaries beside the file.
PHOTO_REQUEST_OVERHEAD = 64 * 1024


def photo_request_check(content_length: str | None, *, field: str = "image") -> None:
    """Refuse an upload whose request is already too large by its Content-Length, before the
    body is parsed (Django sets no limit on files). A token client's body is not read before
    this; a session's is (the CSRF check reads the form), which the web server's own body
    limit must stop."""
    try:
        length = int(content_length or 0)
    except ValueError:
        length = 0
    if length > settings.REPAIR_PHOTO_MAX_BYTES + PHOTO_REQUEST_OVERHEAD:
        raise ValidationError({field: [_("사진은 10MB 이하여야 합니다.")]})


def photo_clean(upload: Any, *, field: str = "image") -> CleanPhoto:
    """Check an uploaded file is an image of at most 10 MB and re-encode it.

    Pillow verifies the file; the EXIF orientation is applied to the pixels, then the photo is
    resized and saved as a new JPEG with no EXIF, XMP, ICC or comment at all: a phone's photo
    carries the GPS position of the home, which must not be kept.
    """
    size = getattr(upload, "size", None)
    if size is None or size > settings.REPAIR_PHOTO_MAX_BYTES:
        raise ValidationError({field: [_("사진은 10MB 이하여야 합니다.")]})
    not_image = ValidationError(
        {field: [_("이미지 파일이 아닙니다. 사진(JPEG, PNG 등)을 올리세요.")]}
    )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            if probe.format not in PHOTO_FORMATS:
                raise not_image
            if probe.width * probe.height > PHOTO_MAX_PIXELS:
                raise ValidationError({field: [_("사진의 화소 수가 너무 큽니다.")]})
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as opened:
            opened.load()
            upright = ImageOps.exif_transpose(opened)
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise not_image from None
    if upright.mode in ("RGBA", "LA") or (upright.mode == "P" and "transparency" in upright.info):
        # Transparency over white, as the photo would be printed.
        background = Image.new("RGB", upright.size, (255, 255, 255))
        background.paste(upright.convert("RGBA"), mask=upright.convert("RGBA").getchannel("A"))
        upright = background
    pixels = upright.convert("RGB")
    pixels.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE), Image.Resampling.LANCZOS)
    # A fresh image holds pixels only: nothing of the original's metadata can follow it.
    clean = Image.new("RGB", pixels.size)
    clean.paste(pixels)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=PHOTO_JPEG_QUALITY, optimize=True)
    return CleanPhoto(content=out.getvalue(), width=clean.width, height=clean.height)


def photo_add(
    *,
    actor: AbstractBaseUser,
    job: RepairJob,
    stage: str,
    upload: Any,
    taken_on: date | None = None,
    caption: str = "",
    source_ip: str | None = None,
) -> RepairPhoto:
    """Add a before or after photo: cleaned first (outside the transaction), then stored."""
    if stage not in RepairPhoto.Stage.values:
        raise ValidationError({"stage": [_("공사 전 또는 공사 후를 고르세요.")]})
    _not_future(taken_on, "taken_on")
    cleaned = photo_clean(upload)
    with transaction.atomic():
        job = _locked(job)
        if stage not in PHOTO_STAGES_BY_STATE[job.state]:
            raise ValidationError(
                {
                    "stage": [
                        _("%(state)s 상태의 작업에는 %(stage)s 사진을 올릴 수 없습니다.")
                        % {
                            "state": job.get_state_display(),
                            "stage": RepairPhoto.Stage(stage).label,
                        }
                    ]
                }
            )
        photo = RepairPhoto(
            job=job,
            stage=stage,
            width=cleaned.width,
            height=cleaned.height,
            taken_on=taken_on,
            caption=caption.strip(),
            uploaded_by=actor,
        )
        photo.full_clean(exclude={"image"})
        # The file is written to storage first (the row names it); if the row then fails,
        # the file is removed again rather than left behind without a row.
        photo.image.save("photo.jpg", ContentFile(cleaned.content), save=False)
        try:
            photo.save()
        except Exception:
            photo.image.delete(save=False)
            raise
        _log(actor, AccessLog.Action.CHANGE, job.recipient, source_ip)
    return photo
