"""Background jobs of the petitions app."""

import datetime

from django_tasks import task

from zhenwu.core.scheduler import PeriodicJob, register_periodic
from zhenwu.petitions.services import petition_fill_pending_deadlines, petition_warn_due


@task()
def warn_due_petitions() -> int:
    """Fill deadlines left pending for an unknown year, then record due-soon and overdue warnings."""
    petition_fill_pending_deadlines()
    return petition_warn_due()


register_periodic(
    PeriodicJob(name="petitions.warn_due", every=datetime.timedelta(hours=1), task=warn_due_petitions)
)
