"""Background jobs of the plans app: reminders to acknowledge notices."""

import datetime

from django_tasks import task

from zhenwu.core.choices import Interface
from zhenwu.core.context import acting_through
from zhenwu.core.scheduler import PeriodicJob, register_periodic
from zhenwu.plans.services import notice_reminders_send


@task()
def send_notice_reminders() -> dict[str, int]:
    with acting_through(Interface.TASK):
        return notice_reminders_send()


register_periodic(
    PeriodicJob(
        name="plans.notice_reminders", every=datetime.timedelta(minutes=30), task=send_notice_reminders
    )
)
