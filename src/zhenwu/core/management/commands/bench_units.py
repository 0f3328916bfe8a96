"""Measure unit-tree queries at scale: ``manage.py bench_units [--units 100000]``.

Builds a synthetic tree (province → cities → counties → townships → villages) with bulk inserts
inside a transaction, times the scoped queries the pages use, prints one JSON line, and rolls
everything back, so it leaves the database as it found it.
"""

import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.db.models import Max

from zhenwu.core.choices import Role, UnitKind
from zhenwu.core.models import Unit, User
from zhenwu.core.models.units import PATH_SEGMENT
from zhenwu.core.selectors import unit_ancestors, unit_list
from zhenwu.core.services.units import unit_move

FANOUT = [
    (UnitKind.COUNTY, 20),
    (UnitKind.COUNTY, 20),
    (UnitKind.TOWNSHIP, 10),
]  # cities, counties, townships


class Command(BaseCommand):
    help = "Time scoped unit-tree queries on a synthetic tree of N units (rolled back afterwards)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--units", type=int, default=100_000)
        parser.add_argument("--repeat", type=int, default=50)

    def handle(self, *args: Any, units: int, repeat: int, **options: Any) -> None:
        with transaction.atomic():
            result = self._run(units, repeat)
            transaction.set_rollback(True)  # leave the database as it was
        self.stdout.write(json.dumps(result, ensure_ascii=False))

    def _run(self, total: int, repeat: int) -> dict[str, Any]:
        started = time.perf_counter()
        next_pk = (Unit.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        rows: list[Unit] = []

        def add(parent: Unit | None, kind: str, name: str) -> Unit:
            nonlocal next_pk
            pk = next_pk
            next_pk += 1
            path = (parent.path if parent else "") + f"{pk:0{PATH_SEGMENT}d}"
            unit = Unit(
                pk=pk, parent=parent, kind=kind, name=name, code=f"B{pk}", path=path,
                depth=(parent.depth + 1) if parent else 0,
            )  # fmt: skip
            rows.append(unit)
            return unit

        root = add(None, UnitKind.COUNTY, "基准省")
        level = [root]
        for kind, fanout in FANOUT:
            level = [add(p, kind, f"{p.name[:8]}-{i}") for p in level for i in range(fanout)]
        townships = level
        remaining = max(0, total - len(rows))
        for n, t in enumerate(townships):
            # Spread the remainder so the tree has exactly ``total`` units.
            for i in range(remaining // len(townships) + (1 if n < remaining % len(townships) else 0)):
                add(t, UnitKind.VILLAGE, f"村{i}")
        Unit.objects.bulk_create(rows, batch_size=2000)
        build_s = time.perf_counter() - started

        county = townships[0].parent
        if county is None or county.parent is None:
            raise CommandError("the synthetic tree is too shallow")
        township = townships[len(townships) // 2]
        village = Unit.objects.filter(parent=township).first()
        admin = User(username="bench-admin", role=Role.ADMIN, is_superuser=True, is_active=True)
        office = User(username="bench-office", role=Role.OFFICE, unit=county, is_active=True)
        city_office = User(username="bench-city", role=Role.OFFICE, unit=county.parent, is_active=True)

        def timed(fn: Callable[[], object]) -> dict[str, float]:
            samples = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                fn()
                samples.append((time.perf_counter() - t0) * 1000)
            samples.sort()
            return {
                "p50_ms": round(statistics.median(samples), 3),
                "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 3),
            }

        county_qs = unit_list(user=office)
        city_qs = unit_list(user=city_office)
        figures = {
            "units": Unit.objects.count(),
            "database": connection.vendor,
            "build_s": round(build_s, 2),
            "county_subtree_count": timed(lambda: county_qs.count()),
            "county_list_page_50": timed(lambda: list(county_qs[:50])),
            "city_subtree_count": timed(lambda: city_qs.count()),
            "city_list_deep_page": timed(lambda: list(city_qs[4000:4050])),
            "admin_search_name": timed(lambda: list(unit_list(user=admin, q="村7")[:50])),
            "ancestors_of_village": timed(lambda: unit_ancestors(village) if village else None),
        }
        moved_size = Unit.objects.subtree_of(township).count()
        target = townships[0]
        t0 = time.perf_counter()
        unit_move(actor=admin, unit=township, new_parent=target)
        figures["move_township_ms"] = round((time.perf_counter() - t0) * 1000, 2)
        figures["moved_subtree_size"] = moved_size
        figures["county_subtree_size"] = county_qs.count()
        return figures
