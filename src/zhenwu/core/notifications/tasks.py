"""Background delivery of outbox messages (STYLE.md §6: a task takes ids, re-reads, calls a service).

Two paths lead to every message, so a lost task or a restarted worker loses nothing:

* ``deliver_message`` is queued after the enqueueing transaction commits, and again with
  ``run_after`` = the message's next attempt when a delivery fails (on backends that can defer).
* ``deliver_due_messages`` runs every minute (``ZHENWU_NOTIFY_SWEEP_SECONDS``) from the scheduler:
  it returns stale SENDING messages to the queue and delivers whatever is due. It is also the only
  path for a message whose worker was killed mid-send (its task was lost with the worker).

Both are idempotent: ``outbox_deliver`` claims a message before sending, so running either twice,
or both at once, sends a message once.
"""

import datetime
from collections import Counter

from django.conf import settings
from django_tasks import task

from zhenwu.core.choices import Interface, OutboxStatus
from zhenwu.core.context import acting_through
from zhenwu.core.exceptions import NotFound
from zhenwu.core.notifications.selectors import outbox_due_ids
from zhenwu.core.notifications.services import outbox_deliver, outbox_requeue_stale
from zhenwu.core.scheduler import PeriodicJob, register_periodic

#: At most this many messages per sweep; the rest wait for the next minute's sweep.
SWEEP_BATCH = 500


def _deliver(message_id: int) -> str:
    try:
        message = outbox_deliver(message_id=message_id)
    except NotFound:
        return "missing"
    if message.status == OutboxStatus.RETRYING:
        backend = deliver_message.get_backend()
        # The immediate backend (tests) cannot defer; the periodic sweep covers it there.
        if backend.supports_defer:
            deliver_message.using(run_after=message.next_attempt_at).enqueue(message_id=message.pk)
    return str(message.status)


@task()
def deliver_message(message_id: int) -> str:
    """Deliver one outbox message if it is due and nobody else is sending it; return its status."""
    with acting_through(Interface.TASK):
        return _deliver(message_id)


@task()
def deliver_due_messages() -> dict[str, int]:
    """Requeue messages of crashed workers, then deliver every due message; return counts by outcome."""
    with acting_through(Interface.TASK):
        counts: Counter[str] = Counter(requeued=outbox_requeue_stale())
        for message_id in outbox_due_ids(limit=SWEEP_BATCH):
            counts[_deliver(message_id)] += 1
        return dict(counts)


register_periodic(
    PeriodicJob(
        name="notifications.deliver_due",
        every=datetime.timedelta(seconds=getattr(settings, "ZHENWU_NOTIFY_SWEEP_SECONDS", 60)),
        task=deliver_due_messages,
    )
)
