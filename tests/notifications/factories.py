from __future__ import annotations

import factory

from notifications.models import Message


class MessageFactory(factory.django.DjangoModelFactory):
    """A pending message, due now, as ``message_enqueue`` stores it."""

    class Meta:
        model = Message

    to_phone = factory.Sequence(lambda n: f"010-3{n % 1000:03d}-{n % 10000:04d}")
    to_name = factory.Iterator(["김영희", "이순자", "박정숙"])
    kind = "episode_assigned"
    body = factory.Sequence(lambda n: f"[전북돌봄] 새 돌봄 회차가 배정되었습니다 ({n}).")
    dedupe_key = factory.Sequence(lambda n: f"episode_assigned:{n}")
