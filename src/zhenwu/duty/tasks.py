"""Background jobs of the duty app: reminders before shifts, and missing sign-ons reported to the leader."""

import datetime

from django_tasks import task

from zhenwu.core.choices import Interface
from zhenwu.core.context import acting_through
from zhenwu.core.scheduler import PeriodicJob, register_periodic
from zhenwu.duty.services import duty_reminders_send


@task()
def send_duty_reminders() -> dict[str, int]:
    """Remind people before their shifts; tell the leader on duty who has not signed on (each once)."""
    with acting_through(Interface.TASK):
        return duty_reminders_send()


register_periodic(
    PeriodicJob(name="duty.reminders", every=datetime.timedelta(minutes=5), task=send_duty_reminders)
)
