"""Fixtures of the browser tests: one live instance and one Chromium for the module, a ``ui`` per test.

- ``site``: a ``LiveInstance`` (gunicorn as ``make run`` starts it, and the task worker; not the
  scheduler, which no flow waits for) on a copy of the migrated template database, seeded by
  ``zhenwu.testing.browser_seed`` (its JSON is ``site.seed``), with its static files collected
  (``collectstatic`` output is cached between runs, keyed by the static sources and the
  requirements, as ``prepare_database`` caches the migrated database).
- ``chromium``: Debian's ``/usr/bin/chromium`` through Playwright (``scripts/install-browser.sh``
  installs it), headless.
- ``ui``: opens browser contexts (desktop, or a 390×844 touch phone), signs people in, and collects
  every console error, uncaught page error and 5xx response of every page. A test that ends with
  any of them fails, listing them (``pytest_pyfunc_call`` below): a CSP violation is a console error.

Screenshots: at the end of each test (passed or failed) the last page opened is saved, full page,
as ``var/test-artifacts/browser/<test name>.png``. A failure keeps it (taken where the test
stopped) and names it in the report; a pass removes it, so the directory holds only failures.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import urllib.request
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core import signing
from django.core.signing import JSONSerializer
from django_otp.oath import totp
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from zhenwu.testing.live import REPO, LiveInstance, live_instance

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = REPO / "var" / "test-artifacts" / "browser"
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
#: Playwright's wait for each expectation (the live server answers in tens of milliseconds).
TIMEOUT_MS = 10_000
expect.set_options(timeout=TIMEOUT_MS)
#: The seeded accounts' full names, as the page header shows them once signed in.
FULL_NAMES = {
    "hb_office": "王小红",
    "hb_nongban": "刘志强",
    "hd_reporter": "张明",
    "hb_duty": "陈平",
    "hb_newleader": "周新",
}


# --- the instance -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """The running instance and what its seed wrote (keys, tokens, ids)."""

    live: LiveInstance
    seed: dict[str, Any]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with live_instance(tmp_path_factory.mktemp("browser") / "var") as live:
        live.prepare_database()
        # The seed and the static files are independent: prepare both at once.
        failures: list[BaseException] = []

        def static() -> None:
            try:
                live.collect_static()
            except BaseException as exc:  # re-raised below, in the test's thread
                failures.append(exc)

        thread = threading.Thread(target=static)
        thread.start()
        out = live.var_dir / "seed.json"
        call = f"from zhenwu.testing.browser_seed import main; main({str(out)!r})"
        live.manage("shell", "--no-imports", "-c", call)
        thread.join()
        if failures:
            raise failures[0]
        live.start(scheduler=False)
        yield Site(live, json.loads(out.read_text()))
        output = live.output()
    # Every page's 5xx fails its own test; this catches what went wrong behind the pages (a task).
    if "Traceback" in output:
        pytest.fail(f"the instance logged a traceback:\n{output[-5000:]}", pytrace=False)


# --- the browser --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="module")
def chromium(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install-browser.sh (as root)")
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


class Ui:
    """What a test does in the browser: contexts per person and device, sign-in, and what went wrong."""

    def __init__(self, browser: Browser, site: Site) -> None:
        self.browser = browser
        self.live = site.live
        self.seed = site.seed
        self.contexts: list[BrowserContext] = []
        self.pages: list[Page] = []
        self.problems: list[str] = []

    # --- contexts and what they report ---

    def _watch(self, page: Page) -> None:
        self.pages.append(page)

        def on_console(message: Any) -> None:
            if message.type == "error":
                self.problems.append(f"console error on {page.url}: {message.text}")

        def on_response(response: Any) -> None:
            if response.status >= 500:
                self.problems.append(f"{response.status} from {response.url}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.problems.append(f"page error on {page.url}: {error}"))
        page.on("response", on_response)

    def new_page(self, *, language: str = "en", phone: bool = False) -> Page:
        """A new person at a new browser (own cookies); ``language`` "" keeps the default (zh-hans)."""
        context = self.browser.new_context(
            base_url=self.live.url, accept_downloads=True, **(PHONE if phone else DESKTOP)
        )
        context.set_default_timeout(TIMEOUT_MS)
        if language:
            context.add_cookies([{"name": "django_language", "value": language, "url": self.live.url}])
        context.on("page", self._watch)
        self.contexts.append(context)
        return context.new_page()

    @property
    def page(self) -> Page | None:
        """The page opened last and still open: the one a screenshot shows."""
        return next((page for page in reversed(self.pages) if not page.is_closed()), None)

    def close(self) -> None:
        for context in self.contexts:
            context.close()

    # --- signing in ---

    @staticmethod
    def code(key_hex: str) -> str:
        """The authenticator app's current code for ``key_hex``."""
        return f"{totp(bytes.fromhex(key_hex), step=30, digits=6):06d}"

    def log_in(self, page: Page, username: str, *, key: str | None = None) -> None:
        """Sign in through the login page (and the code step with the app's code for ``key``)."""
        page.goto("/accounts/login/")
        page.locator("#id_username").fill(username)
        page.locator("#id_password").fill(self.seed["password"])
        page.get_by_role("button", name="Log in").click()
        if key is not None:
            expect(page).to_have_url(f"{self.live.url}/accounts/otp/?next=%2F")
            page.locator("#id_code").fill(self.code(key))
            page.get_by_role("button", name="Verify").click()
        expect(page.locator(".account-who")).to_contain_text(FULL_NAMES[username])

    # --- what the server knows ---

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Read the instance's database (read-only) to check what a page said it saved."""
        db = sqlite3.connect(f"file:{self.live.database}?mode=ro", uri=True)
        try:
            return db.execute(sql, params).fetchall()
        finally:
            db.close()

    def api(self, token_name: str, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """A POST to the instance's API with a seeded token (office staff working from their tools)."""
        request = urllib.request.Request(  # noqa: S310 -- the test's own loopback server
            f"{self.live.url}/api{path}",
            data=json.dumps(payload, ensure_ascii=False).encode(),
            headers={"Authorization": f"Bearer {self.seed[token_name]}", "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 -- same
            result: dict[str, Any] = json.loads(response.read())
        return result

    def captcha_answer(self, page: Page) -> int:
        """The answer to the CAPTCHA the page shows, read from the page's session on the server.

        The test hook for the one thing a test cannot read from the page: the sum is drawn as
        distorted strokes for a person's eyes, and the answer is kept only in the session
        (``public.captcha``). The session row is read from the instance's database and decoded with
        the instance's secret key, as Django's database session store does.
        """
        cookie = next(c for c in page.context.cookies() if c["name"] == "sessionid")
        rows = self.query("SELECT session_data FROM django_session WHERE session_key = ?", cookie["value"])
        secret = (
            self.live.env.get("DJANGO_SECRET_KEY") or (self.live.var_dir / "secret_key").read_text().strip()
        )
        session = signing.loads(
            rows[0][0], key=secret, salt="django.contrib.sessions.SessionStore", serializer=JSONSerializer
        )
        return int(session["public_captcha"]["answer"])


@pytest.fixture
def ui(chromium: Browser, site: Site) -> Iterator[Ui]:
    session = Ui(chromium, site)
    yield session
    session.close()


# --- problems and screenshots -------------------------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> Generator[None, object, object]:
    """A test that ran through still fails if any page logged an error (console, script, 5xx)."""
    result = yield
    session = pyfuncitem.funcargs.get("ui")
    if isinstance(session, Ui) and session.problems:
        problems = "\n".join(f"  - {problem}" for problem in session.problems)
        pytest.fail(f"the pages reported {len(session.problems)} problem(s):\n{problems}", pytrace=False)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Save the last page at the end of the test; keep it (and say where) only when the test failed."""
    report = yield
    session = getattr(item, "funcargs", {}).get("ui")
    if report.when != "call" or not isinstance(session, Ui) or session.page is None:
        return report
    path = ARTIFACTS / f"{item.name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        session.page.screenshot(path=str(path), full_page=True)
    except Exception as exc:  # noqa: BLE001 -- a failed screenshot must not hide the test's own result
        report.sections.append(("browser screenshot", f"could not be taken: {exc}"))
        return report
    if report.failed:
        report.sections.append(("browser screenshot", f"kept at {path}"))
    else:
        path.unlink()
    return report
