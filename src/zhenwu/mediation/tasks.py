"""Background jobs of the mediation app: reminders of target dates, confirmation windows, follow-ups."""

import datetime

from django_tasks import task

from zhenwu.core.choices import Interface
from zhenwu.core.context import acting_through
from zhenwu.core.scheduler import PeriodicJob, register_periodic
from zhenwu.mediation.services import mediation_fill_pending_deadlines, mediation_reminders_send


@task()
def send_mediation_reminders() -> dict[str, int]:
    with acting_through(Interface.TASK):
        filled = mediation_fill_pending_deadlines()
        return {**mediation_reminders_send(), "filled": filled}


# Hourly: a message is sent once per event, so running often only makes the first one timely.
register_periodic(
    PeriodicJob(name="mediation.reminders", every=datetime.timedelta(hours=1), task=send_mediation_reminders)
)
