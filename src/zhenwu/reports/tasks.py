"""Background jobs of the reports app: reminders before deadlines and missing-report notices after them."""

import datetime

from django_tasks import task

from zhenwu.core.choices import Interface
from zhenwu.core.context import acting_through
from zhenwu.core.scheduler import PeriodicJob, register_periodic
from zhenwu.reports.services import report_reminders_send


@task()
def send_report_reminders() -> dict[str, int]:
    """Remind units before their deadlines and report missing reports after them (each message once)."""
    with acting_through(Interface.TASK):
        return report_reminders_send()


register_periodic(
    PeriodicJob(name="reports.reminders", every=datetime.timedelta(minutes=5), task=send_report_reminders)
)
