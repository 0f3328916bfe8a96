"""The query planner's statistics: refreshed every night and after every ``migrate``.

SQLite chooses among a table's indexes by the statistics ``ANALYZE`` keeps in ``sqlite_stat1``.
Without them, or with old ones that do not yet know an index a migration added, it can choose an
index that reads many more rows than another would: ``make bench`` at county scale measured a
dashboard's deadline count at 9 ms before and 1 ms after ``ANALYZE`` (docs/performance.md).

The analysis reads every index in full: 0.7 s for a county's database, 11 s for a province's
10^6 matters. A sampled one (``PRAGMA analysis_limit=1000``) was tried and is worse than none: at
province scale it counted ~1,000 matters per stage instead of ~250,000, and the planner then
walked every open matter of the province to count one township's (a dashboard 125 → 160 ms).

PostgreSQL's autovacuum keeps its statistics up to date itself; nothing is done there.
"""

import datetime

from django.db import connections
from django_tasks import task

from zhenwu.core.scheduler import PeriodicJob, register_periodic


def database_statistics_refresh(using: str = "default") -> bool:
    """Refresh the planner's statistics of database ``using``; False where the database does it."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return True


@task()
def refresh_database_statistics() -> bool:
    return database_statistics_refresh()


register_periodic(
    PeriodicJob(
        name="core.database_statistics",
        every=datetime.timedelta(days=1),
        # 19:00 UTC: 03:00 in Asia/Shanghai, when nobody is at work.
        offset=datetime.timedelta(hours=19),
        task=refresh_database_statistics,
    )
)
