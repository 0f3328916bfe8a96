"""Attachments on the staff pages: the list and upload form on a matter, the audited download, refusals.

Time is 2026-04-01 (conftest).
"""

import struct
import zlib
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import FileResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhenwu.core.choices import AuditAction, Role
from zhenwu.core.models import AuditEvent, User
from zhenwu.core.services.people import person_create
from zhenwu.petitions import services as s
from zhenwu.petitions.attachments import attachment_add
from zhenwu.petitions.models import Attachment, Petition
from zhenwu.petitions.tests.factories import register
from zhenwu.testing.world import PASSWORD, World

HTML_BYTES = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def png_bytes() -> bytes:
    """A real 1x1 red PNG: signature, IHDR, IDAT, IEND with their CRCs."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    pixels = zlib.compress(b"\x00\xff\x00\x00")  # filter byte + one red pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


@pytest.fixture
def petition(world: World) -> Petition:
    petition, _code = register(world.user("office"), world.township)
    return petition


def as_user(world: World, role: str) -> Client:
    return signed_in(world.user(role))


def signed_in(user: User) -> Client:
    """A client signed in as ``user`` that reads the pages in English (the msgids the tests compare)."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


def upload(client: Client, petition: Petition, name: str, data: bytes, **kwargs: Any) -> Any:
    file = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    return client.post(reverse("petitions:attachment_add", args=[petition.pk]), {"file": file}, **kwargs)


def download_url(petition: Petition, attachment: Attachment) -> str:
    return reverse("petitions:attachment", args=[petition.pk, attachment.pk])


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def stored_files() -> set[Path]:
    return {p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()}


def test_office_uploads_a_png_sees_it_listed_and_downloads_it_identical(
    world: World, petition: Petition
) -> None:
    client = as_user(world, "office")
    detail = reverse("petitions:detail", args=[petition.pk])
    form_page = client.get(detail).content.decode()
    assert 'enctype="multipart/form-data"' in form_page
    assert reverse("petitions:attachment_add", args=[petition.pk]) in form_page
    assert "No attachments yet." in form_page

    data = png_bytes()
    response = upload(client, petition, "现场照片.png", data, follow=True)
    assert response.redirect_chain == [(detail + "#attachments", 302)]
    assert messages_of(response) == ["现场照片.png is attached."]
    attachment = Attachment.objects.get(petition=petition)
    assert attachment.content_type == "image/png" and attachment.size == len(data)
    assert attachment.uploaded_by == world.user("office")

    rows = response.context["attachments"]
    assert [(r.attachment.pk, r.kind, r.size_kb) for r in rows] == [(attachment.pk, "PNG", 0.1)]
    html = response.content.decode()
    assert download_url(petition, attachment) in html
    assert "现场照片.png" in html and "王小红" in html and "2026-04-01" in html

    before = AuditEvent.objects.filter(action=AuditAction.VIEW_PERSONAL).count()
    download = client.get(download_url(petition, attachment))
    assert download.status_code == 200 and isinstance(download, FileResponse)
    assert b"".join(download.streaming_content) == data
    assert download["Content-Type"] == "image/png"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in download["Cache-Control"]
    # RFC 5987: the UTF-8 name percent-encoded.
    assert download["Content-Disposition"] == "attachment; filename*=utf-8''" + quote("现场照片.png")

    audits = AuditEvent.objects.filter(action=AuditAction.VIEW_PERSONAL)
    assert audits.count() == before + 1
    audit = audits.latest("id")
    assert audit.object_type == "petitions.attachment" and audit.object_id == str(attachment.pk)
    assert audit.actor == world.user("office") and audit.unit == petition.unit
    assert audit.changes == {"fields": ["attachment"]} and audit.note == "download"
    assert "现场照片" not in audit.object_repr  # the file's name may carry a resident's name


def test_html_named_pdf_is_refused_with_a_message_and_nothing_is_stored(
    world: World, petition: Petition
) -> None:
    client = as_user(world, "office")
    files_before = stored_files()
    response = upload(client, petition, "x.pdf", HTML_BYTES, follow=True)
    assert response.status_code == 200
    assert messages_of(response) == [
        "The file was not attached: Web pages, scripts and markup files are not accepted."
    ]
    assert not Attachment.objects.exists()
    assert not AuditEvent.objects.filter(object_type="petitions.attachment").exists()
    assert stored_files() == files_before
    assert "No attachments yet." in response.content.decode()


def test_upload_without_a_file_is_a_message(world: World, petition: Petition) -> None:
    client = as_user(world, "office")
    url = reverse("petitions:attachment_add", args=[petition.pk])
    response = client.post(url, {}, follow=True)
    assert messages_of(response) == ["The file was not attached: This field is required."]
    assert not Attachment.objects.exists()


def test_another_townships_office_gets_404_on_download(world: World, petition: Petition) -> None:
    attachment = attachment_add(
        actor=world.user("office"), petition=petition, upload=SimpleUploadedFile("a.pdf", PDF_BYTES)
    )
    stranger = person_create(
        actor=world.user("admin"),
        username="sq_office",
        full_name="周文",
        unit=world.other_township,
        role=Role.OFFICE,
        password=PASSWORD,
    )
    client = signed_in(stranger)
    assert client.get(download_url(petition, attachment)).status_code == 404
    # The attachment's id under another matter the office does see: 404 too.
    other, _code = register(world.user("office"), world.township, id_number="")
    assert as_user(world, "office").get(download_url(other, attachment)).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW_PERSONAL).exists()


def test_reporter_of_a_village_that_is_not_the_handling_unit_gets_404(
    world: World, petition: Petition
) -> None:
    office = world.user("office")
    s.petition_accept(actor=office, petition=petition)
    s.petition_assign(actor=office, petition=petition, handling_unit=world.village2)  # HB-02
    attachment = attachment_add(
        actor=office, petition=petition, upload=SimpleUploadedFile("a.pdf", PDF_BYTES)
    )
    reporter = as_user(world, "reporter")  # works in HB-01
    assert reporter.get(download_url(petition, attachment)).status_code == 404
    assert upload(reporter, petition, "b.pdf", PDF_BYTES).status_code == 404
    assert Attachment.objects.count() == 1


def test_reporter_of_the_handling_village_uploads_and_downloads(world: World, petition: Petition) -> None:
    office = world.user("office")
    s.petition_accept(actor=office, petition=petition)
    s.petition_assign(actor=office, petition=petition, handling_unit=world.village)  # HB-01
    reporter = as_user(world, "reporter")
    response = upload(reporter, petition, "走访记录.txt", "已走访信访人。\n".encode(), follow=True)
    assert messages_of(response) == ["走访记录.txt is attached."]
    attachment = Attachment.objects.get(petition=petition)
    download = reporter.get(download_url(petition, attachment))
    assert download.status_code == 200 and download["Content-Type"] == "text/plain; charset=utf-8"


def test_oversight_cannot_upload_and_sees_no_form(world: World, petition: Petition) -> None:
    client = as_user(world, "oversight")
    assert upload(client, petition, "a.pdf", PDF_BYTES).status_code == 403
    assert not Attachment.objects.exists()
    page = client.get(reverse("petitions:detail", args=[petition.pk]))
    assert page.context["attachment_form"] is None
    assert reverse("petitions:attachment_add", args=[petition.pk]) not in page.content.decode()


def test_download_needs_sign_in_and_get(world: World, petition: Petition) -> None:
    attachment = attachment_add(
        actor=world.user("office"), petition=petition, upload=SimpleUploadedFile("a.pdf", PDF_BYTES)
    )
    anonymous = Client().get(download_url(petition, attachment))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    assert as_user(world, "office").post(download_url(petition, attachment)).status_code == 405


def test_file_missing_from_storage_is_404_and_not_audited(world: World, petition: Petition) -> None:
    attachment = attachment_add(
        actor=world.user("office"), petition=petition, upload=SimpleUploadedFile("a.pdf", PDF_BYTES)
    )
    attachment.file.storage.delete(attachment.file.name)
    assert as_user(world, "office").get(download_url(petition, attachment)).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW_PERSONAL).exists()


def test_api_download_is_audited_too(world: World, petition: Petition) -> None:
    attachment = attachment_add(
        actor=world.user("office"), petition=petition, upload=SimpleUploadedFile("a.pdf", PDF_BYTES)
    )
    response = as_user(world, "leader").get(f"/api/petitions/{petition.pk}/attachments/{attachment.pk}")
    assert response.status_code == 200 and isinstance(response, FileResponse)
    assert b"".join(response.streaming_content) == PDF_BYTES
    audit = AuditEvent.objects.get(action=AuditAction.VIEW_PERSONAL)
    assert audit.actor == world.user("leader") and audit.note == "download"
    assert audit.changes == {"fields": ["attachment"]}


def _detail_queries(client: Client, petition: Petition) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("petitions:detail", args=[petition.pk])).status_code == 200
    return len(ctx.captured_queries)


def test_detail_page_query_count_does_not_grow_with_attachments(world: World, petition: Petition) -> None:
    client = as_user(world, "office")

    def attach(role: str, n: int) -> None:
        for i in range(n):
            attachment_add(
                actor=world.user(role), petition=petition, upload=SimpleUploadedFile(f"{i}.pdf", PDF_BYTES)
            )

    attach("office", 1)
    _detail_queries(client, petition)  # warm-up: session and permission look-ups settle
    few = _detail_queries(client, petition)
    for role in ("leader", "mediator", "admin"):
        attach(role, 2)
    assert _detail_queries(client, petition) == few
    assert len(client.get(reverse("petitions:detail", args=[petition.pk])).context["attachments"]) == 7
