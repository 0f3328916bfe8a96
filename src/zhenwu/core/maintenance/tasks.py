"""The query planner's statistics: refreshed every night and after every ``migrate``.

SQLite chooses among a table's indexes by the statistics ``ANALYZE`` keeps in ``sqlite_stat1``.
Without them, or with old ones that do not yet know an index a migration added, it can choose an
index that reads many more rows than another would: ``make bench`` at county scale measured a
dashboard's deadline count at 9 ms before and 1 ms after ``ANALYZE`` (docs/performance.md). The
analysis is sampled (``PRAGMA analysis_limit``): about a second for a county's database, and it
does not grow with the tables.

PostgreSQL's autovacuum keeps its statistics up to date itself; nothing is done there.
"""

import datetime

from django.db import connections
from django_tasks import task

from zhenwu.core.scheduler import PeriodicJob, register_periodic

#: Rows ``ANALYZE`` samples per index (SQLite's documentation suggests a few hundred to a thousand).
ANALYSIS_LIMIT = 1000


def database_statistics_refresh(using: str = "default") -> bool:
    """Refresh the planner's statistics of database ``using``; False where the database does it."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT:d}")
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
