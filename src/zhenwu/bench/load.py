"""The benchmark's HTTP load run: many clients against the real server, as ``make run`` starts it.

``run_load`` prepares in this process's database (the benchmark's, through the services) what the
clients hold: a signed-in session per browser client, made the way a login makes it (with the
django-otp device recorded for the roles that need a second factor) and API tokens. It starts gunicorn
exactly as ``make run`` does (``LiveInstance``: gthread, 2 workers x 4 threads, production settings;
only its access log's format differs, through ``GUNICORN_CMD_ARGS``, to record each request's time
in the server beside the time the client waited),
checks that every kind of request of the mix answers as expected once, then lets ``clients`` threads
each send request after request on a keep-alive connection to 127.0.0.1 for ``seconds`` (a closed
loop: a client sends its next request when it has read the answer to the previous one; by default
with no pause, so the figures are those of a saturated server; ``think`` adds a person's pauses).

The mix is what the staff of a county do in a working hour: office staff (by browser) open the
dashboard, the ledger with a filter, a search, a matter and now and then register a visit through the
form; office staff by API list, search, read and register; village reporters open their reports and
submit one (each client its own village's slots, so nothing conflicts; once a village has no open
slot left, a correction of a past report); leaders open the dashboard, the duty desk and the ledger;
the county administrator the dashboard, the county ledger and a search.

What counts as an error: any 5xx, a connection error or timeout, and any answer other than the one
expected for the kind (a redirect to the login or the code step, a refused form, a 4xx).
Afterwards the sessions and tokens made for the run are removed again, as are the two-factor devices
enrolled for it. The matters registered and reports submitted during the run stay in the database.
"""

from __future__ import annotations

import base64
import http.client
import importlib
import json
import math
import random
import re
import secrets
import shlex
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

import dj_database_url
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.utils import timezone

from zhenwu.core.models import User

if TYPE_CHECKING:
    from zhenwu.bench.data import Dataset
    from zhenwu.testing.live import LiveInstance

#: A client's role in the mix, repeated in this order: the first five clients cover every role.
ROLE_CYCLE = (
    "office_web",
    "reporter",
    "office_api",
    "leader",
    "admin",
    "office_web",
    "reporter",
    "office_api",
    "office_web",
    "reporter",
)
#: Per role: (step, weight). A step is one or a few requests (registering: form, POST, the new matter).
MIX: dict[str, tuple[tuple[str, int], ...]] = {
    "office_web": (("home", 15), ("ledger", 25), ("search", 15), ("detail", 40), ("register", 5)),
    "office_api": (("api_list", 30), ("api_search", 20), ("api_detail", 42), ("api_register", 8)),
    "reporter": (("reports_index", 30), ("slot_detail", 25), ("api_due", 15), ("api_submit", 30)),
    "leader": (("home", 40), ("duty_desk", 30), ("ledger", 30)),
    "admin": (("home", 30), ("ledger", 35), ("search", 35)),
}
#: Every kind of request the mix sends (the register step sends register_form, register_post, detail).
KINDS = frozenset(
    {
        "home",
        "ledger",
        "search",
        "detail",
        "register_form",
        "register_post",
        "api_list",
        "api_search",
        "api_detail",
        "api_register",
        "reports_index",
        "slot_detail",
        "api_due",
        "api_submit",
        "duty_desk",
    }
)
#: Two-character words a clerk types into the search box (the search must find them).
SEARCH_WORDS = ("工资", "土地", "拆迁", "补偿", "噪声", "低保", "道路", "污水", "宅基地", "赡养")
LEDGER_FILTERS = (
    {"status": "handling"},
    {"status": "assigned"},
    {"status": "registered"},
    {"channel": "visit"},
    {"channel": "letter"},
    {"overdue": "on"},
)
API_FILTERS = (
    {"status": "handling"},
    {"status": "accepted"},
    {"channel": "phone"},
    {"overdue": "true"},
)
#: Sample of matters each office client opens (a clerk works on the matters of their own township).
DETAIL_SAMPLE = 400
#: Socket timeout of every request (gunicorn's worker timeout is 60 s).
REQUEST_TIMEOUT = 30.0
#: A connection idle this long is not reused (gunicorn's default keep-alive is 2 s).
KEEPALIVE_IDLE = 1.5
#: Bound of the check before the run (a few requests per role, each at most REQUEST_TIMEOUT).
PREFLIGHT_TIMEOUT = 10 * REQUEST_TIMEOUT
#: How long past the deadline a client may take to finish its first round (each request is bounded).
LATE_BOUND = 10 * REQUEST_TIMEOUT
MAX_ERROR_SAMPLES = 10
#: Each request names its kind in this header; gunicorn's access log then gives its time in the server
#: (from the worker thread taking it to the last byte sent, without the wait for a free thread).
KIND_HEADER = "X-Bench-Kind"
ACCESS_LOG_FORMAT = "zhenwu-load %({x-bench-kind}i)s %(s)s %(D)s"
ACCESS_LOG_LINE = re.compile(r"^zhenwu-load (\S+) (\d{3}) (\d+)$", re.MULTILINE)
OPTIONAL_FIELD_CHANCE = 0.3


class LoadRunError(RuntimeError):
    """The run cannot start or a kind of request does not answer as expected before the run."""


# --- what the clients hold ------------------------------------------------------------------------


@dataclass
class Request:
    kind: str
    method: str
    path: str
    expect: tuple[int, ...] = (200,)
    body: bytes | None = None
    content_type: str = ""
    #: Called with (status, headers, body) of an expected answer; may queue follow-up requests.
    then: Callable[[int, http.client.HTTPResponse, bytes], None] | None = None


@dataclass
class ReportSlots:
    """A reporter client's slots: open ones first, then corrections of past ones (with their revision)."""

    open: list[int]
    past: list[tuple[int, int, dict[str, Any]]]  # (slot id, current revision, current values)
    fields: list[dict[str, Any]]
    all: list[int] = field(default_factory=list)


@dataclass
class Client:
    name: str
    role: str
    user: User
    rng: random.Random
    cookies: dict[str, str] = field(default_factory=dict)
    token: str = ""
    petition_ids: list[int] = field(default_factory=list)
    slots: ReportSlots | None = None
    pending: list[Request] = field(default_factory=list)
    seq: int = 0
    #: The steps of the mix not yet sent once (a user's first round through their pages).
    first_round: list[str] = field(default_factory=list)


@dataclass
class Tally:
    """One client's measurements (merged after the run; no lock on the hot path)."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    samples: list[str] = field(default_factory=list)
    reconnects: int = 0

    def add(self, kind: str, ms: float, status: int | None, problem: str = "") -> None:
        self.latencies.setdefault(kind, []).append(ms)
        if status is not None:
            self.statuses[status] = self.statuses.get(status, 0) + 1
        if problem:
            self.errors[kind] = self.errors.get(kind, 0) + 1
            if len(self.samples) < MAX_ERROR_SAMPLES:
                self.samples.append(problem)


@dataclass
class Prepared:
    clients: list[Client]
    session_keys: list[str]
    tokens: list[tuple[User, int]]
    enrolled: list[User]


# --- preparing sessions and tokens (in this process's database) ---------------------------------


def _otp_device(user: User, enrolled: list[User]) -> Any:
    """The user's confirmed authenticator; enrolled through the service when there is none."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from zhenwu.core.services.accounts import TOTP_DIGITS, TOTP_STEP, otp_enrol, otp_new_key

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        return device
    key = otp_new_key()
    code = f"{TOTP(bytes.fromhex(key), step=TOTP_STEP, digits=TOTP_DIGITS).token():0{TOTP_DIGITS}d}"
    enrolled.append(user)
    return otp_enrol(actor=user, key_hex=key, code=code).device


def _session(user: User, enrolled: list[User]) -> str:
    """A session as ``login`` plus the code step leave it (django-otp's device id, our middleware's keys)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from zhenwu.core.middleware import LAST_ACTIVITY_KEY, OTP_SESSION_KEY
    from zhenwu.core.services.accounts import otp_has_device, otp_required

    store = importlib.import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    needed = otp_required(user) or otp_has_device(user)
    store[OTP_SESSION_KEY] = needed
    if needed:
        store[DEVICE_ID_SESSION_KEY] = _otp_device(user, enrolled).persistent_id
    store[LAST_ACTIVITY_KEY] = int(timezone.now().timestamp())
    store.create()
    return str(store.session_key)


def _report_slots(dataset: Dataset, reporter: User, share: int, shares: int) -> ReportSlots:
    from zhenwu.reports.models import ReportFormVersion, ReportSlot, ReportSubmission

    schedule = dataset.schedule
    report_type = schedule.report_type
    version = ReportFormVersion.objects.get(report_type=report_type, number=report_type.current_version)
    now = timezone.now()
    rows = list(
        ReportSlot.objects.filter(schedule=schedule, unit=reporter.unit_id)
        .order_by("due_at")
        .values_list("pk", "opens_at", "due_at", "revision")
    )[share::shares]
    current = dict(
        ReportSubmission.objects.filter(slot__in=[row[0] for row in rows], is_current=True).values_list(
            "slot_id", "values"
        )
    )
    return ReportSlots(
        open=[pk for pk, opens, _due, revision in rows if revision == 0 and opens <= now],
        # Most recent first: a reporter corrects yesterday's figures, not last month's.
        past=[
            (pk, revision, dict(current.get(pk) or {}))
            for pk, _opens, due, revision in reversed(rows)
            if revision > 0 and due < now
        ],
        fields=list(version.fields),
        all=[pk for pk, *_rest in rows],
    )


def _role_users(dataset: Dataset, role: str) -> list[User]:
    users = {
        "office_web": dataset.offices,
        "office_api": dataset.offices,
        "leader": dataset.leaders,
        "admin": [dataset.admin],
        "reporter": dataset.reporters,
    }[role]
    if not users:
        raise LoadRunError(f"the dataset has no account for {role} clients")
    return list(users)


def _petition_sample(user: User, rng: random.Random, cache: dict[int | None, list[int]]) -> list[int]:
    from zhenwu.petitions.models import Petition

    if user.unit_id not in cache:
        cache[user.unit_id] = list(Petition.objects.filter(unit=user.unit_id).values_list("pk", flat=True))
    ids = cache[user.unit_id]
    return rng.sample(ids, min(DETAIL_SAMPLE, len(ids)))


def prepare(dataset: Dataset, clients: int) -> Prepared:
    """Sessions, tokens and the data each client works on; ``cleanup`` removes them again."""
    if dataset.schedule is None:
        raise LoadRunError("the dataset has no report schedule for the reporter clients")
    roles = [ROLE_CYCLE[i % len(ROLE_CYCLE)] for i in range(clients)]
    prepared = Prepared([], [], [], [])
    try:
        _prepare_clients(dataset, roles, prepared)
    except BaseException:
        cleanup(dataset, prepared)
        raise
    return prepared


def _prepare_clients(dataset: Dataset, roles: list[str], prepared: Prepared) -> None:
    from zhenwu.core.services.tokens import token_create

    per_role: dict[str, int] = {}
    reporters = _role_users(dataset, "reporter")
    reporter_clients = roles.count("reporter")
    petitions: dict[int | None, list[int]] = {}
    for i, role in enumerate(roles):
        n = per_role.get(role, 0)
        per_role[role] = n + 1
        users = _role_users(dataset, role)
        user = users[n % len(users)]
        rng = random.Random(f"load-{i}")  # noqa: S311 -- a reproducible mix, not a secret
        client = Client(name=f"{role}{n}", role=role, user=user, rng=rng)
        client.first_round = [step for step, _weight in MIX[role]]
        if role == "office_api" or role == "reporter":
            token, key = token_create(actor=user, name="benchmark load run")
            prepared.tokens.append((user, token.pk))
            client.token = key
        if role != "office_api":
            key = _session(user, prepared.enrolled)
            prepared.session_keys.append(key)
            client.cookies[settings.SESSION_COOKIE_NAME] = key
            # The CSRF secret a browser got with its first page (32 characters: the unmasked form).
            client.cookies[settings.CSRF_COOKIE_NAME] = secrets.token_hex(16)
        if role in ("office_web", "office_api"):
            client.petition_ids = _petition_sample(user, rng, petitions)
        if role == "reporter":
            # Clients beyond the number of villages share a village's slots, each taking every k-th.
            shares = -(-reporter_clients // len(reporters))
            client.slots = _report_slots(dataset, user, n // len(reporters), shares)
        prepared.clients.append(client)


def cleanup(dataset: Dataset, prepared: Prepared) -> None:
    """Remove the run's sessions and tokens and the two-factor devices enrolled for it."""
    from zhenwu.core.services.accounts import person_otp_reset
    from zhenwu.core.services.tokens import token_revoke

    store_class = importlib.import_module(settings.SESSION_ENGINE).SessionStore
    for key in prepared.session_keys:
        store_class(session_key=key).delete()
    for user, token_id in prepared.tokens:
        token_revoke(actor=user, token_id=token_id)
    for user in {u.pk: u for u in prepared.enrolled}.values():
        person_otp_reset(actor=dataset.admin, person=user)


# --- the requests of the mix ----------------------------------------------------------------------


def _json(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()


def _report_values(fields: list[dict[str, Any]], rng: random.Random, seq: int) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for spec in fields:
        if not spec.get("required", True) and rng.random() > OPTIONAL_FIELD_CHANCE:
            continue
        kind = spec["kind"]
        if kind == "count":
            values[spec["key"]] = rng.randint(0, 3)
        elif kind == "number":
            values[spec["key"]] = f"{rng.randint(0, 500)}.{rng.randint(0, 99):02d}"
        elif kind == "yes_no":
            values[spec["key"]] = rng.random() < 0.9
        else:
            values[spec["key"]] = f"第{seq}次报送：辖区总体平稳，无重大情况。"
    return values


def _petitioner(client: Client) -> tuple[str, str, str]:
    rng = client.rng
    name = rng.choice("王李张刘陈杨黄赵吴周") + rng.choice("伟芳敏静强磊军洋勇艳")
    phone = f"139{rng.randint(0, 99_999_999):08d}"
    summary = rng.choice(("拖欠工资问题", "土地承包纠纷", "道路积水影响出行", "邻里噪声扰民"))
    return name, phone, summary


def _register_steps(client: Client) -> list[Request]:
    """The intake form, its POST (a redirect to the new matter) and the matter the browser then opens."""
    name, phone, summary = _petitioner(client)
    form = {
        "csrfmiddlewaretoken": client.cookies.get(settings.CSRF_COOKIE_NAME, ""),
        "channel": "visit",
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "summary": summary,
        "content": f"{name}来访反映：{summary}，请求协调解决。（{client.name}-{client.seq}）",
        "place": "镇信访接待室",
        "petitioners-TOTAL_FORMS": "1",
        "petitioners-INITIAL_FORMS": "0",
        "petitioners-MIN_NUM_FORMS": "1",
        "petitioners-MAX_NUM_FORMS": "5",
        "petitioners-0-name": name,
        "petitioners-0-phone": phone,
        "petitioners-0-address": "本镇",
    }

    def follow(status: int, response: http.client.HTTPResponse, body: bytes) -> None:
        location = response.getheader("Location", "")
        client.pending.append(Request("detail", "GET", location))

    return [
        Request("register_form", "GET", "/petitions/new/"),
        Request(
            "register_post",
            "POST",
            "/petitions/new/",
            expect=(302,),
            body=urlencode(form).encode(),
            content_type="application/x-www-form-urlencoded",
            then=follow,
        ),
    ]


def _correction(slots: ReportSlots, current: dict[str, Any], rng: random.Random, seq: int) -> dict[str, Any]:
    """Figures that differ from the current report's (an unchanged correction is refused)."""
    values = _report_values(slots.fields, rng, seq)
    counted = [spec["key"] for spec in slots.fields if spec["kind"] == "count"]
    if counted:
        key = counted[0]
        values[key] = int(current.get(key) or 0) + 1
    return values


def _submit_step(client: Client) -> Request | None:
    slots = client.slots
    if slots is None:
        return None
    if slots.open:
        zero = client.rng.random() < 0.2  # one in five: nothing to report (零报告)
        values = {} if zero else _report_values(slots.fields, client.rng, client.seq)
        return Request(
            "api_submit",
            "POST",
            f"/api/reports/slots/{slots.open.pop(0)}/submission",
            expect=(201,),
            body=_json({"values": values, "is_zero": zero}),
            content_type="application/json",
        )
    if not slots.past:
        return None
    pk, revision, current = slots.past.pop(0)
    payload = {
        "values": _correction(slots, current, client.rng, client.seq),
        "is_zero": False,
        "expected_revision": revision,
        "note": f"更正：第{revision + 1}次核实后的数字",
    }

    def again(status: int, response: http.client.HTTPResponse, body: bytes) -> None:
        # Corrected again later in the run, from the revision and figures the server returned.
        answer = json.loads(body)
        slots.past.append((pk, int(answer["revision"]), dict(answer["values"])))

    return Request(
        "api_submit",
        "POST",
        f"/api/reports/slots/{pk}/submission",
        expect=(201,),
        body=_json(payload),
        content_type="application/json",
        then=again,
    )


def _step(client: Client, step: str) -> list[Request]:
    rng = client.rng
    if step == "home":
        return [Request("home", "GET", "/")]
    if step == "ledger":
        return [Request("ledger", "GET", "/petitions/?" + urlencode(rng.choice(LEDGER_FILTERS)))]
    if step == "search":
        return [Request("search", "GET", "/petitions/?q=" + quote(rng.choice(SEARCH_WORDS)))]
    if step == "detail" and client.petition_ids:
        return [Request("detail", "GET", f"/petitions/{rng.choice(client.petition_ids)}/")]
    if step == "register":
        return _register_steps(client)
    if step == "api_list":
        return [Request("api_list", "GET", "/api/petitions?" + urlencode(rng.choice(API_FILTERS)))]
    if step == "api_search":
        return [Request("api_search", "GET", "/api/petitions?q=" + quote(rng.choice(SEARCH_WORDS)))]
    if step == "api_detail" and client.petition_ids:
        return [Request("api_detail", "GET", f"/api/petitions/{rng.choice(client.petition_ids)}")]
    if step == "api_register":
        name, phone, summary = _petitioner(client)
        payload = {
            "channel": rng.choice(("letter", "phone", "online")),
            "petitioners": [{"name": name, "phone": phone, "address": "本镇"}],
            "summary": summary,
            "content": f"{name}反映：{summary}，请求尽快处理。（{client.name}-{client.seq}）",
            "place": "本镇",
        }
        return [Request("api_register", "POST", "/api/petitions", (201,), _json(payload), "application/json")]
    if step == "reports_index":
        return [Request("reports_index", "GET", "/reports/")]
    if step == "slot_detail" and client.slots is not None and client.slots.all:
        return [Request("slot_detail", "GET", f"/reports/slots/{rng.choice(client.slots.all)}/")]
    if step == "api_due":
        return [Request("api_due", "GET", "/api/reports/slots/due")]
    if step == "api_submit":
        submit = _submit_step(client)
        return [submit] if submit is not None else []
    if step == "duty_desk":
        return [Request("duty_desk", "GET", "/duty/")]
    return []


def _next_request(client: Client) -> Request:
    while not client.pending:
        if client.first_round:
            step = client.first_round.pop(0)
        else:
            steps, weights = zip(*MIX[client.role], strict=True)
            step = client.rng.choices(steps, weights)[0]
        client.seq += 1
        client.pending.extend(_step(client, step))
    return client.pending.pop(0)


# --- sending --------------------------------------------------------------------------------------


class Connection:
    """One keep-alive connection of one client, reopened after an error or a pause.

    gunicorn closes a keep-alive connection after ``--keep-alive`` (2 s) without a request; a client
    that paused that long opens a new one rather than racing the server's close.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn: http.client.HTTPConnection | None = None
        self.used = False
        self.idle_since = 0.0

    def open(self) -> http.client.HTTPConnection:
        if self.conn is not None and self.used and time.monotonic() - self.idle_since >= KEEPALIVE_IDLE:
            self.close()
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
            self.used = False
        return self.conn

    def answered(self, will_close: bool) -> None:
        self.used = True
        self.idle_since = time.monotonic()
        if will_close:
            self.close()

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.conn = None


def _headers(client: Client, request: Request, port: int, tag: str) -> dict[str, str]:
    headers = {
        "User-Agent": "zhenwu-bench-load",
        "Accept-Language": "zh-CN,zh;q=0.9",
        KIND_HEADER: tag or request.kind,
    }
    if client.cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    if request.path.startswith("/api/"):
        headers["Accept"] = "application/json"
        if client.token:
            headers["Authorization"] = f"Bearer {client.token}"
    else:
        headers["Accept"] = "text/html"
    if request.body is not None:
        headers["Content-Type"] = request.content_type
        headers["Origin"] = f"http://127.0.0.1:{port}"  # what a browser sends with a form POST
    return headers


def _store_cookies(client: Client, response: http.client.HTTPResponse) -> None:
    for header in response.headers.get_all("Set-Cookie") or []:
        pair, _sep, attributes = header.partition(";")
        name, _eq, value = pair.strip().partition("=")
        lowered = attributes.lower()
        if "max-age=0" in lowered or "expires=thu, 01 jan 1970" in lowered:
            client.cookies.pop(name, None)
        else:
            client.cookies[name] = value.strip('"')


def send(
    client: Client, connection: Connection, request: Request, tally: Tally, tag: str = ""
) -> tuple[int | None, str]:
    """Send one request and read its whole answer; record it; return (status, problem).

    ``tag``: the kind the server's access log records (default: the request's kind).
    """
    headers = _headers(client, request, connection.port, tag)
    started = time.perf_counter()
    for attempt in (1, 2):
        conn = connection.open()
        reused = connection.used
        try:
            conn.request(request.method, request.path, body=request.body, headers=headers)
            response = conn.getresponse()
            body = response.read()
        except (ConnectionResetError, BrokenPipeError) as exc:  # RemoteDisconnected: a ConnectionResetError
            connection.close()
            # The server closed a kept-alive connection as the request went out: a browser silently
            # retries on a new connection, and so do we (once; counted). A worker that died in a
            # request would show in the server's log (``worker_restarts``).
            if reused and attempt == 1:
                tally.reconnects += 1
                continue
            problem = f"{client.name} {request.method} {request.path}: connection closed: {exc!r}"
            tally.add(request.kind, (time.perf_counter() - started) * 1000, None, problem)
            return None, problem
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            problem = f"{client.name} {request.method} {request.path}: {type(exc).__name__}: {exc}"
            tally.add(request.kind, (time.perf_counter() - started) * 1000, None, problem)
            return None, problem
        break
    elapsed = (time.perf_counter() - started) * 1000
    connection.answered(response.will_close)
    _store_cookies(client, response)
    status = response.status
    problem = ""
    if status not in request.expect:
        where = response.getheader("Location", "") or body[:200].decode(errors="replace")
        problem = f"{client.name} {request.method} {request.path} -> {status} {where}"
    elif request.then is not None:
        request.then(status, response, body)
    tally.add(request.kind, elapsed, status, problem)
    return status, problem


def _client_loop(
    client: Client, port: int, deadline: float, stop: threading.Event, tally: Tally, think: float
) -> None:
    connection = Connection(port)
    if think > 0:  # people do not all click at the same instant: starts spread over one pause
        stop.wait(client.rng.uniform(0, think))
    try:
        # A client's first round through its pages ends even past the deadline (every kind is
        # measured at least once), as does a step begun (the matter a registration redirects to).
        while not stop.is_set() and (time.monotonic() < deadline or client.first_round or client.pending):
            send(client, connection, _next_request(client), tally)
            if think > 0:  # a person reading the page before the next click (exponential, mean ``think``)
                stop.wait(min(client.rng.expovariate(1 / think), max(0.0, deadline - time.monotonic())))
    finally:
        connection.close()


def preflight(clients: list[Client], port: int) -> list[str]:
    """Send every kind of request once (one client per role); return what did not answer right.

    The roles are checked side by side, each in turn through its steps (it also warms both workers up).
    """
    problems: list[str] = []

    def check(client: Client) -> None:
        connection = Connection(port)
        tally = Tally()
        try:
            for step, _weight in MIX[client.role]:
                client.pending = _step(client, step)
                if not client.pending:
                    problems.append(f"{client.name}: nothing to send for {step} (the dataset lacks it)")
                while client.pending:
                    _status, problem = send(client, connection, client.pending.pop(0), tally, "preflight")
                    if problem:
                        problems.append(problem)
                        client.pending.clear()
        finally:
            connection.close()

    first = {client.role: client for client in reversed(clients)}
    threads = [threading.Thread(target=check, args=(client,), daemon=True) for client in first.values()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=PREFLIGHT_TIMEOUT)
    return problems


# --- figures --------------------------------------------------------------------------------------


def _percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not ordered:
        return 0.0
    return round(ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))], 1)


def _latency(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50_ms": _percentile(ordered, 0.50),
        "p95_ms": _percentile(ordered, 0.95),
        "p99_ms": _percentile(ordered, 0.99),
        "max_ms": round(ordered[-1], 1) if ordered else 0.0,
    }


def _server_shape(instance: LiveInstance) -> dict[str, Any]:
    """Workers and threads read off the command line gunicorn was started with."""
    args = [str(a) for a in instance.processes["web"].args]  # type: ignore[union-attr]

    def option(name: str) -> str:
        return args[args.index(name) + 1] if name in args else ""

    return {
        "server": "gunicorn",
        "worker_class": option("--worker-class"),
        "workers": int(option("--workers") or 1),
        "threads": int(option("--threads") or 1),
    }


def server_times(log: str) -> dict[str, list[float]]:
    """Milliseconds in the server per kind of request of the run, from gunicorn's access log."""
    times: dict[str, list[float]] = {}
    for kind, _status, microseconds in ACCESS_LOG_LINE.findall(log):
        if kind in KINDS:
            times.setdefault(kind, []).append(int(microseconds) / 1000)
    return times


def _server_latency(values: list[float]) -> dict[str, float]:
    return {f"server_{name}": value for name, value in _latency(values).items() if name != "max_ms"}


def summarize(
    tallies: list[Tally],
    *,
    clients: list[Client],
    seconds: float,
    server: dict[str, Any],
    log: str = "",
) -> dict[str, Any]:
    """The run's figures: client-side latencies (queueing included) and, from the log, server times."""
    latencies: dict[str, list[float]] = {}
    statuses: dict[int, int] = {}
    errors: dict[str, int] = {}
    samples: list[str] = []
    reconnects = 0
    for tally in tallies:
        for kind, values in tally.latencies.items():
            latencies.setdefault(kind, []).extend(values)
        for status, n in tally.statuses.items():
            statuses[status] = statuses.get(status, 0) + n
        for kind, n in tally.errors.items():
            errors[kind] = errors.get(kind, 0) + n
        samples.extend(tally.samples)
        reconnects += tally.reconnects
    every = [v for values in latencies.values() for v in values]
    in_server = server_times(log)
    roles: dict[str, int] = {}
    for client in clients:
        roles[client.role] = roles.get(client.role, 0) + 1
    return {
        "clients": len(clients),
        "roles": roles,
        "seconds": round(seconds, 1),
        "requests": len(every),
        "requests_per_s": round(len(every) / seconds, 1) if seconds else 0.0,
        "errors": sum(errors.values()),
        "error_samples": samples[:MAX_ERROR_SAMPLES],
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "server_errors": sum(n for status, n in statuses.items() if status >= 500),
        "reconnects": reconnects,
        "latency": _latency(every),
        "server_latency": _latency([v for values in in_server.values() for v in values]),
        "kinds": {
            kind: {
                "requests": len(values),
                "errors": errors.get(kind, 0),
                **_latency(values),
                **_server_latency(in_server.get(kind, [])),
            }
            for kind, values in sorted(latencies.items())
        },
        **server,
    }


# --- the run --------------------------------------------------------------------------------------


def _server_env(var_dir: Path, database_url: str | None) -> dict[str, str]:
    """The server must read this process's database with its secrets (sessions, encrypted fields)."""
    from zhenwu.core.crypto import keyring

    env = {
        "GUNICORN_CMD_ARGS": f"--access-logformat {shlex.quote(ACCESS_LOG_FORMAT)}",
        "DJANGO_SECRET_KEY": str(settings.SECRET_KEY),
        "ZHENWU_DATA_KEYS": ",".join(
            f"{key.id}:{base64.urlsafe_b64encode(key.secret).decode()}" for key in keyring()
        ),
    }
    database = settings.DATABASES["default"]
    if database_url:
        env["DATABASE_URL"] = database_url
        theirs = dj_database_url.parse(database_url)
        same = all(str(theirs.get(k) or "") == str(database.get(k) or "") for k in ("NAME", "HOST", "PORT"))
    else:
        same = database["ENGINE"] == "django.db.backends.sqlite3" and (
            Path(str(database["NAME"])).resolve() == (var_dir / "db.sqlite3").resolve()
        )
    if not same:
        raise LoadRunError(
            f"this process uses the database {database['NAME']}, the server would use "
            f"{database_url or var_dir / 'db.sqlite3'}: the sessions made here would not be there"
        )
    return env


def run_load(
    dataset: Dataset,
    *,
    clients: int = 50,
    seconds: float = 60,
    var_dir: Path,
    database_url: str | None = None,
    think: float = 0.0,
) -> dict[str, Any]:
    """Run ``clients`` concurrent clients for ``seconds`` against the real server; return the figures.

    ``think``: mean seconds a client pauses between requests (0: none, the server's saturation).
    """
    from zhenwu.testing.live import LiveInstance

    var_dir = Path(var_dir)
    instance = LiveInstance(var_dir, env=_server_env(var_dir, database_url))
    prepared = prepare(dataset, clients)
    try:
        instance.collect_static()
        try:
            instance.start(scheduler=False)
            problems = preflight(prepared.clients, instance.port)
            if problems:
                raise LoadRunError("requests of the mix fail before the run:\n" + "\n".join(problems))
            tallies = [Tally() for _client in prepared.clients]
            stop = threading.Event()
            started, cpu = time.monotonic(), time.process_time()
            deadline = started + seconds
            threads = [
                threading.Thread(
                    target=_client_loop,
                    args=(client, instance.port, deadline, stop, tally, think),
                    name=f"load-{client.name}",
                    daemon=True,
                )
                for client, tally in zip(prepared.clients, tallies, strict=True)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                # Bounded: a client ends at the deadline once its last answer (or timeout) is in.
                thread.join(timeout=max(0.0, deadline + LATE_BOUND - time.monotonic()))
            stop.set()
            elapsed, cpu = time.monotonic() - started, time.process_time() - cpu
            server = _server_shape(instance)
        finally:
            instance.stop()
        output = instance.output()
    finally:
        cleanup(dataset, prepared)
    result = summarize(tallies, clients=prepared.clients, seconds=elapsed, server=server, log=output)
    result["server_tracebacks"] = output.count("Traceback (most recent call last)")
    result["database_locked"] = output.count("database is locked")
    result["worker_restarts"] = max(0, output.count("Booting worker") - int(result["workers"]))
    result["database"] = "postgresql" if database_url else "sqlite"
    result["think_s"] = think
    # The clients share the machine with the server: what they used of it (CPU seconds, all threads).
    result["client_cpu_s"] = round(cpu, 1)
    return result
