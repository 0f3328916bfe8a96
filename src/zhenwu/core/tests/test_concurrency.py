"""Issue 8.7: the real web server on SQLite takes 16 concurrent clients for 30 s and loses nothing.

gunicorn starts as ``make run`` starts it (gthread, 2 workers x 4 threads) beside the task worker
(the scheduler is left out: its sweeps do not touch new submissions, and each process start costs
seconds). 6 office clients register petitions and 10 village clients submit their own village's
reports (one in five a zero report) through the API with their tokens; each village has its own
slots, so no submission conflicts by design. Every 2xx answer is recorded, then the server is
stopped and the SQLite file is read directly: each acknowledged petition and report is there
exactly once with the content sent, no request got a 5xx (nor any other error), and the server's
output has neither "database is locked" nor a traceback.
"""

from pathlib import Path

import pytest

from zhenwu.testing.live import SubmissionLoad, check_acks, live_instance, read_database
from zhenwu.testing.markers import sqlite_pass_only

pytestmark = [
    pytest.mark.slow,
    sqlite_pass_only,
]

CLIENTS_OFFICE = 6
CLIENTS_VILLAGE = 10
DURATION = 30.0


def test_sixteen_clients_for_thirty_seconds_lose_nothing(tmp_path: Path) -> None:
    with live_instance(tmp_path / "var") as live:
        live.prepare_database()
        seed = live.seed(villages=CLIENTS_VILLAGE, offices=CLIENTS_OFFICE, report_days=45)
        live.start(scheduler=False)
        load = SubmissionLoad(live, seed, office_clients=CLIENTS_OFFICE, village_clients=CLIENTS_VILLAGE)
        result = load.run(DURATION)
        live.stop()
        stored = read_database(live.database)
        output = live.output()

    petitions = sum(1 for ack in result.acks if ack.kind == "petition")
    reports = len(result.acks) - petitions
    print(  # noqa: T201 -- the figures of the closing note (run with -s)
        f"\nconcurrency: {len(result.acks)} acknowledged ({petitions} petitions, {reports} reports), "
        f"{len(stored.petitions)} petitions and {len(stored.submissions)} reports found; "
        f"{result.requests} requests in {result.seconds:.1f} s = {result.rate:.1f}/s; "
        f"statuses {result.statuses}; 5xx {result.server_errors}; errors {len(result.failures)}"
    )
    assert result.failures == []
    assert result.server_errors == 0
    assert "database is locked" not in output
    assert "Traceback" not in output
    assert petitions > 0 and reports > 0
    assert all(len(reporter["slots"]) > 0 for reporter in seed["reporters"])
    assert check_acks(result.acks, stored) == []
    # Nothing stored that was not acknowledged (every request got its answer: no failures above).
    assert len(stored.petitions) == petitions
    assert len(stored.submissions) == reports
    assert stored.integrity == "ok"
