"""Demo call-back requests (DEMO ONLY): a few residents waiting on the counselors' desk, one
taken, one closed as unreachable, so that the queue and the home page's count have something
to show. Idempotent: a second run adds nothing."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from base.models import Region
from consultations.callbacks import services
from consultations.callbacks.models import CallbackRequest
from consultations.models import ResourceCategory

DEMO_MARK = "[데모]"
PT = CallbackRequest.PreferredTime

# (name, phone, 시·군, preferred time, topic code, text, hours ago)
REQUESTS = (
    ("김순자", "010-2000-1001", "jeonju", PT.WEEKDAY_MORNING, "care",
     "어머니를 돌보던 아버지가 갑자기 입원하셨어요. 낮에 어머니를 돌봐 줄 곳이 있을까요?", 26),
    ("장수 이웃", "063-350-1002", "jangsu", PT.ANYTIME, "living",
     "혼자 사시는 옆집 어르신 식사가 걱정됩니다.", 5),
    ("박OO", "010-2000-1003", "wanju", PT.WEEKDAY_AFTERNOON, "",
     "퇴원 후에 받을 수 있는 도움이 궁금해요.", 2),
    ("최민호", "010-2000-1004", "gunsan", PT.EVENING, "care", "", 1),
)  # fmt: skip


@transaction.atomic
def callbacks_demo_load(*, counselor: AbstractBaseUser) -> int:
    """Create the demo requests once; returns how many were created."""
    if CallbackRequest.objects.filter(text__startswith=DEMO_MARK).exists():
        return 0
    now = timezone.now()
    created = []
    for name, phone, region_code, preferred, topic_code, text, hours in REQUESTS:
        region = Region.objects.filter(code=region_code).first()
        if region is None:
            continue
        topic = ResourceCategory.objects.filter(code=topic_code).first() if topic_code else None
        request = services.callback_request_submit(
            name=name,
            phone=phone,
            region=region,
            preferred_time=preferred,
            topic=topic,
            text=f"{DEMO_MARK} {text}".strip(),
        )
        # As if sent some hours ago, so the queue shows its ages.
        CallbackRequest.objects.filter(pk=request.pk).update(
            created_at=now - timedelta(hours=hours), consent_at=now - timedelta(hours=hours)
        )
        created.append(request)
    if len(created) >= 2:
        services.callback_request_take(actor=counselor, callback_request=created[1])
    if len(created) >= 4:
        services.callback_request_close(
            actor=counselor,
            callback_request=created[3],
            reason=CallbackRequest.CloseReason.UNREACHABLE,
            note="3회 전화, 받지 않음 · 문자 남김",
        )
    return len(created)
