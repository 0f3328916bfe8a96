"""Background jobs of the safety app: hazard deadline reminders."""

import datetime

from django_tasks import task

from zhenwu.core.choices import Interface
from zhenwu.core.context import acting_through
from zhenwu.core.scheduler import PeriodicJob, register_periodic
from zhenwu.safety.services import hazard_reminders_send


@task()
def send_hazard_reminders() -> dict[str, int]:
    with acting_through(Interface.TASK):
        return hazard_reminders_send()


register_periodic(
    PeriodicJob(name="safety.reminders", every=datetime.timedelta(hours=1), task=send_hazard_reminders)
)
