from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from base.models import AccessLog
from base.services import access_log_insert
from care.audit.models import AccessReview


def access_review_logged_view(
    *, actor: AbstractBaseUser, year: int, month: int, source_ip: str | None, path: str
) -> None:
    """The review itself is logged: opening a month's report is a read of everyone in it."""
    access_log_insert(
        [
            AccessLog(
                user=actor,
                username=actor.get_username(),
                source_ip=source_ip,
                action=AccessLog.Action.VIEW,
                subject_type="access_review",
                subject_id=year * 100 + month,
                subject_label=f"{year}-{month:02d}",
                path=path[:200],
            )
        ]
    )


@transaction.atomic
def access_review_mark(
    *, actor: AbstractBaseUser, year: int, month: int, note: str
) -> AccessReview:
    """Mark a past month reviewed, once, with what the reviewer found."""
    note = note.strip()
    if not note:
        raise ValidationError({"note": [_("점검 의견을 적어 주세요 (이상 없음도 적습니다).")]})
    today = timezone.localdate()
    if (year, month) >= (today.year, today.month):
        raise ValidationError({"month": [_("끝난 달만 점검 완료로 표시할 수 있습니다.")]})
    try:
        with transaction.atomic():
            review = AccessReview.objects.create(
                year=year, month=month, reviewed_by=actor, note=note
            )
    except IntegrityError:
        raise ValidationError({"month": [_("이 달은 이미 점검했습니다.")]}) from None
    access_log_insert(
        [
            AccessLog(
                user=actor,
                username=actor.get_username(),
                action=AccessLog.Action.CHANGE,
                subject_type="access_review",
                subject_id=year * 100 + month,
                subject_label=f"{year}-{month:02d}",
                path="",
            )
        ]
    )
    return review
