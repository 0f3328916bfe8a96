"""Helpers of the object-level authorization tests (``<app>/tests/test_object_access.py``).

The role × route table checks one status per role and route. These tests guess IDs instead: a
user asks for objects outside their scope by every URL that takes an ID, on the pages and in the
API, and must learn nothing: the answer is the one a nonexistent ID gets (404 for whoever holds
the action, 403 for a role that lacks it whatever the ID), never 200 with data, never a 5xx, and
nothing changes. Lists and exports never contain the rows of another unit.
"""

import io
import json
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import openpyxl
from django.db import transaction
from django.test import Client

from zhenwu.core.models import User

#: An ID no object has: the answer for it is what a guessed ID outside one's scope must get too.
MISSING_ID = 987654321
HIDDEN = frozenset({403, 404})


@dataclass(frozen=True)
class Probe:
    """One request against one object: ``url`` is formatted with the object's ids (``{pk}`` etc.)."""

    url: str
    method: str = "GET"
    data: dict[str, Any] | None = None
    json: bool = False

    def __str__(self) -> str:
        return f"{self.method} {self.url}"


def get(url: str) -> Probe:
    return Probe(url)


def post(url: str, data: dict[str, Any] | None = None) -> Probe:
    return Probe(url, "POST", data or {})


def api(method: str, url: str, data: dict[str, Any] | None = None) -> Probe:
    return Probe("/api" + url, method.upper(), data if data is not None else {}, json=method.upper() != "GET")


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def send(client: Client, probe: Probe, ids: dict[str, Any]) -> tuple[int, bytes]:
    """The status and body of ``probe`` for the object ``ids``, in a savepoint rolled back after."""
    url = probe.url.format(**ids)
    call = getattr(client, probe.method.lower())
    with transaction.atomic():
        if probe.json:
            response = call(url, data=json.dumps(probe.data or {}), content_type="application/json")
        elif probe.data is not None:
            response = call(url, data=probe.data)
        else:
            response = call(url)
        body = content_of(response)
        transaction.set_rollback(True)
    return response.status_code, body


@dataclass
class Failures:
    """Collects every wrong answer of a sweep, so one run reports them all."""

    lines: list[str] = field(default_factory=list)

    def add(self, line: str) -> None:
        self.lines.append(line)

    def check(self) -> None:
        assert not self.lines, "\n".join(self.lines)


def assert_hidden(
    client: Client,
    probes: Iterable[Probe],
    ids: dict[str, Any],
    *,
    markers: Sequence[str],
    missing: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> None:
    """Every probe on the foreign object ``ids`` answers as for a missing one and shows no ``markers``.

    ``missing`` turns ``ids`` into the ids of a nonexistent object (default: every id replaced by
    MISSING_ID); comparing the two answers shows that the status reveals no existence.
    """
    failures = Failures()
    absent = missing(ids) if missing else dict.fromkeys(ids, MISSING_ID)
    for probe in probes:
        status, body = send(client, probe, ids)
        missing_status, _ = send(client, probe, absent)
        text = readable(body)
        if status not in HIDDEN:
            failures.add(f"{probe} {ids}: {status} (expected 403/404)")
        elif status != missing_status:
            failures.add(f"{probe} {ids}: {status}, but a missing id gets {missing_status}")
        leaked = [m for m in markers if m and m in text]
        if leaked:
            failures.add(f"{probe} {ids}: the answer shows {leaked}")
    failures.check()


def readable(body: bytes) -> str:
    """The text of a response: an .xlsx or .docx (a zip) is unpacked, so markers inside are found."""
    if body.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            if "xl/workbook.xml" in archive.namelist():
                book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
                return "\n".join(
                    "\t".join("" if v is None else str(v) for v in row)
                    for sheet in book.worksheets
                    for row in sheet.iter_rows(values_only=True)
                )
            return "\n".join(
                archive.read(name).decode("utf-8", "replace")
                for name in archive.namelist()
                if name.endswith(".xml")
            )
    text = body.decode("utf-8", "replace")
    if text[:1] in "[{":
        try:  # JSON escapes Chinese as \uXXXX: compare with the text itself
            return json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            pass
    return text


def content_of(response: Any) -> bytes:
    """The whole body of a test client's response, streamed (file downloads) or not."""
    return b"".join(response.streaming_content) if response.streaming else bytes(response.content)


def body_of(client: Client, url: str) -> tuple[int, str]:
    """Status and readable text of a GET (pages, JSON, exports)."""
    response = client.get(url)
    return response.status_code, readable(content_of(response))
