from celery import shared_task

from notifications import services

# No Celery retries here: a failed attempt is recorded on the message with its backoff, and
# the beat's send_due_messages is the retry. A task redelivered after a worker died (acks_late)
# finds the message claimed and does nothing until the claim counts as stuck.


@shared_task(name="notifications.send_message", acks_late=True)
def send_message(message_id: int) -> str | None:
    """Queued after the enqueuing transaction commits: send one message now."""
    message = services.message_send(message_id=message_id)
    return message.state if message else None


@shared_task(name="notifications.send_due_messages", acks_late=True)
def send_due_messages() -> int:
    """Every minute: what was missed (broker or gateway down, a worker that died)."""
    return services.messages_send_due()
