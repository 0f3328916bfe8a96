"""No personal data in logs or error pages (issue 8, point 2).

With DEBUG off, the 500, 404 and 400 pages never echo the request's ID number, phone or name; the
logs of every logger, captured at DEBUG during a submission, a refused submission and a server
error, hold none of them either. Django and gunicorn log request paths with their query strings,
so no form or API route that takes a resident's personal data may be a GET.
"""

import io
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from zhenwu.petitions.models import Petition
from zhenwu.public import captcha
from zhenwu.public import views as public_views
from zhenwu.testing.world import World

ID_NUMBER = "330106199002154566"
PHONE = "13912345678"
NAME = "刘桂芳"
ADDRESS = "河坝镇南街7号"
PERSONAL = (ID_NUMBER, PHONE, NAME, ADDRESS)
SRC = Path(__file__).resolve().parents[2]


def _submission(client: Client, world: World, **overrides: object) -> dict[str, object]:
    assert client.get(reverse("public:submit")).status_code == 200
    answer = client.session[captcha.SESSION_KEY]["answer"]
    return {
        "name": NAME,
        "id_number": ID_NUMBER,
        "phone": PHONE,
        "address": ADDRESS,
        "summary": "村口道路塌陷无人维修",
        "content": "村口道路塌陷半年，多次反映无人处理。",
        "unit": world.township.pk,
        "captcha": answer,
        **overrides,
    }


def _assert_clean(text: str, where: str) -> None:
    leaked = [value for value in PERSONAL if value in text]
    assert not leaked, f"{where} shows {leaked}"


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)  # every logger, every level, as the records were made
    return caplog


@pytest.fixture
def written() -> Iterator[io.StringIO]:
    """What the configured console handler (settings.LOGGING, with its filter) writes."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    level = logging.getLogger().level
    logging.getLogger().setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        logging.getLogger().setLevel(level)
        handler.setStream(previous)


def _assert_no_numbers(text: str, where: str) -> None:
    leaked = [value for value in (ID_NUMBER, PHONE) if value in text]
    assert not leaked, f"{where} shows {leaked}"


def test_a_submission_logs_no_personal_data(world: World, logs: pytest.LogCaptureFixture) -> None:
    client = Client()
    response = client.post(reverse("public:submit"), _submission(client, world))
    assert response.status_code == 200 and Petition.objects.count() == 1
    _assert_clean(logs.text, "the logs")


def test_a_refused_submission_logs_no_personal_data(world: World, logs: pytest.LogCaptureFixture) -> None:
    client = Client()
    data = _submission(client, world, id_number=ID_NUMBER[:-1] + "0", summary="")  # wrong check digit
    response = client.post(reverse("public:submit"), data)
    assert response.status_code == 200 and Petition.objects.count() == 0
    _assert_clean(logs.text, "the logs")


def test_a_server_error_shows_and_logs_no_personal_data(
    world: World, written: io.StringIO, logs: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: Any) -> Any:
        # An exception carrying the submitted data, as a careless error message would.
        raise RuntimeError(f"could not register {kwargs['petitioners']!r}")

    monkeypatch.setattr(public_views, "petition_register", broken)
    client = Client(raise_request_exception=False)
    response = client.post(reverse("public:submit"), _submission(client, world))
    assert response.status_code == 500
    _assert_clean(response.content.decode(), "the 500 page")
    assert any(r.levelno >= logging.ERROR for r in logs.records), "the error itself is logged"
    # The exception quotes the data; the log keeps the error and its traceback, numbers masked.
    assert "could not register" in written.getvalue() and "[redacted]" in written.getvalue()
    _assert_no_numbers(written.getvalue(), "the log output")


def test_a_staff_server_error_in_the_api_shows_no_personal_data(
    world: World, written: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zhenwu.petitions import api as petitions_api

    def broken(**kwargs: Any) -> Any:
        raise RuntimeError(f"could not register {kwargs['petitioners']!r}")

    monkeypatch.setattr(petitions_api.services, "petition_register", broken)
    client = Client(raise_request_exception=False)
    client.force_login(world.user("office"))
    payload = {
        "channel": "visit",
        "summary": "拖欠工资",
        "content": "老板拖欠工资。",
        "petitioners": [{"name": NAME, "id_number": ID_NUMBER, "phone": PHONE, "address": ADDRESS}],
    }
    response = client.post("/api/petitions", payload, content_type="application/json")
    assert response.status_code == 500
    _assert_clean(response.content.decode(), "the API's 500 answer")
    assert "could not register" in written.getvalue()
    _assert_no_numbers(written.getvalue(), "the log output")


@pytest.mark.parametrize(
    "url",
    [
        f"/petitions/987654321/?id_number={ID_NUMBER}&phone={PHONE}&name={NAME}",
        f"/no-such-page/{ID_NUMBER}/?phone={PHONE}",
        f"/api/petitions/987654321?phone={PHONE}&name={NAME}",
        f"/public/matters/987654321/?id_number={ID_NUMBER}",
    ],
)
def test_404_pages_do_not_echo_personal_data(world: World, written: io.StringIO, url: str) -> None:
    client = Client()
    client.force_login(world.user("office"))
    response = client.get(url)
    assert response.status_code in (302, 404)
    _assert_clean(response.content.decode(), f"the answer to {url}")
    # Django's "Not Found: <path>" logs the path only, never the query string; a number typed
    # into the path itself is masked.
    _assert_no_numbers(written.getvalue(), "the log output")


def test_400_pages_do_not_echo_personal_data(db: None, written: io.StringIO) -> None:
    client = Client(raise_request_exception=False)
    response = client.get(f"/public/track/?id_number={ID_NUMBER}&phone={PHONE}", HTTP_HOST="evil.example")
    assert response.status_code == 400  # DisallowedHost
    _assert_clean(response.content.decode(), "the 400 page")
    _assert_no_numbers(written.getvalue(), "the log output")


# --- no personal data travels in a URL --------------------------------------------------------------

PERSONAL_PARAMETER = re.compile(
    r"id_?number|phone|mobile|address|petitioner|party|parties|identity", re.IGNORECASE
)


def test_no_api_route_takes_personal_data_in_the_query_string(db: None) -> None:
    schema = Client().get("/api/schema").json()
    found = [
        f"{method.upper()} {path} ?{param['name']}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        for param in operation.get("parameters", [])
        if param.get("in") == "query" and PERSONAL_PARAMETER.search(param["name"])
    ]
    assert not found, found


GET_FORM = re.compile(r"<form\b[^>]*method=[\"']get[\"'][^>]*>(.*?)</form>", re.IGNORECASE | re.DOTALL)
FIELD_NAME = re.compile(r"\bname=[\"']([^\"']+)[\"']")


def test_no_get_form_in_a_template_takes_personal_data() -> None:
    """Forms written out in templates; generic filter forms are checked by their classes below."""
    found = []
    for path in sorted(SRC.rglob("templates/**/*.html")):
        for form in GET_FORM.findall(path.read_text(encoding="utf-8")):
            found += [f"{path.name}: {n}" for n in FIELD_NAME.findall(form) if PERSONAL_PARAMETER.search(n)]
    assert not found, found


def test_no_filter_form_takes_personal_data() -> None:
    from zhenwu.core.forms import AuditFilterForm, PersonFilterForm, UnitFilterForm
    from zhenwu.mediation.forms import LedgerFilterForm as DisputeFilterForm
    from zhenwu.petitions.ledger import LedgerFilterForm as PetitionFilterForm

    for form in (PetitionFilterForm, DisputeFilterForm, PersonFilterForm, UnitFilterForm, AuditFilterForm):
        names = [name for name in form.base_fields if PERSONAL_PARAMETER.search(name)]
        assert not names, f"{form.__name__}: {names}"


def test_the_parameter_check_would_catch_personal_fields() -> None:
    for name in ("id_number", "idNumber", "phone", "petitioner_name", "address", "parties"):
        assert PERSONAL_PARAMETER.search(name), name
    for name in ("q", "status", "unit", "sort", "overdue", "received_from"):
        assert not PERSONAL_PARAMETER.search(name), name


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (f"id {ID_NUMBER} phone {PHONE}", "id [redacted] phone [redacted]"),
        ("id 11010519491231002x.", "id [redacted]."),
        ("order 2026031500012345678901 at 1700000000000", "order 2026031500012345678901 at 1700000000000"),
        ("petition 2026-HB-000001 unit 12", "petition 2026-HB-000001 unit 12"),
    ],
)
def test_the_redaction_masks_numbers_and_leaves_other_digits(text: str, masked: str) -> None:
    from zhenwu.core.logredact import redact

    assert redact(text) == masked
