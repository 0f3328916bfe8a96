"""Measure the petition ledger at scale: ``manage.py bench_petitions [--petitions 100000]``.

Builds synthetic matters with bulk inserts (composed locally from phrase lists: no downloads) in one
transaction, requests the real pages through Django's test client as a township's office user,
prints one JSON line per scenario (p50/p95 in ms, queries per request), and rolls everything back.
Run it on a scratch database: ``ZHENWU_VAR_DIR=/tmp/zw-bench manage.py migrate`` first.
"""

import datetime
import json
import random
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from zhenwu.core.choices import Role, UnitKind
from zhenwu.core.models import Unit, User
from zhenwu.core.models.units import PATH_SEGMENT
from zhenwu.petitions.choices import IntakeChannel, Stage, Status
from zhenwu.petitions.models import Petition, Petitioner, PetitionParty
from zhenwu.petitions.search import search_text_for
from zhenwu.petitions.services import petition_warn_due

SUBJECTS = [
    "拖欠工资",
    "土地承包",
    "宅基地",
    "征地补偿",
    "低保申请",
    "养老保险",
    "噪声扰民",
    "污水直排",
    "道路破损",
    "饮水困难",
]
PLACES = ["河东村", "河西村", "柳湾村", "青石村", "枫林村", "河坝社区", "滨河社区", "石桥村", "桥头村"]
VERBS = ["请求协调解决", "要求依法处理", "希望尽快答复", "请求核实情况", "建议加强监管"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国"
STATUS_MIX = [
    (Status.CLOSED, Stage.NONE, 0.55),
    (Status.RATED, Stage.REVIEW_REQUEST, 0.10),
    (Status.ANSWERED, Stage.REVIEW_REQUEST, 0.08),
    (Status.HANDLING, Stage.CONCLUSION, 0.12),
    (Status.ASSIGNED, Stage.CONCLUSION, 0.06),
    (Status.ACCEPTED, Stage.CONCLUSION, 0.04),
    (Status.REGISTERED, Stage.ACCEPTANCE, 0.03),
    (Status.DECLINED, Stage.NONE, 0.02),
]


class Command(BaseCommand):
    help = "Time the petition ledger, search and export on N synthetic matters (rolled back afterwards)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--petitions", type=int, default=100_000)
        parser.add_argument("--repeat", type=int, default=30)
        parser.add_argument("--no-export", action="store_true", help="skip the full-ledger export")

    def handle(self, *args: Any, petitions: int, repeat: int, no_export: bool, **options: Any) -> None:
        # The test client's host and un-hashed static names: the pages render as in production
        # otherwise, without needing collectstatic on a scratch database.
        plain_static = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
        with (
            override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"], STORAGES=plain_static),
            transaction.atomic(),
        ):
            for line in self._run(petitions, repeat, not no_export):
                self.stdout.write(json.dumps(line, ensure_ascii=False))
            transaction.set_rollback(True)  # leave the database as it was

    def _build(self, total: int) -> tuple[Unit, User, User]:
        rng = random.Random(2026)  # noqa: S311 -- synthetic benchmark data
        start = time.perf_counter()
        next_pk = (Unit.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        county = Unit(
            pk=next_pk,
            kind=UnitKind.COUNTY,
            name="基准县",
            code=f"BQ{next_pk}",
            path=f"{next_pk:0{PATH_SEGMENT}d}",
        )
        units = [county]
        townships = []
        villages: dict[int, list[Unit]] = {}
        for t in range(20):  # a county: 20 townships of 20 villages
            pk = next_pk + 1 + t * 21
            town = Unit(
                pk=pk,
                parent=county,
                kind=UnitKind.TOWNSHIP,
                name=f"基准镇{t}",
                code=f"BT{pk}",
                path=county.path + f"{pk:0{PATH_SEGMENT}d}",
                depth=1,
            )
            townships.append(town)
            units.append(town)
            villages[pk] = [
                Unit(
                    pk=pk + 1 + v,
                    parent=town,
                    kind=UnitKind.VILLAGE,
                    name=f"基准村{t}-{v}",
                    code=f"BV{pk + 1 + v}",
                    path=town.path + f"{pk + 1 + v:0{PATH_SEGMENT}d}",
                    depth=2,
                )
                for v in range(20)
            ]
            units.extend(villages[pk])
        Unit.objects.bulk_create(units)
        # Benchmark-only accounts inside the rolled-back transaction; they never persist.
        office = User(
            username=f"bench-office-{next_pk}", role=Role.OFFICE, unit=townships[0], full_name="基准"
        )
        admin = User(
            username=f"bench-admin-{next_pk}",
            role=Role.ADMIN,
            unit=county,
            is_superuser=True,
            full_name="基准",
        )
        User.objects.bulk_create([office, admin])
        now = timezone.now()
        weights = [w for _, _, w in STATUS_MIX]
        batch = 5000
        for offset in range(0, total, batch):
            size = min(batch, total - offset)
            people = [
                Petitioner(
                    name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                    phone=f"1390000{rng.randint(1000, 9999)}",
                )
                for _ in range(size)
            ]
            Petitioner.objects.bulk_create(people)
            rows = []
            for i in range(size):
                n = offset + i
                town = townships[n % len(townships)]
                subject, place, verb = rng.choice(SUBJECTS), rng.choice(PLACES), rng.choice(VERBS)
                summary = f"{place}{subject}问题"
                months = rng.randint(1, 12)
                content = f"本人系{place}村民，反映{subject}问题已有{months}个月，多次反映未果，{verb}。"
                status, stage, _w = rng.choices(STATUS_MIX, weights)[0]
                received = now - datetime.timedelta(days=rng.randint(0, 720), minutes=rng.randint(0, 1440))
                due = (
                    (received + datetime.timedelta(days=rng.randint(15, 75))).date()
                    if stage != Stage.NONE
                    else None
                )
                assigned = status not in (Status.REGISTERED, Status.ACCEPTED, Status.DECLINED)
                rows.append(
                    Petition(
                        number=f"B{n:08d}",
                        query_code_hash="x",
                        channel=rng.choice(IntakeChannel.values),
                        unit=town,
                        handling_unit=rng.choice(villages[town.pk]) if assigned else None,
                        summary=summary,
                        content=content,
                        received_at=received,
                        status=status,
                        stage=stage,
                        due_on=due,
                        search_text=search_text_for(summary, content),
                    )
                )
            Petition.objects.bulk_create(rows)
            PetitionParty.objects.bulk_create(
                PetitionParty(petition=p, petitioner=person) for p, person in zip(rows, people, strict=True)
            )
        self.build_s = round(time.perf_counter() - start, 1)
        return townships[0], office, admin

    def _run(self, total: int, repeat: int, export: bool) -> list[dict[str, Any]]:
        township, office, admin = self._build(total)
        client = Client()
        client.force_login(office)
        lines: list[dict[str, Any]] = [
            {"scenario": "build", "petitions": total, "database": connection.vendor, "seconds": self.build_s}
        ]

        def measure(name: str, url: str, fn: Callable[[], Any] | None = None) -> None:
            samples, queries = [], 0
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as ctx:
                    t0 = time.perf_counter()
                    response = fn() if fn else client.get(url)
                    samples.append((time.perf_counter() - t0) * 1000)
                status = getattr(response, "status_code", 200)
                if status != 200:
                    raise RuntimeError(f"{url} answered {status}")
                queries = len(ctx.captured_queries)
            samples.sort()
            lines.append(
                {
                    "scenario": name,
                    "petitions": total,
                    "database": connection.vendor,
                    "url": url,
                    "p50_ms": round(statistics.median(samples), 2),
                    "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 2),
                    "queries": queries,
                }
            )

        measure("ledger page 1", "/petitions/")
        measure("ledger filtered", "/petitions/?status=handling")
        measure("ledger deep page", "/petitions/?page=80")
        measure("search 工资 (2 characters)", "/petitions/?q=工资")
        measure("search 土地承包", "/petitions/?q=土地承包")
        one = Petition.objects.filter(unit=township).order_by("-pk").values_list("pk", flat=True).first()
        measure("detail", f"/petitions/{one}/")
        measure("overdue sweep (all matters)", "petition_warn_due", lambda: petition_warn_due())
        if export:
            admin_client = Client()
            admin_client.force_login(admin)

            def drain() -> int:
                response = admin_client.get("/petitions/export/")
                size = 0
                for chunk in response.streaming_content:  # type: ignore[attr-defined]
                    size += len(chunk)
                return size

            t0 = time.perf_counter()
            size = drain()  # timed without tracing: tracemalloc slows allocation-heavy code severalfold
            seconds = time.perf_counter() - t0
            tracemalloc.start()
            drain()
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            lines.append(
                {
                    "scenario": "export .xlsx (whole county)",
                    "petitions": total,
                    "database": connection.vendor,
                    "rows": Petition.objects.count(),
                    "seconds": round(seconds, 2),
                    "bytes": size,
                    "peak_python_mb": round(peak / 2**20, 1),
                }
            )
        return lines
