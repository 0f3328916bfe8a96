"""A real zhenwu instance for tests: gunicorn as ``make run`` starts it, the task worker, the scheduler.

``LiveInstance`` owns a temporary var dir (``ZHENWU_VAR_DIR``: SQLite database, secret key, files,
logs) and a free loopback port. It seeds data through the services (``live_seed``), starts the
processes each in its own process group, waits for ``/readyz``, and stops them cleanly (SIGTERM) or
kills them (SIGKILL to every process of every group at once, like a power cut of the processes);
``start`` again reuses the same var dir. Processes' stdout and stderr go to ``logs/`` in the var
dir; ``output()`` returns all of it for assertions ("database is locked", tracebacks).

``migrate`` costs tens of seconds on a busy machine, so the first instance migrates a template
database that later ones copy (keyed by the migrations' content; a lock keeps parallel runs apart);
the seed still runs ``migrate`` (then a no-op) in the instance, as ``make run`` does.

Also here: ``SubmissionLoad`` (clients that submit petitions and reports through the API and record
what was acknowledged), ``WebhookRecorder`` (a local chat-robot endpoint that records every POST and
its Idempotency-Key) and ``read_database`` (what the SQLite file holds, read without Django).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import zhenwu

REPO = Path(__file__).resolve().parents[3]
MANAGE = REPO / "manage.py"
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(
    condition: Callable[[], bool], *, timeout: float, interval: float = 0.05, what: str = ""
) -> None:
    """Poll ``condition`` until it holds; AssertionError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}")
        time.sleep(interval)


def _migrations_hash() -> str:
    digest = hashlib.sha256()
    root = Path(zhenwu.__file__).resolve().parent
    for path in sorted(root.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    for path in sorted((REPO / "requirements").glob("*.txt")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _static_key() -> str:
    digest = hashlib.sha256()
    root = Path(zhenwu.__file__).resolve().parent
    for path in sorted(root.glob("**/static/**/*")):
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    for path in sorted((REPO / "requirements").glob("*.txt")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


class LiveInstance:
    """One instance on one var dir; ``start``/``stop``/``kill`` as often as a test needs."""

    def __init__(
        self, var_dir: Path, *, settings: str = "zhenwu.settings", env: dict[str, str] | None = None
    ):
        self.var_dir = var_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.logs = var_dir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.generation = 0
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.env = {
            k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
        }
        self.env.update(
            {
                "ZHENWU_VAR_DIR": str(var_dir),
                "DJANGO_SETTINGS_MODULE": settings,
                "DJANGO_DEBUG": "0",
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
                "no_proxy": "127.0.0.1,localhost",
                "NO_PROXY": "127.0.0.1,localhost",
                "PYTHONUNBUFFERED": "1",
                **(env or {}),
            }
        )

    @property
    def database(self) -> Path:
        return self.var_dir / "db.sqlite3"

    # --- commands -----------------------------------------------------------------------------

    def manage(self, *args: str, timeout: float = 300) -> str:
        result = subprocess.run(  # noqa: S603 -- our own manage.py with fixed arguments
            [sys.executable, str(MANAGE), *args],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise AssertionError(f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def prepare_database(self) -> None:
        """Copy the migrated template database (migrating it first if no run has yet)."""
        template = Path(tempfile.gettempdir()) / f"zhenwu-live-template-{_migrations_hash()}.sqlite3"
        with open(f"{template}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not template.exists():
                builder = LiveInstance(Path(tempfile.mkdtemp(prefix="zhenwu-live-template-")))
                builder.manage("migrate", "--noinput", "--verbosity", "0")
                source = sqlite3.connect(builder.database)
                partial = template.with_suffix(".partial")
                target = sqlite3.connect(partial)
                source.backup(target)  # one self-contained file, WAL folded in
                source.close()
                target.close()
                partial.rename(template)
                shutil.rmtree(builder.var_dir, ignore_errors=True)
        shutil.copyfile(template, self.database)

    def collect_static(self) -> None:
        """The instance's ``collectstatic`` (hashed, compressed files: seconds), cached between runs.

        Idempotent: a var dir that already holds the collected files (their manifest) is left as is.
        """
        cache = Path(tempfile.gettempdir()) / f"zhenwu-live-static-{_static_key()}"
        target = self.var_dir / "static"
        if (target / "staticfiles.json").exists():
            return
        with open(f"{cache}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not cache.exists():
                self.manage("collectstatic", "--noinput", "--verbosity", "0")
                partial = cache.with_name(cache.name + ".partial")
                shutil.rmtree(partial, ignore_errors=True)
                shutil.copytree(target, partial)
                partial.rename(cache)
                return
        try:  # hard links: instant, and the files are only read
            shutil.copytree(cache, target, copy_function=os.link, dirs_exist_ok=True)
        except OSError:
            shutil.copytree(cache, target, dirs_exist_ok=True)

    def seed(self, **options: Any) -> dict[str, Any]:
        """Run ``live_seed.main`` inside the instance; return what it wrote."""
        out = self.var_dir / "seed.json"
        call = f"from zhenwu.testing.live_seed import main; main({str(out)!r}, **{options!r})"
        self.manage("shell", "--no-imports", "-c", call)
        data: dict[str, Any] = json.loads(out.read_text())
        return data

    # --- processes ----------------------------------------------------------------------------

    def _spawn(self, name: str, args: list[str]) -> None:
        log = open(self.logs / f"{name}-{self.generation}.log", "wb")  # noqa: SIM115 -- lives with the process
        self.processes[name] = subprocess.Popen(  # noqa: S603 -- fixed arguments
            args, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()  # the child has its own descriptor

    def start(self, *, scheduler: bool = True, scheduler_interval: str = "15", timeout: float = 120) -> None:
        """gunicorn exactly as scripts/run.sh starts it, ``db_worker --interval 1`` and the scheduler."""
        self.generation += 1
        self._spawn(
            "web",
            [
                str(BIN / "gunicorn"),
                "zhenwu.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--worker-class",
                "gthread",
                "--workers",
                "2",
                "--threads",
                "4",
                "--timeout",
                "60",
                "--graceful-timeout",
                "10",
                "--access-logfile",
                "-",
            ],
        )
        # The worker and scheduler start once the site answers (as in ``make run`` they start beside
        # it): a test's load then overlaps their start-up and their first deliveries.
        self.wait_ready(timeout=timeout)
        self._spawn("worker", [sys.executable, str(MANAGE), "db_worker", "--interval", "1"])
        if scheduler:
            self._spawn(
                "scheduler", [sys.executable, str(MANAGE), "run_scheduler", "--interval", scheduler_interval]
            )

    def _ready(self) -> bool:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise AssertionError(f"{name} exited with {process.returncode}:\n{self.output()[-3000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            connection.request("GET", "/readyz")
            ok = connection.getresponse().status == 200
            connection.close()
        except OSError:
            return False
        # Both gunicorn workers must have loaded the app, or the first requests wait for the second.
        return ok and self.output().count("Booting worker") >= 2 * self.generation

    def wait_ready(self, *, timeout: float) -> None:
        wait_for(self._ready, timeout=timeout, interval=0.2, what="/readyz")

    def _signal_all(self, signum: int) -> None:
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signum)

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM (what Ctrl-C in ``make run`` sends), then wait; SIGKILL whatever is left."""
        self._signal_all(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in self.processes.values():
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                self._signal_all(signal.SIGKILL)
                process.wait()
        self.processes.clear()

    def kill(self) -> None:
        """SIGKILL every process of every group (gunicorn master and workers, worker, scheduler)."""
        self._signal_all(signal.SIGKILL)
        for process in self.processes.values():
            process.wait()
        self.processes.clear()

    def output(self) -> str:
        return "\n".join(path.read_text(errors="replace") for path in sorted(self.logs.glob("*.log")))

    def close(self) -> None:
        self.kill()


@contextlib.contextmanager
def live_instance(var_dir: Path, **kwargs: Any) -> Iterator[LiveInstance]:
    instance = LiveInstance(var_dir, **kwargs)
    try:
        yield instance
    finally:
        instance.close()


# --- load ---------------------------------------------------------------------------------------


@dataclass
class Ack:
    """One acknowledged submission and what was sent."""

    kind: str  # "petition" or "report"
    id: int
    number: str = ""
    sent: dict[str, Any] = field(default_factory=dict)


@dataclass
class LoadResult:
    acks: list[Ack] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)  # non-2xx bodies and connection errors
    requests: int = 0
    seconds: float = 0.0

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


class SubmissionLoad:
    """Office clients register petitions; village clients submit their own village's slots.

    Every client has its own token and keep-alive connection; village clients never share a slot,
    so no submission conflicts by design. ``run`` stops at ``duration`` or when ``stop`` is set.
    """

    def __init__(
        self, instance: LiveInstance, seed: dict[str, Any], *, office_clients: int, village_clients: int
    ):
        self.instance = instance
        self.office_tokens = [
            seed["office_tokens"][i % len(seed["office_tokens"])] for i in range(office_clients)
        ]
        self.reporters = seed["reporters"][:village_clients]
        assert len(self.reporters) == village_clients, "seed more villages"
        self.result = LoadResult()
        self.stop = threading.Event()
        self._lock = threading.Lock()

    def _record(self, status: int | None, failure: str = "", ack: Ack | None = None) -> None:
        with self._lock:
            self.result.requests += 1
            if status is not None:
                self.result.statuses[status] = self.result.statuses.get(status, 0) + 1
            if failure:
                self.result.failures.append(failure)
            if ack is not None:
                self.result.acks.append(ack)

    def _post(
        self, conn: http.client.HTTPConnection, token: str, path: str, payload: dict[str, Any]
    ) -> tuple[int, Any]:
        body = json.dumps(payload, ensure_ascii=False).encode()
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        try:
            return response.status, json.loads(data)
        except ValueError:
            return response.status, data.decode(errors="replace")[:300]

    def _client(
        self,
        name: str,
        token: str,
        make: Callable[[int], tuple[str, str, dict[str, Any]] | None],
        deadline: float,
    ) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.instance.port, timeout=60)
        seq = 0
        while not self.stop.is_set() and time.monotonic() < deadline:
            job = make(seq)
            if job is None:
                return
            kind, path, payload = job
            seq += 1
            try:
                status, data = self._post(conn, token, path, payload)
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.instance.port, timeout=60)
                self._record(None, f"{name}: {type(exc).__name__}: {exc}")
                if self.stop.is_set():
                    return
                continue
            if 200 <= status < 300:
                ack = Ack(kind=kind, id=int(data["id"]), number=data.get("number", ""), sent=payload)
                if kind == "report":
                    ack.sent = {**payload, "slot": int(path.split("/")[-2])}
                self._record(status, ack=ack)
            else:
                self._record(status, f"{name}: {path} -> {status} {data}")
        conn.close()

    def run(self, duration: float) -> LoadResult:
        threads = []
        deadline = time.monotonic() + duration

        def petition_job(client: int) -> Callable[[int], tuple[str, str, dict[str, Any]]]:
            def make(seq: int) -> tuple[str, str, dict[str, Any]]:
                tag = f"P{client:02d}-{seq:05d}"
                return (
                    "petition",
                    "/api/petitions",
                    {
                        "channel": ("visit", "letter", "phone")[seq % 3],
                        "petitioners": [
                            {
                                "name": f"李{tag}",
                                "phone": f"139{client:02d}{seq:06d}",
                                "address": "河坝镇东街 8 号",
                            }
                        ],
                        "summary": f"反映道路积水问题 {tag}",
                        "content": f"{tag}：村口道路雨后积水严重，影响出行，请求尽快修缮排水沟。" * 3,
                        "place": "河东村村口",
                    },
                )

            return make

        def report_job(
            client: int, slots: list[int]
        ) -> Callable[[int], tuple[str, str, dict[str, Any]] | None]:
            def make(seq: int) -> tuple[str, str, dict[str, Any]] | None:
                if seq >= len(slots):
                    return None
                zero = seq % 5 == 4  # one in five: nothing to report (零报告)
                values = (
                    {} if zero else {"checks": seq % 7 + 1, "remark": f"R{client:02d}-{seq:05d} 巡查正常"}
                )
                return (
                    "report",
                    f"/api/reports/slots/{slots[seq]}/submission",
                    {"values": values, "is_zero": zero},
                )

            return make

        for i, token in enumerate(self.office_tokens):
            threads.append(
                threading.Thread(target=self._client, args=(f"office{i}", token, petition_job(i), deadline))
            )
        for i, reporter in enumerate(self.reporters):
            job = report_job(i, reporter["slots"])
            threads.append(
                threading.Thread(target=self._client, args=(f"village{i}", reporter["token"], job, deadline))
            )
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.result.seconds = time.monotonic() - started
        return self.result

    def run_in_background(self, duration: float) -> threading.Thread:
        thread = threading.Thread(target=self.run, args=(duration,), daemon=True)
        thread.start()
        return thread


# --- what the database holds --------------------------------------------------------------------


@dataclass
class Stored:
    petitions: dict[int, dict[str, Any]]
    petition_numbers: list[str]
    petitioner_names: dict[int, list[str]]
    submissions: dict[int, dict[str, Any]]
    current_per_slot: dict[int, int]
    outbox: dict[int, str]  # message id -> status
    integrity: str


def read_database(path: Path) -> Stored:
    """Read the instance's SQLite file directly (read-only), after its processes have stopped."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        petitions = {
            row[0]: {"number": row[1], "summary": row[2], "content": row[3], "place": row[4]}
            for row in db.execute("SELECT id, number, summary, content, place FROM petitions_petition")
        }
        numbers = [row[0] for row in db.execute("SELECT number FROM petitions_petition")]
        names: dict[int, list[str]] = {}
        for petition_id, name in db.execute(
            "SELECT pp.petition_id, p.name FROM petitions_petitionparty pp "
            "JOIN petitions_petitioner p ON p.id = pp.petitioner_id"
        ):
            names.setdefault(petition_id, []).append(name)
        submissions = {
            row[0]: {
                "slot": row[1],
                "values": json.loads(row[2]),
                "is_zero": bool(row[3]),
                "is_current": bool(row[4]),
            }
            for row in db.execute(
                'SELECT id, slot_id, "values", is_zero, is_current FROM reports_reportsubmission'
            )
        }
        current: dict[int, int] = {}
        for sub in submissions.values():
            if sub["is_current"]:
                current[sub["slot"]] = current.get(sub["slot"], 0) + 1
        outbox = dict(db.execute("SELECT id, status FROM core_outboxmessage"))
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()
    return Stored(petitions, numbers, names, submissions, current, outbox, integrity)


def check_acks(acks: list[Ack], stored: Stored) -> list[str]:
    """Every acknowledged submission is stored exactly once with what was sent; returns the problems."""
    problems = []
    counts: dict[str, int] = {}
    for number in stored.petition_numbers:
        counts[number] = counts.get(number, 0) + 1
    problems += [f"petition number {n} stored {c} times" for n, c in counts.items() if c > 1]
    for ack in acks:
        if ack.kind == "petition":
            row = stored.petitions.get(ack.id)
            if row is None:
                problems.append(f"petition {ack.id} {ack.number} acknowledged but missing")
            elif (row["number"], row["summary"], row["content"], row["place"]) != (
                ack.number,
                ack.sent["summary"],
                ack.sent["content"],
                ack.sent["place"],
            ) or stored.petitioner_names.get(ack.id) != [ack.sent["petitioners"][0]["name"]]:
                problems.append(f"petition {ack.id} {ack.number} stored differently: {row}")
        else:
            sub = stored.submissions.get(ack.id)
            if sub is None:
                problems.append(f"report submission {ack.id} acknowledged but missing")
            elif (sub["slot"], sub["values"], sub["is_zero"]) != (
                ack.sent["slot"],
                ack.sent["values"],
                ack.sent["is_zero"],
            ):
                problems.append(f"report submission {ack.id} stored differently: {sub} vs {ack.sent}")
            elif stored.current_per_slot.get(sub["slot"]) != 1:
                problems.append(
                    f"slot {sub['slot']} has {stored.current_per_slot.get(sub['slot'])} current reports"
                )
    return problems


# --- a chat-robot webhook that records every POST ----------------------------------------------


@dataclass
class Delivery:
    key: str
    body: dict[str, Any]
    at: float


class WebhookRecorder:
    """Answers errcode 0 to every POST and records it with its Idempotency-Key.

    ``delay`` seconds pass before each answer (a slow robot keeps messages pending for a while).
    ``freeze_next()`` makes the next request hang after it was recorded (the robot has the message,
    the sender has no answer yet), so a test can kill the sender exactly inside a send.
    """

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.deliveries: list[Delivery] = []
        self.lock = threading.Lock()
        self.frozen = threading.Event()  # set when a request is held
        self.release = threading.Event()
        self._freeze = False
        self.frozen_key = ""
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 -- http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with recorder.lock:
                    recorder.deliveries.append(
                        Delivery(self.headers.get("Idempotency-Key", ""), body, time.monotonic())
                    )
                    freeze, recorder._freeze = recorder._freeze, False
                    if freeze:
                        recorder.frozen_key = self.headers.get("Idempotency-Key", "")
                if freeze:
                    recorder.frozen.set()
                    recorder.release.wait(timeout=120)
                elif recorder.delay:
                    time.sleep(recorder.delay)
                reply = b'{"errcode": 0, "errmsg": "ok"}'
                with contextlib.suppress(OSError):  # the sender may have been killed meanwhile
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 -- fixed signature
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/cgi-bin/webhook/send?key=live-test"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def freeze_next(self) -> None:
        with self.lock:
            self._freeze = True

    @staticmethod
    def message_id(key: str) -> int:
        """The outbox id in a key ``zhenwu-outbox-<id>-<created>`` (channels.message_key)."""
        return int(key.split("-")[2])

    def keys(self) -> list[str]:
        with self.lock:
            return [d.key for d in self.deliveries]

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
