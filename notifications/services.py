"""The outbox's workflows: store a message, send it once, retry it, give up on it.

A message is stored in the caller's transaction and its sending is queued after commit; the
beat's ``messages_send_due`` every minute sends whatever that missed (broker down, gateway
down, a worker that died), so nothing stored is lost and nothing is sent twice by us.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from notifications.gateways import gateway_from_settings
from notifications.models import TO_NAME_MAX_LENGTH, Message

logger = logging.getLogger(__name__)

# Retries wait 1, 2, 4, … minutes, at most an hour: with the default 8 attempts a message is
# given up about two hours after the first try, long enough to ride out a gateway outage.
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=1)
# Messages one beat run sends. Against a gateway that hangs, each costs the HTTP timeout
# (5 s): 50 of them take about 4 minutes, under the stuck-sending limit (5 minutes) so the
# tail of a batch is never taken for abandoned. Overlapping runs are safe (claims), only slow.
DUE_BATCH_SIZE = 50
STOPPED_MID_SEND = "worker stopped while sending (no answer recorded)"


def _max_attempts() -> int:
    return settings.NOTIFICATION_MAX_ATTEMPTS


def _stuck_before(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.NOTIFICATION_SENDING_TIMEOUT_SECONDS)


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt."""
    return min(BACKOFF_FIRST * 2 ** (attempts - 1), BACKOFF_CAP)


def _queue_send(message_id: int) -> None:
    # Imported here: tasks.py imports this module.
    from notifications.tasks import send_message

    try:
        send_message.delay(message_id)
    except Exception:
        # The broker is down. The message is stored as pending, and the beat's
        # send_due_messages sends it once the broker is back.
        logger.exception("could not queue notification message %s; beat will send it", message_id)


def message_enqueue(
    *,
    kind: str,
    to_phone: str,
    to_name: str,
    body: str,
    dedupe_key: str,
    user: AbstractBaseUser | None = None,
) -> Message:
    """Store a message and queue its sending once the caller's transaction commits.

    Idempotent by ``dedupe_key``: the first enqueue of a key wins, and a later call with the
    same key returns the stored message unchanged, whatever its state. Call it inside the
    transaction that makes the news (an assignment, a substitution), so a rolled-back change
    sends nothing. A body over 1,000 characters is refused (``ValidationError``).
    """
    existing = Message.objects.filter(dedupe_key=dedupe_key).first()
    if existing is not None:
        return existing
    message = Message(
        kind=kind,
        to_phone=to_phone,
        # Account names (first and last name) may be longer than a stored name may be; the
        # message only needs enough of it to say whom it went to.
        to_name=to_name.strip()[:TO_NAME_MAX_LENGTH],
        body=body,
        dedupe_key=dedupe_key,
        user=user,
    )
    # The key's uniqueness is left to the insert: a look-up here would race like the one above.
    message.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            message.save(force_insert=True)
    except IntegrityError:
        # Another transaction stored the same notice between our look-up and our insert.
        existing = Message.objects.filter(dedupe_key=dedupe_key).first()
        if existing is None:
            raise
        return existing
    transaction.on_commit(partial(_queue_send, message.pk))
    return message


def message_claim(*, message_id: int, now: datetime | None = None) -> bool:
    """Take a message for sending; True for exactly one of any number of competing workers.

    One conditional UPDATE, so the database decides: a second worker's UPDATE finds the row
    already ``sending`` (PostgreSQL re-checks the condition after waiting for the first
    worker's row lock) and changes nothing. A message left ``sending`` longer than
    NOTIFICATION_SENDING_TIMEOUT_SECONDS belongs to a worker that died mid-send; it is claimed
    again and sent again with the SAME idempotency key (its ``dedupe_key``), so a gateway that
    did receive the first attempt drops the second. Each claim counts as an attempt, so a
    message that kills its worker every time still ends ``failed``.
    """
    now = now or timezone.now()
    claimable = Message.objects.due(now) | Message.objects.stuck(_stuck_before(now)).filter(
        attempts__lt=_max_attempts()
    )
    claimed = claimable.filter(pk=message_id).update(
        state=Message.State.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    return claimed == 1


def message_send(*, message_id: int, now: datetime | None = None) -> Message | None:
    """Claim a message and hand it to the gateway; the message afterwards, or None when it
    was not ours to send (sent already, not due, cancelled, or claimed by another worker).

    Runs outside any transaction: the claim must be committed before the slow call, and the
    result recorded after it.
    """
    now = now or timezone.now()
    if not message_claim(message_id=message_id, now=now):
        return None
    message = Message.objects.get(pk=message_id)
    try:
        gateway_message_id = gateway_from_settings().send(
            to=message.to_phone, text=message.body, idempotency_key=message.dedupe_key
        )
    except Exception as exc:
        _record_failure(message, now=now, error=str(exc) or repr(exc))
    else:
        _record(
            message,
            claimed_at=now,
            state=Message.State.SENT,
            sent_at=timezone.now(),
            gateway_message_id=gateway_message_id,
            last_error="",
        )
    return message


def _record_failure(message: Message, *, now: datetime, error: str) -> None:
    logger.warning(
        "notification message %s attempt %s failed: %s", message.pk, message.attempts, error
    )
    if message.attempts >= _max_attempts():
        _record(message, claimed_at=now, state=Message.State.FAILED, last_error=error)
    else:
        _record(
            message,
            claimed_at=now,
            state=Message.State.PENDING,
            next_attempt_at=now + backoff(message.attempts),
            last_error=error,
        )


def _record(message: Message, *, claimed_at: datetime, **changes: object) -> None:
    """Write an attempt's outcome, only while the claim is still ours: a worker so slow that
    another re-claimed the message leaves the outcome to that one."""
    ours = Message.objects.filter(
        pk=message.pk, state=Message.State.SENDING, claimed_at=claimed_at
    ).update(**changes)
    if ours:
        for field, value in changes.items():
            setattr(message, field, value)
    else:
        logger.warning("notification message %s was re-claimed before its outcome", message.pk)
        message.refresh_from_db()


def messages_send_due(*, now: datetime | None = None) -> int:
    """Send the messages that are due, and those a dead worker left ``sending``; how many
    were sent. Beat runs it every minute; two runs at once send each message once."""
    now = now or timezone.now()
    stuck_before = _stuck_before(now)
    Message.objects.stuck(stuck_before).filter(attempts__gte=_max_attempts()).update(
        state=Message.State.FAILED, last_error=STOPPED_MID_SEND
    )
    due = (Message.objects.due(now) | Message.objects.stuck(stuck_before)).order_by(
        "next_attempt_at", "pk"
    )
    started = timezone.now()
    sent = 0
    for message_id in list(due.values_list("pk", flat=True)[:DUE_BATCH_SIZE]):
        # Each claim carries the time it is made, not the batch's start: a long batch must not
        # stamp claims that already look stuck to the next run.
        message = message_send(message_id=message_id, now=now + (timezone.now() - started))
        if message is not None and message.state == Message.State.SENT:
            sent += 1
    return sent


def messages_retry(*, message_ids: Iterable[int]) -> int:
    """Give failed messages a fresh set of attempts, starting now (the admin's "retry now");
    how many. They keep their idempotency key, so the gateway drops any it did receive."""
    with transaction.atomic():
        retried = list(
            Message.objects.select_for_update()
            .filter(pk__in=list(message_ids), state=Message.State.FAILED)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        Message.objects.filter(pk__in=retried).update(
            state=Message.State.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        for message_id in retried:
            transaction.on_commit(partial(_queue_send, message_id))
    return len(retried)


def message_cancel(*, dedupe_key: str) -> bool:
    """Withdraw a notice not yet sent (the news it carried changed back); False when it is
    already being sent, sent, or unknown."""
    cancelled = Message.objects.filter(dedupe_key=dedupe_key, state=Message.State.PENDING).update(
        state=Message.State.CANCELLED
    )
    return cancelled == 1
