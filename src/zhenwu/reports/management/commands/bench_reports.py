"""Measure the reports app at scale: ``manage.py bench_reports [--units 400] [--days 30] [--repeat 20]``.

Like ``bench_petitions``: everything happens in one transaction that is rolled back at the end, so
run it on a scratch database (``ZHENWU_VAR_DIR=/tmp/zw-bench-reports manage.py migrate`` first).
Prints one JSON line per scenario (p50/p95 in ms, queries per call).

What it builds:

* a county, one township and ``--units`` villages, bulk-inserted with their materialised paths, one
  office account at the township and one reporter per village (benchmark-only rows, as in
  ``bench_petitions``);
* a report type and an every-day schedule with deadlines at 09:00 and 17:00 over ``--days`` days
  (the last two days still ahead), created through ``services.schedule_create``: this is the timed
  slot generation (units x days x 2 slots);
* reports for about 90 % of the deadlines already past. ``--sample`` of them go through
  ``services.report_submit`` (timed; its clock is set to a moment before each deadline with
  ``unittest.mock.patch`` on ``django.utils.timezone.now``, as the demo loader does); the rest are
  bulk-inserted as synthetic rows (submission rows plus the slot's ``submitted_at``/``is_zero``/
  ``revision``), the same way ``bench_petitions`` bulk-inserts synthetic matters. About 5 % of
  them are late and 10 % are zero reports; the remaining past deadlines are missing.

What it times: the grid over the whole period for the office (``selectors.schedule_grid``), the
summary of one deadline and of one day (``summary.build_summary``), what a reporter and the office
must report now (``slots_for_reporter``), the dashboard panel, the reminder sweep, a frequency switch
for every unit, and the grid page over HTTP when the ``reports:schedule_grid`` URL exists (a note is
printed instead when it does not).
"""

import datetime
import json
import math
import random
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.db.models import F
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from zhenwu.core.choices import Interface, Role, UnitKind
from zhenwu.core.context import acting_through
from zhenwu.core.models import Unit, User
from zhenwu.core.models.units import PATH_SEGMENT
from zhenwu.reports.choices import SubmissionKind
from zhenwu.reports.dashboard import reports_due_panel
from zhenwu.reports.models import ReportFormVersion, ReportSchedule, ReportSlot, ReportSubmission, ReportType
from zhenwu.reports.selectors import schedule_grid, slots_for_reporter
from zhenwu.reports.services import (
    local_moment,
    report_reminders_send,
    report_submit,
    report_type_create,
    schedule_create,
    schedule_switch_frequency,
)
from zhenwu.reports.summary import build_summary

FIELDS: list[dict[str, Any]] = [
    {"key": "incidents", "label": "安全事故（起）", "kind": "count"},
    {"key": "hazards", "label": "排查发现安全隐患（处）", "kind": "count"},
    {"key": "disputes_received", "label": "受理矛盾纠纷（件）", "kind": "count"},
    {"key": "disputes_resolved", "label": "化解矛盾纠纷（件）", "kind": "count"},
    {"key": "petitions", "label": "受理群众来信来访（件）", "kind": "count"},
    {"key": "duty_on_shift", "label": "值班人员在岗", "kind": "yes_no"},
    {"key": "other", "label": "其他情况", "kind": "text", "required": False},
]
TIMES = ("09:00", "17:00")
#: Days of the period still ahead (the rest has passed and is mostly reported).
DAYS_AHEAD = 2
#: Minutes from the deadline to the first submission: mostly before it, sometimes after it.
OFFSETS = [(-150, 15), (-90, 25), (-45, 25), (-15, 20), (-3, 10), (12, 3), (40, 2)]
REPORTED_SHARE = 0.9
ZERO_SHARE = 0.1
#: SQLite allows 32766 parameters per statement (999 before 3.32); stay far below either.
CHUNK = 900


def _p95_index(count: int) -> int:
    """The nearest-rank 95th percentile's index in ``count`` sorted samples (the last of 20 is excluded)."""
    return min(count - 1, max(math.ceil(count * 0.95) - 1, 0))


@contextmanager
def _clock_at(moment: datetime.datetime) -> Iterator[None]:
    """The service's clock reads ``moment`` (benchmark data only; see the module docstring)."""
    with mock.patch("django.utils.timezone.now", return_value=moment.astimezone(datetime.UTC)):
        yield


def _values(rng: random.Random) -> dict[str, Any]:
    received = rng.choice((0, 0, 0, 1, 1, 2))
    return {
        "incidents": 0,
        "hazards": rng.choice((0, 0, 1)),
        "disputes_received": received,
        "disputes_resolved": rng.randint(0, received),
        "petitions": rng.choice((0, 0, 0, 1)),
        "duty_on_shift": True,
        "other": "",
    }


class Command(BaseCommand):
    help = (
        "Time slot generation, the grid, summaries and the reporter's list on synthetic data (rolled back)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--units", type=int, default=400)
        parser.add_argument("--days", type=int, default=30)
        parser.add_argument("--repeat", type=int, default=20)
        parser.add_argument(
            "--sample", type=int, default=200, help="reports submitted through report_submit (timed)"
        )

    def handle(self, *args: Any, units: int, days: int, repeat: int, sample: int, **options: Any) -> None:
        if units < 1 or days < DAYS_AHEAD + 1 or repeat < 1:
            self.stderr.write(f"--units >= 1, --days >= {DAYS_AHEAD + 1}, --repeat >= 1")
            return
        plain_static = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
        with (
            override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"], STORAGES=plain_static),
            acting_through(Interface.CLI),
            transaction.atomic(),
        ):
            self.units, self.days, self.repeat = units, days, repeat
            self._run(sample)
            transaction.set_rollback(True)  # leave the database as it was

    # --- output --------------------------------------------------------------------------------

    def emit(self, line: dict[str, Any]) -> None:
        out = {"scenario": line.pop("scenario"), "units": self.units, "days": self.days}
        out["database"] = connection.vendor
        out.update(line)
        self.stdout.write(json.dumps(out, ensure_ascii=False))

    def measure(self, name: str, fn: Callable[[], Any], describe: Callable[[Any], dict[str, Any]]) -> None:
        samples, queries, result = [], 0, None
        for _ in range(self.repeat):
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                result = fn()
                samples.append((time.perf_counter() - t0) * 1000)
            queries = len(ctx.captured_queries)
        samples.sort()
        self.emit(
            {
                "scenario": name,
                "p50_ms": round(statistics.median(samples), 2),
                "p95_ms": round(samples[_p95_index(len(samples))], 2),
                "queries": queries,
                **describe(result),
            }
        )

    def once(self, name: str, fn: Callable[[], Any], describe: Callable[[Any], dict[str, Any]]) -> Any:
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            result = fn()
            seconds = time.perf_counter() - t0
        self.emit(
            {"scenario": name, "seconds": round(seconds, 2), "queries": len(ctx.captured_queries)}
            | describe(result)
        )
        return result

    # --- building --------------------------------------------------------------------------------

    def _units(self) -> tuple[Unit, list[Unit], User, list[User]]:
        next_pk = (Unit.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        county = Unit(
            pk=next_pk,
            kind=UnitKind.COUNTY,
            name="基准县",
            code=f"RQ{next_pk}",
            path=f"{next_pk:0{PATH_SEGMENT}d}",
        )
        town = Unit(
            pk=next_pk + 1,
            parent=county,
            kind=UnitKind.TOWNSHIP,
            name="基准镇",
            code=f"RT{next_pk + 1}",
            path=county.path + f"{next_pk + 1:0{PATH_SEGMENT}d}",
            depth=1,
        )
        villages = [
            Unit(
                pk=pk,
                parent=town,
                kind=UnitKind.VILLAGE,
                name=f"基准村{n:04d}",
                code=f"RV{pk}",
                path=town.path + f"{pk:0{PATH_SEGMENT}d}",
                depth=2,
            )
            for n, pk in enumerate(range(next_pk + 2, next_pk + 2 + self.units))
        ]
        Unit.objects.bulk_create([county, town, *villages], batch_size=1000)
        # Benchmark-only accounts inside the rolled-back transaction; they never persist.
        office = User(
            username=f"bench-rep-office-{next_pk}",
            role=Role.OFFICE,
            unit=town,
            full_name="基准办公室",
            email="office@bench.example",
        )
        reporters = [
            User(
                username=f"bench-rep-{village.pk}",
                role=Role.REPORTER,
                unit=village,
                full_name=f"报送员{n:04d}",
                phone=f"139{n:08d}",
            )
            for n, village in enumerate(villages)
        ]
        User.objects.bulk_create([office, *reporters], batch_size=1000)
        return town, villages, office, reporters

    def _history(
        self,
        schedule: ReportSchedule,
        version: ReportFormVersion,
        reporters: dict[int, User],
        now: datetime.datetime,
        sample: int,
    ) -> None:
        rng = random.Random(2026)  # noqa: S311 -- synthetic benchmark data
        past = list(
            ReportSlot.objects.filter(schedule=schedule, due_at__lt=now)
            .order_by()
            .values_list("pk", "unit_id", "due_at", "opens_at")
        )
        chosen = [row for row in past if rng.random() < REPORTED_SHARE]
        rng.shuffle(chosen)
        offsets, weights = zip(*OFFSETS, strict=True)
        plan = []
        for pk, unit_id, due_at, opens_at in chosen:
            minutes = rng.choices(offsets, weights)[0]
            if due_at + datetime.timedelta(minutes=minutes) <= opens_at:  # not open yet then: at the deadline
                minutes = 0
            moment = due_at + datetime.timedelta(minutes=minutes)
            plan.append((pk, unit_id, moment, minutes, rng.random() < ZERO_SHARE))

        # A sample through the service, timed one by one.
        through_service = plan[:sample]
        samples = []
        with CaptureQueriesContext(connection) as ctx:
            for pk, unit_id, moment, _minutes, zero in through_service:
                slot = ReportSlot.objects.get(pk=pk)
                with _clock_at(moment):
                    t0 = time.perf_counter()
                    if zero:
                        report_submit(actor=reporters[unit_id], slot=slot, is_zero=True)
                    else:
                        report_submit(actor=reporters[unit_id], slot=slot, values=_values(rng))
                    samples.append((time.perf_counter() - t0) * 1000)
        if samples:
            samples.sort()
            self.emit(
                {
                    "scenario": "report_submit (service, one report)",
                    "calls": len(samples),
                    "p50_ms": round(statistics.median(samples), 2),
                    "p95_ms": round(samples[_p95_index(len(samples))], 2),
                    "queries": round(len(ctx.captured_queries) / len(samples), 1),
                }
            )

        # The rest as synthetic rows: submissions, then the slots' first-submission fields.
        t0 = time.perf_counter()
        bulk = plan[sample:]
        rows = []
        for pk, unit_id, moment, _minutes, zero in bulk:
            rows.append(
                ReportSubmission(
                    slot_id=pk,
                    form_version=version,
                    kind=SubmissionKind.ORIGINAL,
                    is_zero=zero,
                    values={} if zero else _values(rng),
                    revision=1,
                    submitted_by=reporters[unit_id],
                    submitted_at=moment,
                    updated_at=moment,
                )
            )
        ReportSubmission.objects.bulk_create(rows, batch_size=1000)
        # One UPDATE per (lateness, zero) group: submitted_at = due_at + offset, computed in the database.
        groups: dict[tuple[int, bool], list[int]] = {}
        for pk, _unit_id, _moment, minutes, zero in bulk:
            groups.setdefault((minutes, zero), []).append(pk)
        for (minutes, zero), pks in groups.items():
            for start in range(0, len(pks), CHUNK):
                ReportSlot.objects.filter(pk__in=pks[start : start + CHUNK]).update(
                    submitted_at=F("due_at") + datetime.timedelta(minutes=minutes), is_zero=zero, revision=1
                )
        self.emit(
            {
                "scenario": "synthetic reports (bulk insert, not timed as a service)",
                "past_slots": len(past),
                "reported": len(plan),
                "missing": len(past) - len(plan),
                "late": sum(1 for *_, minutes, _zero in plan if minutes > 0),
                "zero": sum(1 for *_, zero in plan if zero),
                "seconds": round(time.perf_counter() - t0, 1),
            }
        )

    # --- the run ---------------------------------------------------------------------------------

    def _run(self, sample: int) -> None:
        t0 = time.perf_counter()
        town, villages, office, reporters = self._units()
        report_type: ReportType = report_type_create(
            actor=office, owner_unit=town, code=f"bench-daily-{town.pk}", name="每日情况报告", fields=FIELDS
        )
        self.emit({"scenario": "build units and accounts", "seconds": round(time.perf_counter() - t0, 1)})

        now = timezone.now()
        today = timezone.localdate(now)
        ends_on = today + datetime.timedelta(days=DAYS_AHEAD - 1)
        starts_on = ends_on - datetime.timedelta(days=self.days - 1)
        schedule = self.once(
            "schedule_create (slot generation)",
            lambda: schedule_create(
                actor=office,
                owner_unit=town,
                report_type=report_type,
                name="基准每日报送",
                starts_on=starts_on,
                ends_on=ends_on,
                times=TIMES,
                units=villages,
                allow_past=True,
            ),
            lambda _s: {"slots": self.units * self.days * len(TIMES)},
        )
        version = ReportFormVersion.objects.get(report_type=report_type, number=1)
        by_unit = {person.unit_id: person for person in reporters if person.unit_id is not None}
        self._history(schedule, version, by_unit, now, sample)

        schedule = ReportSchedule.objects.select_related("report_type", "owner_unit").get(pk=schedule.pk)
        self.measure(
            "schedule_grid (whole period, office)",
            lambda: schedule_grid(user=office, schedule=schedule, first=starts_on, last=ends_on, now=now),
            lambda g: {
                "rows": len(g.rows),
                "columns": len(g.columns),
                "cells": sum(1 for row in g.rows for c in row.cells if c is not None),
                "totals": g.totals,
            },
        )
        week = ends_on - datetime.timedelta(days=6)
        self.measure(
            "schedule_grid (last 7 days, office)",
            lambda: schedule_grid(user=office, schedule=schedule, first=week, last=ends_on, now=now),
            lambda g: {"rows": len(g.rows), "columns": len(g.columns)},
        )
        yesterday = today - datetime.timedelta(days=1)
        self.measure(
            "build_summary (one deadline: yesterday 17:00)",
            lambda: build_summary(
                user=office,
                schedule=schedule,
                day=yesterday,
                due_at=local_moment(yesterday, "17:00"),
                now=now,
            ),
            lambda s: {"expected": s.expected, "reported": len(s.reported), "missing": len(s.missing)},
        )
        self.measure(
            "build_summary (one day: yesterday)",
            lambda: build_summary(user=office, schedule=schedule, day=yesterday, now=now),
            lambda s: {"expected": s.expected, "reported": len(s.reported), "missing": len(s.missing)},
        )
        reporter = reporters[0]
        self.measure(
            "slots_for_reporter (a village reporter)",
            lambda: slots_for_reporter(user=reporter, now=now),
            lambda slots: {"slots": len(slots)},
        )
        self.measure(
            "slots_for_reporter (the township office)",
            lambda: slots_for_reporter(user=office, now=now),
            lambda slots: {"slots": len(slots)},
        )
        self.measure(
            "dashboard panel reports_due (the township office)",
            lambda: reports_due_panel(office),
            lambda panel: {"counts": panel["counts"]},
        )
        self._pages(schedule, office, starts_on, ends_on)
        self.once(
            "report_reminders_send (sweep, first run)",
            lambda: report_reminders_send(now=now),
            lambda counts: counts,
        )
        self.once(
            "schedule_switch_frequency (every unit, from tomorrow: 3 a day)",
            lambda: schedule_switch_frequency(
                actor=office,
                schedule=schedule,
                effective_from=today + datetime.timedelta(days=1),
                times=("09:00", "12:00", "17:00"),
            ),
            lambda _d: {
                "slots_after": ReportSlot.objects.filter(schedule=schedule).count(),
            },
        )

    def _pages(
        self, schedule: ReportSchedule, office: User, first: datetime.date, last: datetime.date
    ) -> None:
        """The grid and summary pages through the test client, each skipped with a note until it exists."""
        yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
        pages = {
            "reports:schedule_grid": [
                ("grid page over HTTP (default: last 7 days)", ""),
                ("grid page over HTTP (whole period)", f"?first={first.isoformat()}&last={last.isoformat()}"),
            ],
            "reports:summary": [
                ("summary page over HTTP (one deadline)", f"?day={yesterday}&due=17:00"),
                ("summary page over HTTP (one day)", f"?day={yesterday}"),
            ],
        }
        client = Client()
        client.force_login(office)
        for url_name, variants in pages.items():
            try:
                url = reverse(url_name, kwargs={"pk": schedule.pk})
            except NoReverseMatch:
                self.emit(
                    {
                        "scenario": f"{url_name} over HTTP",
                        "skipped": f"the URL {url_name} (with the schedule's pk) does not resolve yet",
                    }
                )
                continue
            for name, query in variants:
                self.measure(name, self._getter(client, url + query), self._page_size(url + query))

    @staticmethod
    def _getter(client: Client, address: str) -> Callable[[], Any]:
        def get() -> Any:
            response = client.get(address)
            if response.status_code != 200:
                raise RuntimeError(f"{address} answered {response.status_code}")
            return response

        return get

    @staticmethod
    def _page_size(address: str) -> Callable[[Any], dict[str, Any]]:
        return lambda response: {
            "url": address,
            "status": response.status_code,
            "bytes": len(response.content),
        }
