"""Security headers on real responses, and templates that the Content-Security-Policy would break.

Pages, API answers, public pages, error pages and file downloads all carry a CSP without inline
script, frame denial (X-Frame-Options DENY and frame-ancestors 'none'), nosniff and a referrer
policy; HSTS is sent exactly when HTTPS is configured. A scan of every template fails on an inline
<script> body, an on…= event handler, a style attribute or a <style> block: the CSP would block
them in the browser, silently.
"""

import re
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from zhenwu.petitions.attachments import attachment_add
from zhenwu.petitions.services import petition_accept
from zhenwu.petitions.tests.factories import at, register
from zhenwu.testing.world import World

SRC = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _directives(response: Any) -> dict[str, list[str]]:
    policy = response.headers.get("Content-Security-Policy", "")
    parts = [part.strip().split() for part in policy.split(";") if part.strip()]
    return {part[0]: part[1:] for part in parts}


def assert_secure_headers(response: Any, what: str) -> None:
    csp = _directives(response)
    assert csp, f"{what}: no Content-Security-Policy"
    scripts = csp.get("script-src", csp.get("default-src"))
    assert scripts is not None, f"{what}: no script-src or default-src"
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, what
    assert "*" not in scripts and "data:" not in scripts, what
    assert csp.get("frame-ancestors") == ["'none'"], what
    assert response.headers.get("X-Frame-Options") == "DENY", what
    assert response.headers.get("X-Content-Type-Options") == "nosniff", what
    assert response.headers.get("Referrer-Policy") == "same-origin", what


@pytest.fixture
def matter(world: World, tmp_path: Path, settings: object) -> tuple[int, int]:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    with time_machine.travel(at("2026-03-02"), tick=False):
        petition = petition_accept(
            actor=world.user("office"), petition=register(world.user("office"), world.township)[0]
        )
        attachment = attachment_add(
            actor=world.user("office"), petition=petition, upload=SimpleUploadedFile("信访材料.pdf", PDF)
        )
    return petition.pk, attachment.pk


STAFF_URLS = [
    "/",
    "/petitions/",
    "/petitions/{pk}/",
    "/petitions/{pk}/attachments/{attachment}/",
    "/petitions/export/",
    "/api/petitions",
    "/api/petitions/{pk}",
    "/api/petitions/{pk}/attachments/{attachment}",
    "/api/docs",
    "/petitions/987654321/",  # a 404 page
    "/api/petitions/987654321",  # a 404 in the API
    "/no-such-page/",
]
PUBLIC_URLS = [
    "/public/",
    "/public/submit/",
    "/public/track/",
    "/public/reception/",
    "/accounts/login/",
    "/healthz",
]


@pytest.mark.parametrize("url", STAFF_URLS)
def test_staff_pages_api_and_downloads_carry_the_headers(
    world: World, matter: tuple[int, int], url: str
) -> None:
    client = Client()
    client.force_login(world.user("office"))
    response = client.get(url.format(pk=matter[0], attachment=matter[1]))
    assert response.status_code in (200, 404), url
    assert_secure_headers(response, url)


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_public_pages_carry_the_headers(db: None, url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 200, url
    assert_secure_headers(response, url)


def test_a_rejected_post_carries_the_headers(db: None) -> None:
    response = Client(enforce_csrf_checks=True).post("/public/submit/", {})
    assert response.status_code == 403  # no CSRF token
    assert_secure_headers(response, "CSRF failure")


@pytest.mark.parametrize(("https", "sent"), [(True, True), (False, False)])
def test_hsts_is_sent_exactly_when_https_is_configured(
    db: None, settings: object, https: bool, sent: bool
) -> None:
    # What ZHENWU_HTTPS=1 sets (settings.py, "Security headers"); the middleware reads it per client.
    settings.SECURE_HSTS_SECONDS = 31536000 if https else 0  # type: ignore[attr-defined]
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = https  # type: ignore[attr-defined]
    response = Client().get("/public/", secure=True)
    assert ("Strict-Transport-Security" in response.headers) is sent
    if sent:
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    # Never over plain HTTP, where a browser would ignore it anyway.
    assert "Strict-Transport-Security" not in Client().get("/public/").headers


def test_the_settings_send_hsts_only_with_https() -> None:
    """The settings module itself: HSTS and secure cookies follow ZHENWU_HTTPS and nothing else."""
    text = (SRC / "settings.py").read_text(encoding="utf-8")
    assert re.search(r"^SECURE_HSTS_SECONDS = .* if HTTPS else 0$", text, re.MULTILINE)
    assert re.search(r"^SESSION_COOKIE_SECURE = HTTPS$", text, re.MULTILINE)


# --- templates the CSP would break ------------------------------------------------------------------

#: <script> with a body or without src, event handler attributes, style attributes and blocks,
#: javascript: URLs and HTMX's hx-on (evaluated as script: needs 'unsafe-eval').
FORBIDDEN = {
    "inline <script>": re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE),
    "<script src> with a body": re.compile(r"<script\b[^>]*\bsrc\s*=[^>]*>\s*[^<\s]", re.IGNORECASE),
    "event handler attribute": re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE),
    "style attribute": re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE),
    "<style> block": re.compile(r"<style\b", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "hx-on attribute": re.compile(r"\shx-on[:\-]", re.IGNORECASE),
}
TEMPLATES = sorted(p for p in SRC.rglob("templates/**/*") if p.is_file())


def test_there_are_templates_to_scan() -> None:
    assert len(TEMPLATES) > 50


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_template_holds_what_the_csp_blocks(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    found = [
        f"{what} at line {text.count(chr(10), 0, m.start()) + 1}: {m.group(0)[:60]!r}"
        for what, pattern in FORBIDDEN.items()
        for m in pattern.finditer(text)
    ]
    assert not found, found


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>alert(1)</script>",
        '<script type="module">x()</script>',
        '<script src="/static/a.js">x()</script>',
        '<button onclick="go()">',
        '<div class="a" style="color:red">',
        "<style>p{}</style>",
        '<a href="javascript:void(0)">',
        '<button hx-on:click="x()">',
    ],
)
def test_the_scan_finds_each_forbidden_form(snippet: str) -> None:
    """The scan above cannot pass by accident: each forbidden form is caught."""
    assert any(pattern.search(snippet) for pattern in FORBIDDEN.values()), snippet


def test_the_scan_lets_ordinary_markup_through() -> None:
    ok = '<script src="/static/vendor/htmx.min.js" defer></script><button data-onclick="x" hx-post="/a/">'
    assert not any(pattern.search(ok) for pattern in FORBIDDEN.values())
