"""Measure the duty app at scale: ``manage.py bench_duty [--units 400] [--days 31] [--repeat 5]``.

Like ``bench_reports``: everything happens in one transaction that is rolled back at the end, so run
it on a scratch database (``ZHENWU_VAR_DIR=/tmp/zw-bench-duty manage.py migrate`` first). Prints one
JSON line per scenario (seconds, or p50/p95 in ms, and queries).

What it builds:

* a county and ``--units`` townships under it, bulk-inserted with their materialised paths; at each
  township a pool of 3 leaders and 6 office staff, and at the county one office account (the actor)
  and one administrator (benchmark-only rows, as in ``bench_petitions``);
* for each township, through the services (timed as the setup): a roster of ``--days`` days from
  yesterday with either two every-day templates, 白班 08:30–17:30 and 夜班 17:30–08:30 (``--shape
  day-night``, the default), or one 24-hour shift from 08:30 (``--shape 24h``), each with one leader
  and two officers, and its pool.

What it times:

* ``roster_generate`` for every roster (total seconds; per roster p50/p95 and queries), with ``now``
  set before the period starts so every shift is filled, as the demo does;
* ``coverage_report`` and ``fairness_report`` of one roster, and regenerating it;
* ``duty_desk`` (current and next shifts of every unit in scope) for the county office account, the
  county administrator and one township's office;
* the reminder sweep ``duty_reminders_send`` an hour before the next shift of every unit (one SMS per
  person on it: the pool accounts have mobiles, no e-mail).

``--profile`` runs the generation under cProfile and prints the functions with the most own time to
stderr (the timings of that run are inflated by the profiler).
"""

import cProfile
import datetime
import io
import json
import math
import pstats
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from zhenwu.core.choices import Interface, Role, UnitKind
from zhenwu.core.context import acting_through
from zhenwu.core.localtime import beijing_moment
from zhenwu.core.models import Unit, User
from zhenwu.core.models.units import PATH_SEGMENT
from zhenwu.duty.choices import Position, RosterStatus, ShiftDays
from zhenwu.duty.models import Roster, Shift, ShiftAssignment
from zhenwu.duty.selectors import DeskRow, coverage_report, desk_units, duty_desk, fairness_report
from zhenwu.duty.services import (
    duty_reminders_send,
    roster_create,
    roster_generate,
    roster_members_set,
    shift_template_add,
)

LEADERS = 3
OFFICERS = 6
SHAPES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "day-night": (("白班", "08:30", "17:30"), ("夜班", "17:30", "08:30")),
    "24h": (("全天", "08:30", "08:30"),),
}


def _p95_index(count: int) -> int:
    """The nearest-rank 95th percentile's index in ``count`` sorted samples."""
    return min(count - 1, max(math.ceil(count * 0.95) - 1, 0))


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[_p95_index(len(ordered))], 2),
        "max_ms": round(ordered[-1], 2),
    }


def _time(text: str) -> datetime.time:
    return datetime.time.fromisoformat(text)


class QueryCounter:
    """Counts the queries run inside it (without Django's 9000-query log limit of CaptureQueriesContext)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)

    @contextmanager
    def counting(self) -> Iterator["QueryCounter"]:
        self.count = 0
        with connection.execute_wrapper(self):
            yield self


class Command(BaseCommand):
    help = (
        "Time roster generation, coverage, fairness, the duty desk and reminders on synthetic data "
        "(rolled back)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--units", type=int, default=400)
        parser.add_argument("--days", type=int, default=31)
        parser.add_argument("--repeat", type=int, default=5)
        parser.add_argument("--shape", choices=sorted(SHAPES), default="day-night")
        parser.add_argument("--profile", action="store_true", help="cProfile the generation (to stderr)")

    def handle(
        self, *args: Any, units: int, days: int, repeat: int, shape: str, profile: bool, **options: Any
    ) -> None:
        if units < 1 or days < 2 or repeat < 1:
            self.stderr.write("--units >= 1, --days >= 2, --repeat >= 1")
            return
        self.units, self.days, self.repeat, self.shape = units, days, repeat, shape
        with acting_through(Interface.CLI), transaction.atomic():
            self._run(profile)
            transaction.set_rollback(True)  # leave the database as it was

    # --- output --------------------------------------------------------------------------------

    def emit(self, line: dict[str, Any]) -> None:
        out = {"scenario": line.pop("scenario"), "units": self.units, "days": self.days, "shape": self.shape}
        out["database"] = connection.vendor
        out.update(line)
        self.stdout.write(json.dumps(out, ensure_ascii=False))

    def measure(self, name: str, fn: Callable[[], Any], describe: Callable[[Any], dict[str, Any]]) -> None:
        samples, queries, result = [], 0, None
        for _ in range(self.repeat):
            with QueryCounter().counting() as counter:
                t0 = time.perf_counter()
                result = fn()
                samples.append((time.perf_counter() - t0) * 1000)
            queries = counter.count
        self.emit({"scenario": name, **_ms(samples), "queries": queries, **describe(result)})

    def once(self, name: str, fn: Callable[[], Any], describe: Callable[[Any], dict[str, Any]]) -> Any:
        with QueryCounter().counting() as counter:
            t0 = time.perf_counter()
            result = fn()
            seconds = time.perf_counter() - t0
        self.emit(
            {"scenario": name, "seconds": round(seconds, 2), "queries": counter.count} | describe(result)
        )
        return result

    # --- building --------------------------------------------------------------------------------

    def _people(self) -> tuple[list[Unit], User, User, dict[int, tuple[list[User], list[User]]]]:
        """The county, its townships and their pools, bulk-inserted (benchmark-only rows)."""
        next_pk = (Unit.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        county = Unit(
            pk=next_pk,
            kind=UnitKind.COUNTY,
            name="基准县",
            code=f"DQ{next_pk}",
            path=f"{next_pk:0{PATH_SEGMENT}d}",
        )
        towns = [
            Unit(
                pk=pk,
                parent=county,
                kind=UnitKind.TOWNSHIP,
                name=f"基准镇{n:04d}",
                code=f"DT{pk}",
                path=county.path + f"{pk:0{PATH_SEGMENT}d}",
                depth=1,
            )
            for n, pk in enumerate(range(next_pk + 1, next_pk + 1 + self.units))
        ]
        Unit.objects.bulk_create([county, *towns], batch_size=1000)
        office = User(
            username=f"bench-duty-office-{next_pk}", role=Role.OFFICE, unit=county, full_name="县值班室"
        )
        admin = User(
            username=f"bench-duty-admin-{next_pk}",
            role=Role.ADMIN,
            unit=county,
            is_superuser=True,
            full_name="基准管理员",
        )
        pools: dict[int, tuple[list[User], list[User]]] = {}
        people: list[User] = []
        serial = 0
        for town in towns:
            pool: tuple[list[User], list[User]] = ([], [])
            for count, role, target in ((LEADERS, Role.LEADER, pool[0]), (OFFICERS, Role.OFFICE, pool[1])):
                for _ in range(count):
                    serial += 1
                    person = User(
                        username=f"bench-duty-{next_pk}-{serial}",
                        role=role,
                        unit=town,
                        full_name=f"值班{serial:05d}",
                        phone=f"139{serial:08d}",
                    )
                    target.append(person)
                    people.append(person)
            pools[town.pk] = pool
        User.objects.bulk_create([office, admin, *people], batch_size=1000)
        return towns, office, admin, pools

    def _rosters(
        self,
        towns: list[Unit],
        office: User,
        pools: dict[int, tuple[list[User], list[User]]],
        starts_on: datetime.date,
    ) -> list[Roster]:
        rosters = []
        for town in towns:
            roster = roster_create(
                actor=office,
                unit=town,
                name=f"{town.name}值班表",
                starts_on=starts_on,
                ends_on=starts_on + datetime.timedelta(days=self.days - 1),
            )
            for name, start, end in SHAPES[self.shape]:
                shift_template_add(
                    actor=office,
                    roster=roster,
                    name=name,
                    start_time=_time(start),
                    end_time=_time(end),
                    days=ShiftDays.EVERY_DAY,
                    leaders_required=1,
                    officers_required=2,
                )
            leaders, officers = pools[town.pk]
            roster_members_set(actor=office, roster=roster, position=Position.LEADER, people=leaders)
            roster_members_set(actor=office, roster=roster, position=Position.OFFICER, people=officers)
            rosters.append(roster)
        return rosters

    # --- the run ---------------------------------------------------------------------------------

    def _generate_all(self, rosters: list[Roster], office: User, planned_at: datetime.datetime) -> None:
        samples: list[float] = []
        queries: list[int] = []
        unfilled = assigned = 0
        t0 = time.perf_counter()
        for roster in rosters:
            with QueryCounter().counting() as counter:
                t1 = time.perf_counter()
                result = roster_generate(actor=office, roster=roster, now=planned_at)
                samples.append((time.perf_counter() - t1) * 1000)
            queries.append(counter.count)
            unfilled += len(result.unfilled)
            assigned += result.assigned
        self.emit(
            {
                "scenario": "roster_generate (every roster)",
                "rosters": len(rosters),
                "seconds": round(time.perf_counter() - t0, 2),
                **_ms(samples),
                "queries_per_roster": round(statistics.mean(queries), 1),
                "queries_max": max(queries),
                "shifts": Shift.objects.filter(roster__in=rosters).count(),
                "assigned": assigned,
                "unfilled": unfilled,
            }
        )

    @staticmethod
    def _desk(user: User, now: datetime.datetime) -> Callable[[], list[DeskRow]]:
        return lambda: duty_desk(user=user, now=now)

    def _run(self, profile: bool) -> None:
        t0 = time.perf_counter()
        towns, office, admin, pools = self._people()
        self.emit(
            {
                "scenario": "build units and accounts (bulk insert)",
                "accounts": self.units * (LEADERS + OFFICERS) + 2,
                "seconds": round(time.perf_counter() - t0, 2),
            }
        )
        now = timezone.now()
        starts_on = timezone.localdate(now) - datetime.timedelta(days=1)
        rosters = self.once(
            "roster_create + shift_template_add + roster_members_set (setup, every roster)",
            lambda: self._rosters(towns, office, pools, starts_on),
            lambda rows: {"rosters": len(rows)},
        )
        # Generated as the office would have, the day before the period starts: every shift is filled.
        planned_at = beijing_moment(starts_on - datetime.timedelta(days=1), _time("10:00"))
        if profile:
            profiler = cProfile.Profile()
            profiler.enable()
            self._generate_all(rosters, office, planned_at)
            profiler.disable()
            stream = io.StringIO()
            pstats.Stats(profiler, stream=stream).sort_stats("tottime").print_stats(25)
            self.stderr.write(stream.getvalue())
        else:
            self._generate_all(rosters, office, planned_at)

        roster = Roster.objects.select_related("unit").get(pk=rosters[0].pk)
        self.measure(
            "coverage_report (one roster)",
            lambda: coverage_report(roster),
            lambda r: {
                "problems": len(r.problem_lines()),
                "understaffed": len(r.understaffed),
                "short_rest": len(r.short_rest),
            },
        )
        self.measure(
            "fairness_report (one roster)",
            lambda: fairness_report(roster),
            lambda rows: {
                "rows": len(rows),
                "shifts_per_officer": sorted({r.shifts for r in rows if r.position == Position.OFFICER}),
            },
        )
        self.measure(
            "roster_generate again (one roster: every future shift replaced)",
            lambda: roster_generate(actor=office, roster=roster, now=planned_at),
            lambda result: {"assigned": result.assigned, "unfilled": len(result.unfilled)},
        )
        town_office = User(
            username=f"bench-duty-town-office-{towns[0].pk}",
            role=Role.OFFICE,
            unit=towns[0],
            full_name="镇值班室",
        )
        town_office.save()
        for label, user in (
            ("the county office", office),
            ("the county admin", admin),
            ("a township office", town_office),
        ):
            self.measure(
                f"duty_desk ({label})",
                self._desk(user, now),
                lambda rows: {
                    "units_on_desk": len(rows),
                    "current_shifts": sum(len(r.current) for r in rows),
                    "people": sum(len(s.assignments.all()) for r in rows for s in r.current),
                },
            )
        # The desk page shows 50 units at a time (views_desk.DESK_UNITS_PER_PAGE).
        self.measure(
            "duty_desk (the county office, first page of 50 units)",
            lambda: duty_desk(user=office, now=now, units=list(desk_units(user=office, now=now)[:50])),
            lambda rows: {"units_on_desk": len(rows)},
        )
        # Reminders go only for published rosters. Publishing 400 rosters through the service would
        # time 400 coverage checks (measured above); the synthetic rosters are marked published.
        Roster.objects.filter(pk__in=[r.pk for r in rosters]).update(status=RosterStatus.PUBLISHED)
        # An hour before the next shift change: every unit's next shift is due for its reminder.
        upcoming = (
            Shift.objects.filter(roster__in=rosters, starts_at__gt=now)
            .order_by("starts_at")
            .values_list("starts_at", flat=True)
            .first()
        )
        if upcoming is not None:
            sweep_at = upcoming - datetime.timedelta(minutes=59)
            self.once(
                "duty_reminders_send (sweep, every unit's next shift)",
                lambda: duty_reminders_send(now=sweep_at),
                lambda counts: (
                    counts
                    | {
                        "people": ShiftAssignment.objects.filter(
                            shift__roster__in=rosters, starts_at=upcoming
                        ).count()
                    }
                ),
            )
