"""The benchmark's scenarios: each run many times, one JSON line each (p50/p95/p99, queries).

Pages and API routes are requested through Django's test client in this process, so the time is
the server's own (URL routing, middleware, views, templates, the database), without a network or
a browser. The sessions are real ones (``force_login``) with production settings except the
second factor, which only the login page asks for.

Baselines: the ledger list, the search and the overdue sweep also run as hand-written SQL on the
same database; the line gives both medians and their ratio, and checks that both return the same
matters (so the SQL is the same query, not an easier one).
"""

import datetime
import gc
import json
import math
import resource
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.test import Client, override_settings
from django.utils import timezone

from zhenwu.bench.data import Dataset, roster_planning_moment
from zhenwu.core.models import Unit, User
from zhenwu.core.models.units import path_upper_bound
from zhenwu.petitions.choices import Status
from zhenwu.petitions.ledger import LedgerFilterForm, ledger_pages, ledger_rows
from zhenwu.petitions.models import STAFF_STAGES, Category, Petition
from zhenwu.petitions.search import search_query_tokens
from zhenwu.petitions.services import petition_warn_due

REPO = Path(__file__).resolve().parents[3]
EXPORT_MAX_ROWS = 100_000

#: Production settings, minus what a test client cannot do: the test host name, the static files'
#: hashed names (no collectstatic on a benchmark database) and the second factor at login.
BENCH_SETTINGS: dict[str, Any] = {
    "ALLOWED_HOSTS": [*settings.ALLOWED_HOSTS, "testserver"],
    "STORAGES": {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    },
    "ZHENWU_REQUIRE_2FA": False,
}


def git_commit() -> str:
    try:
        out = subprocess.run(  # noqa: S603 -- fixed arguments
            ["git", "rev-parse", "--short=12", "HEAD"],  # noqa: S607 -- git from PATH
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],  # noqa: S607
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def percentile(samples: Sequence[float], share: float) -> float:
    """Nearest-rank percentile of sorted ``samples``."""
    return samples[min(len(samples) - 1, max(math.ceil(len(samples) * share) - 1, 0))]


def summary_ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "runs": len(ordered),
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(percentile(ordered, 0.95), 2),
        "p99_ms": round(percentile(ordered, 0.99), 2),
    }


def logged_in(user: User) -> Client:
    """A client with ``user``'s session; one who enrolled a second factor has passed it, as after
    the login page's code step (an earlier load run may have enrolled the benchmark accounts)."""
    from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user

    from zhenwu.core.middleware import OTP_SESSION_KEY

    client = Client()
    client.force_login(user)
    device = next(iter(devices_for_user(user, confirmed=True)), None)
    if device is not None:
        session = client.session
        session[OTP_SESSION_KEY] = True
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


class QueryCounter:
    """Counts the statements sent to the database while active (the test client resets Django's
    own query log at every request, so ``CaptureQueriesContext`` cannot count a request)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)

    def __enter__(self) -> "QueryCounter":
        self._wrapper = connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._wrapper.__exit__(*exc)


class Emitter:
    """Writes one JSON line per scenario, each with the scale, database and git commit."""

    def __init__(self, write: Callable[[str], Any], *, scale: str) -> None:
        self.write = write
        self.common = {"scale": scale, "database": connection.vendor, "commit": git_commit()}

    def line(self, fields: dict[str, Any]) -> None:
        out = {"scenario": fields.pop("scenario"), **self.common, **fields}
        self.write(json.dumps(out, ensure_ascii=False, default=str))


class Runner:
    def __init__(self, dataset: Dataset, emit: Emitter, *, repeat: int, only: str = "") -> None:
        self.ds = dataset
        self.emit = emit
        self.repeat = repeat
        self.only = only
        self.clients: dict[int, Client] = {}

    # --- measuring -------------------------------------------------------------------------------

    def wanted(self, name: str) -> bool:
        return not self.only or any(part in name for part in self.only.split(",") if part)

    def client(self, user: User) -> Client:
        if user.pk not in self.clients:
            self.clients[user.pk] = logged_in(user)
        return self.clients[user.pk]

    def timed(
        self, name: str, call: Callable[[int], Any], *, repeat: int | None = None, **fields: Any
    ) -> list[float]:
        """Run ``call(i)`` once to count its queries (untimed), then ``repeat`` times timed.

        Between the two, the garbage collector is emptied and what is alive frozen, as the server
        does once it has loaded (``zhenwu/wsgi.py``). Otherwise a full collection walks everything
        this process holds (the dataset's objects, the earlier scenarios' leftovers: ~115 ms) and
        its pause lands on whichever timed run triggers it, one in ~15, as the scenario's p95.
        """
        with QueryCounter() as counter:
            first = call(0)
        _freeze()
        samples = []
        for i in range(1, (repeat or self.repeat) + 1):
            t0 = time.perf_counter()
            call(i)
            samples.append((time.perf_counter() - t0) * 1000)
        extra = _describe(first)
        self.emit.line({"scenario": name, **summary_ms(samples), "queries": counter.count, **extra, **fields})
        return samples

    def get(self, name: str, user: User, url: str, *, kind: str = "page") -> None:
        if not self.wanted(name):
            return
        client = self.client(user)

        def call(_i: int) -> Any:
            response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"{name}: GET {url} answered {response.status_code}")
            return response

        self.timed(name, call, kind=kind, url=url, user=user.username)

    def compare(
        self,
        name: str,
        ours: Callable[[], list[int]],
        hand: Callable[[], list[int]],
        **fields: Any,
    ) -> None:
        """zhenwu's data path against hand-written SQL, interleaved; both must find the same rows."""
        if not self.wanted(name):
            return
        a, b = ours(), hand()
        if a != b:
            raise RuntimeError(f"{name}: zhenwu found {a[:5]}… ({len(a)}), the SQL {b[:5]}… ({len(b)})")
        _freeze()
        ours_ms, hand_ms = [], []
        for _ in range(self.repeat):
            t0 = time.perf_counter()
            ours()
            t1 = time.perf_counter()
            hand()
            t2 = time.perf_counter()
            ours_ms.append((t1 - t0) * 1000)
            hand_ms.append((t2 - t1) * 1000)
        z, h = summary_ms(ours_ms), summary_ms(hand_ms)
        self.emit.line(
            {
                "scenario": name,
                "kind": "baseline",
                "rows": len(a),
                "zhenwu_p50_ms": z["p50_ms"],
                "zhenwu_p95_ms": z["p95_ms"],
                "sql_p50_ms": h["p50_ms"],
                "sql_p95_ms": h["p95_ms"],
                "ratio": round(z["p50_ms"] / h["p50_ms"], 2) if h["p50_ms"] else None,
                **fields,
            }
        )

    # --- the scenarios ---------------------------------------------------------------------------

    def run_all(self, *, probes: bool, probe: Callable[..., dict[str, Any]]) -> None:
        """Every scenario; ``probe(*arguments)`` runs ``manage.py bench ARGUMENTS`` in a fresh
        process for the measurements that need one (``probes=False`` skips them)."""
        try:
            with override_settings(**BENCH_SETTINGS):
                self.pages()
                if probes and self.wanted("collector"):
                    self.emit.line(
                        {
                            "scenario": "full collection in a warmed-up worker (gc.collect)",
                            "kind": "collector",
                        }
                        | probe("--collector-probe", self.ds.office.username, *self.probe_urls())
                    )
                self.writes()
                self.baselines()
                self.sweep()
                if self.ds.schedule is not None:
                    self.reports()
                if self.ds.scale.roster_days:
                    self.rosters()
                # The export is measured on 10^5 rows (the target's size), not on a province's 10^6.
                if probes and self.wanted("export") and self.ds.scale.petitions <= EXPORT_MAX_ROWS:
                    self.emit.line(
                        {"scenario": "export .xlsx (every matter the administrator sees)", "kind": "export"}
                        | probe("--export-probe", self.ds.admin.username)
                    )
        finally:
            gc.unfreeze()  # what ``timed`` froze is the process's to collect again

    def detail_pk(self) -> int | None:
        return (
            Petition.objects.filter(unit=self.ds.townships[0], status=Status.HANDLING)
            .order_by("-pk")
            .values_list("pk", flat=True)
            .first()
        )

    def probe_urls(self) -> list[str]:
        """What the township office's worker serves before the collector probe: its main pages."""
        return [
            "/",
            "/petitions/?status=handling",
            "/petitions/?q=工资",
            f"/petitions/{self.detail_pk()}/",
            "/api/petitions?status=handling",
            "/duty/",
        ]

    def pages(self) -> None:
        ds = self.ds
        office, county, admin = ds.office, ds.duty_office, ds.admin
        town_count = Petition.objects.filter(unit=ds.townships[0]).count()
        county_count = Petition.objects.filter(unit__parent=ds.county).count()
        detail = self.detail_pk()
        self.get("home dashboard (township office)", office, "/")
        self.get("home dashboard (county office)", county, "/")
        self.get("home dashboard (township leader)", ds.leaders[0], "/")
        self.get("ledger page 1, status filter (township office)", office, "/petitions/?status=handling")
        self.get("ledger page 1, status filter (county office)", county, "/petitions/?status=handling")
        self.get("ledger page 1 (administrator, every matter)", admin, "/petitions/")
        self.get("ledger page 1 (township office)", office, "/petitions/")
        category = Category.objects.filter(parent=None).order_by("pk").values_list("pk", flat=True).first()
        by_category = f"/petitions/?category={category}"
        self.get("ledger page 1, category filter (township office)", office, by_category)
        self.get("ledger page 1, channel filter (township office)", office, "/petitions/?channel=visit")
        self.get("ledger page 1 by deadline (township office)", office, "/petitions/?sort=due_on")
        self.get("ledger page 1 by deadline (county office)", county, "/petitions/?sort=due_on")
        deep_town = max(1, town_count // 50 * 3 // 4)
        deep_county = max(1, county_count // 50 * 3 // 4)
        self.get(f"ledger deep page {deep_town} (township office)", office, f"/petitions/?page={deep_town}")
        self.get(f"ledger deep page {deep_county} (county office)", county, f"/petitions/?page={deep_county}")
        for word in ("工资", "土地", "拖欠工资", "宅基地"):
            self.get(f"search {word} (township office)", office, f"/petitions/?q={word}", kind="search")
            self.get(f"search {word} (county office)", county, f"/petitions/?q={word}", kind="search")
        self.get("search 土地 (administrator, every matter)", admin, "/petitions/?q=土地", kind="search")
        self.get(
            "search 工资 + status filter (county office)",
            county,
            "/petitions/?q=工资&status=handling",
            kind="search",
        )
        self.get("petition detail (township office)", office, f"/petitions/{detail}/")
        self.get(
            "API list, status filter (township office)", office, "/api/petitions?status=handling", kind="api"
        )
        self.get("API search 工资 (county office)", county, "/api/petitions?q=工资", kind="search")
        self.get("API detail (township office)", office, f"/api/petitions/{detail}", kind="api")
        self.get("reports: what to report now (village reporter)", ds.reporters[0], "/reports/")
        self.get("duty desk (township leader)", ds.leaders[0], "/duty/")
        self.get("duty desk (county office, every unit)", county, "/duty/")

    def writes(self) -> None:
        ds = self.ds
        office = ds.office
        client = self.client(office)
        if self.wanted("intake POST"):
            before = Petition.objects.count()

            def intake(i: int) -> Any:
                response = client.post(
                    "/petitions/new/",
                    {
                        "channel": "visit",
                        "received_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
                        "summary": f"反映村道破损问题（基准{i}）",
                        "content": "村口道路雨后积水严重，影响出行，请求尽快修缮排水沟。" * 3,
                        "place": ds.villages[0].name,
                        "petitioners-TOTAL_FORMS": "1",
                        "petitioners-INITIAL_FORMS": "0",
                        "petitioners-MIN_NUM_FORMS": "1",
                        "petitioners-MAX_NUM_FORMS": "200",
                        "petitioners-0-name": "基准来访人",
                        "petitioners-0-phone": f"1390000{i:04d}",
                        "petitioners-0-address": "河东村3组",
                    },
                )
                if response.status_code != 302:
                    raise RuntimeError(f"intake POST answered {response.status_code}")
                return response

            self.timed("intake POST (register a visit, township office)", intake, kind="page")
            if Petition.objects.count() != before + self.repeat + 1:
                raise RuntimeError("the intake POSTs did not all register a matter")
        if self.wanted("transition POST"):
            registered = list(
                Petition.objects.filter(unit=ds.townships[0], status=Status.REGISTERED)
                .order_by("-pk")
                .values_list("pk", flat=True)[: self.repeat + 1]
            )
            if len(registered) < self.repeat + 1:
                self.emit.line({"scenario": "transition POST", "skipped": "too few registered matters"})
                return

            def accept(i: int) -> Any:
                response = client.post(f"/petitions/{registered[i]}/accept/", {"note": "符合受理条件"})
                if response.status_code != 302:
                    raise RuntimeError(f"accept POST answered {response.status_code}")
                return response

            self.timed("transition POST (accept, township office)", accept, kind="page")
            accepted = Petition.objects.filter(pk__in=registered, status=Status.ACCEPTED).count()
            if accepted != len(registered):
                raise RuntimeError(f"only {accepted} of {len(registered)} matters were accepted")

    # --- baselines -------------------------------------------------------------------------------

    def baselines(self) -> None:
        ds = self.ds
        for label, user in (("township office", ds.office), ("county office", ds.duty_office)):
            self.compare(
                f"baseline: ledger page 1, status filter ({label})",
                _bind(_ledger_page, user, {"status": Status.HANDLING}),
                _bind(_sql_ledger_page, user, status=Status.HANDLING),
            )
            for word in ("工资", "拖欠工资"):
                self.compare(
                    f"baseline: search {word} ({label})",
                    _bind(_ledger_page, user, {"q": word}),
                    _bind(_sql_ledger_page, user, q=word),
                )
        self.compare(
            "baseline: search 土地 (administrator, every matter)",
            lambda: _ledger_page(ds.admin, {"q": "土地"}),
            lambda: _sql_ledger_page(ds.admin, q="土地", everything=True),
        )

    def sweep(self) -> None:
        if not self.wanted("sweep"):
            return
        today = timezone.localdate()
        total = Petition.objects.count()
        runs = max(3, min(self.repeat, 5))
        samples, warnings = [], 0
        for _ in range(runs):
            # Every run from the same state: the warnings it records are rolled back.
            with transaction.atomic():
                t0 = time.perf_counter()
                warnings = petition_warn_due(today=today)
                samples.append((time.perf_counter() - t0) * 1000)
                transaction.set_rollback(True)
        self.emit.line(
            {
                "scenario": "overdue sweep over all matters (petition_warn_due)",
                "kind": "sweep",
                "matters": total,
                "warnings_recorded": warnings,
                **summary_ms(samples),
            }
        )
        horizon = today + datetime.timedelta(days=3)

        def ours() -> list[int]:
            # The sweep itself, rolled back: how many warnings it records.
            with transaction.atomic():
                recorded = petition_warn_due(today=today)
                transaction.set_rollback(True)
            return [recorded]

        def hand() -> list[int]:
            # Only finding the same matters, without writing anything: the floor for the sweep.
            marks = ",".join(["%s"] * len(STAFF_STAGES))
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT count(*) FROM petitions_petition WHERE stage IN ({marks}) "  # noqa: S608 -- placeholders only
                    "AND due_on IS NOT NULL AND due_on <= %s",
                    [*STAFF_STAGES, horizon],
                )
                row = cursor.fetchone()
            return [int(row[0]) if row else 0]

        self.compare(
            "baseline: overdue sweep (recording the warnings) against finding the matters due",
            ours,
            hand,
            matters=total,
        )

    # --- reports and duty ------------------------------------------------------------------------

    def reports(self) -> None:
        ds = self.ds
        today = timezone.localdate()
        first = today - datetime.timedelta(days=29)
        grid = f"/reports/schedules/{ds.schedule.pk}/grid/"
        units = len(ds.villages)
        self.get(
            f"reports grid: {units} units x 60 deadlines (30 days, county office)",
            ds.duty_office,
            f"{grid}?first={first.isoformat()}&last={today.isoformat()}",
        )
        self.get(f"reports grid: default view (county office, {units} units)", ds.duty_office, grid)
        yesterday = (today - datetime.timedelta(days=1)).isoformat()
        summary = f"/reports/schedules/{ds.schedule.pk}/summary/?day={yesterday}"
        self.get(f"reports summary of one day (county office, {units} units)", ds.duty_office, summary)
        if self.wanted("reminder"):
            from zhenwu.reports.services import report_reminders_send

            with transaction.atomic():
                t0 = time.perf_counter()
                counts = report_reminders_send(now=timezone.now())
                seconds = time.perf_counter() - t0
                transaction.set_rollback(True)
            self.emit.line(
                {"scenario": "report reminder sweep", "kind": "batch", "seconds": round(seconds, 2), **counts}
            )

    def rosters(self) -> None:
        if not self.wanted("roster"):
            return
        from zhenwu.duty.models import Roster
        from zhenwu.duty.services import roster_generate

        ds = self.ds
        rosters = list(
            Roster.objects.filter(unit__path__startswith=ds.county.path).select_related("unit").order_by("pk")
        )
        planned_at = roster_planning_moment()
        per_roster, assigned, unfilled, queries = [], 0, 0, 0
        with transaction.atomic(), QueryCounter() as counter:
            t0 = time.perf_counter()
            for roster in rosters:
                t1 = time.perf_counter()
                result = roster_generate(actor=ds.duty_office, roster=roster, now=planned_at)
                per_roster.append((time.perf_counter() - t1) * 1000)
                assigned += result.assigned
                unfilled += len(result.unfilled)
            seconds = time.perf_counter() - t0
            queries = counter.count
            transaction.set_rollback(True)
        self.emit.line(
            {
                "scenario": f"roster generation: {ds.scale.roster_days} days for {len(rosters)} units",
                "kind": "batch",
                "seconds": round(seconds, 2),
                "per_roster": summary_ms(per_roster),
                "queries_per_roster": round(queries / max(len(rosters), 1), 1),
                "assigned": assigned,
                "unfilled": unfilled,
            }
        )


def _bind(fn: Callable[..., list[int]], *args: Any, **kwargs: Any) -> Callable[[], list[int]]:
    return lambda: fn(*args, **kwargs)


def _freeze() -> None:
    """Empty the garbage collector and freeze what is alive (``Runner.timed``)."""
    gc.collect()
    gc.freeze()


def _describe(result: Any) -> dict[str, Any]:
    content = getattr(result, "content", None)
    return {"bytes": len(content)} if isinstance(content, bytes) else {}


# --- the data paths compared with hand-written SQL -----------------------------------------------


def _ledger_page(user: User, params: dict[str, str]) -> list[int]:
    """What the ledger view reads from the database for page 1: the count and the page's rows."""

    def rows(queryset: Any) -> Any:
        return ledger_rows(queryset).annotate(first_time=F("is_first_time"))

    # As the view pages it: the count first, then a search's page by its number of matches.
    paged = ledger_pages(user, LedgerFilterForm(params, user=user).ledger_filters(), rows=rows)
    count = paged.count()
    page = list(paged.rows(count)[:50])
    return [count, *(p.pk for p in page)]


def _sql_ledger_page(user: User, *, status: str = "", q: str = "", everything: bool = False) -> list[int]:
    """The same page as hand-written SQL: the count, the 50 rows with their units, category and people."""
    where: list[str] = []
    params: list[Any] = []
    if not everything:
        home: Unit = user.unit  # type: ignore[assignment]
        subtree = "SELECT id FROM core_unit WHERE path >= %s AND path < %s"
        where.append(f"(p.unit_id IN ({subtree}) OR p.handling_unit_id IN ({subtree}))")
        params += [home.path, path_upper_bound(home.path)] * 2
        ancestors = [*home.ancestor_paths(), home.path]
        marks = ",".join(["%s"] * len(ancestors))
        accusing = f"SELECT id FROM core_unit WHERE path IN ({marks})"  # noqa: S608 -- placeholders only
        where.append(f"(p.accused_unit_id IS NULL OR p.accused_unit_id NOT IN ({accusing}))")
        params += ancestors
    where.append("(p.accused_user_id IS NULL OR p.accused_user_id <> %s)")
    params.append(user.pk)
    where.append(
        "NOT EXISTS (SELECT 1 FROM petitions_recusal r WHERE r.petition_id = p.id AND r.user_id = %s)"
    )
    params.append(user.pk)
    if status:
        where.append("p.status = %s")
        params.append(status)
    if q:
        tokens = search_query_tokens(q)
        if connection.vendor == "sqlite":
            where.append("p.id IN (SELECT rowid FROM petitions_search WHERE petitions_search MATCH %s)")
            params.append(" AND ".join(f'"{t}"' for t in tokens))
        else:
            where.append("p.search_vector @@ to_tsquery('simple', %s)")
            params.append(" & ".join(tokens))
    condition = " AND ".join(where)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM petitions_petition p WHERE {condition}", params)  # noqa: S608
        count = cursor.fetchone()[0]
        cursor.execute(
            "SELECT p.id, p.number, p.summary, p.status, p.stage, p.due_on, p.received_at, p.channel, "  # noqa: S608
            "p.is_first_time, u.name, h.name, c.name FROM petitions_petition p "
            "JOIN core_unit u ON u.id = p.unit_id LEFT JOIN core_unit h ON h.id = p.handling_unit_id "
            "LEFT JOIN petitions_category c ON c.id = p.category_id "
            f"WHERE {condition} ORDER BY p.received_at DESC, p.id DESC LIMIT 50",
            params,
        )
        ids = [row[0] for row in cursor.fetchall()]
        if ids:
            marks = ",".join(["%s"] * len(ids))
            cursor.execute(
                "SELECT pp.petition_id, pr.name, pr.phone FROM petitions_petitionparty pp "  # noqa: S608
                f"JOIN petitions_petitioner pr ON pr.id = pp.petitioner_id WHERE pp.petition_id IN ({marks})",
                ids,
            )
            cursor.fetchall()
    return [count, *ids]


# --- the export, in a process of its own ----------------------------------------------------------


def collector_probe(username: str, urls: Sequence[str]) -> dict[str, Any]:
    """A full collection's pause in a worker that has served ``urls`` (each three times), with the
    startup objects frozen as ``zhenwu/wsgi.py`` freezes them, and again with nothing frozen.

    Runs in a fresh ``manage.py bench --collector-probe`` process, so what is alive is a worker's
    (Django, the apps, the pages' templates), not the benchmark's dataset.
    """
    from zhenwu.wsgi import freeze_loaded_objects

    freeze_loaded_objects()
    user = User.objects.get(username=username)
    with override_settings(**BENCH_SETTINGS):
        client = logged_in(user)
        for url in urls:
            for _ in range(3):
                response = client.get(url)
                if response.status_code != 200:
                    raise RuntimeError(f"collector probe: GET {url} answered {response.status_code}")

    def pauses() -> list[float]:
        samples = []
        for _ in range(5):
            t0 = time.perf_counter()
            gc.collect()
            samples.append((time.perf_counter() - t0) * 1000)
        return samples

    frozen, walked = gc.get_freeze_count(), len(gc.get_objects())
    with_freeze = pauses()
    gc.unfreeze()
    without = pauses()
    return {
        "frozen_objects": frozen,
        "objects_walked": walked,
        "p50_ms": round(statistics.median(with_freeze), 2),
        "unfrozen_p50_ms": round(statistics.median(without), 2),
        "objects_walked_unfrozen": len(gc.get_objects()),
    }


def export_probe(username: str) -> dict[str, Any]:
    """Export every matter ``username`` sees as .xlsx through the real view; time and peak memory.

    Runs in a fresh ``manage.py bench --export-probe`` process, so ``ru_maxrss`` (the peak resident
    memory of the process) is the export's, on top of a started Django.
    """
    user = User.objects.get(username=username)
    with override_settings(**BENCH_SETTINGS):
        client = logged_in(user)
        client.get("/")  # warm: templates, translations, the first queries
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rows = Petition.objects.count()
        t0 = time.perf_counter()
        response = client.get("/petitions/export/")
        if response.status_code != 200:
            raise RuntimeError(f"export answered {response.status_code}")
        size = 0
        for chunk in response.streaming_content:  # type: ignore[attr-defined]
            size += len(chunk)
        seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "bytes": size,
        "peak_rss_mb": round(peak, 1),
        "rss_before_export_mb": round(rss_before, 1),
    }
