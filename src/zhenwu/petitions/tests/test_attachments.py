"""Attachments: type by content, refused types and names, random storage names, scoped download."""

import io
import re
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import FileResponse
from django.test import Client, override_settings

from zhenwu.core.choices import AuditAction, Role
from zhenwu.core.exceptions import PermissionRefused, ValidationFailed
from zhenwu.core.models import AuditEvent
from zhenwu.core.services.people import person_create
from zhenwu.petitions import attachments as a
from zhenwu.petitions.models import Attachment, Petition, PetitionEvent
from zhenwu.petitions.tests.factories import register
from zhenwu.testing.world import PASSWORD, World

PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program"
HTML_BYTES = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def png_bytes() -> bytes:
    """A real 1x1 red PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def zip_bytes(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


def ole_bytes(stream: str) -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + stream.encode("utf-16-le") + b"\x00\x00"


DOCX_BYTES = zip_bytes(["[Content_Types].xml", "_rels/.rels", "word/document.xml"])
XLSX_BYTES = zip_bytes(["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml"])


@pytest.fixture
def petition(world: World) -> Petition:
    petition, _code = register(world.user("office"), world.township)
    return petition


def upload(client: Client, petition: Petition, name: str, data: bytes, content_type: str = "") -> Any:
    file = SimpleUploadedFile(name, data, content_type=content_type or "application/octet-stream")
    return client.post(f"/api/petitions/{petition.pk}/attachments", {"file": file})


def as_user(world: World, role: str) -> Client:
    client = Client()
    client.force_login(world.user(role))
    return client


# --- detection by content -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (PDF_BYTES, a.PDF),
        (png_bytes(), a.PNG),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", a.JPEG),
        (b"GIF89a\x01\x00\x01\x00", a.GIF),
        (DOCX_BYTES, a.DOCX),
        (XLSX_BYTES, a.XLSX),
        (ole_bytes("WordDocument"), a.DOC),
        (ole_bytes("Workbook"), a.XLS),
        ("信访人反映：拖欠工资三个月。\n".encode(), a.TEXT),
        (b"\xef\xbb\xbfname,phone\n", a.TEXT),
    ],
)
def test_accepted_types_are_detected_by_content(data: bytes, kind: a.FileKind) -> None:
    assert a.attachment_detect(data) == kind


@pytest.mark.parametrize(
    "data",
    [
        EXE_BYTES,
        b"\x7fELF\x02\x01\x01\x00",
        b"#!/bin/sh\nrm -rf /\n",
        b"\xcf\xfa\xed\xfe\x07\x00\x00\x01",
        HTML_BYTES,
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        b"  <svg onload=alert(1)>",
        b"hello <script>alert(1)</script>",
        zip_bytes(["evil.exe"]),
        zip_bytes(["[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"]),  # macros
        b"PK\x03\x04 not really a zip",
        ole_bytes("\x05SummaryInformation"),  # an OLE file that is neither Word nor Excel (e.g. MSI)
        b"\x00\x01\x02\x03binary",
        b"\xff\xfe\x00\x00invalid utf-8 \xc3\x28",
    ],
)
def test_refused_content(data: bytes) -> None:
    with pytest.raises(ValidationFailed) as exc:
        a.attachment_detect(data)
    assert exc.value.code == "attachment_refused" and "file" in exc.value.errors


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("evil.pdf", HTML_BYTES),
        ("photo.pdf", png_bytes()),
        ("report.exe", PDF_BYTES),
        ("notes.html", b"plain words"),
        ("notes.js", b"alert(1)"),
        ("table.docx", XLSX_BYTES),
    ],
)
def test_name_must_match_content(name: str, data: bytes) -> None:
    with pytest.raises(ValidationFailed):
        a.attachment_check(name=name, data=data)


def test_names_without_extension_and_matching_names_pass() -> None:
    assert a.attachment_check(name="scan", data=PDF_BYTES) == a.PDF
    assert a.attachment_check(name="照片.JPEG", data=b"\xff\xd8\xff\xe0") == a.JPEG
    assert a.attachment_check(name="名单.csv", data=b"a,b\n") == a.TEXT


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("C:\\Users\\a\\信访材料.pdf", "信访材料.pdf"),
        ("/abs/path/扫描件.png", "扫描件.png"),
        ("..", "attachment"),
        ("", "attachment"),
        ("a\x00b\nc.txt", "abc.txt"),
        (".htaccess", "htaccess"),
        ("长" * 300 + ".pdf", "长" * 196 + ".pdf"),
    ],
)
def test_safe_names(raw: str, safe: str) -> None:
    assert a.attachment_safe_name(raw) == safe
    assert len(a.attachment_safe_name(raw)) <= 200


# --- the service ----------------------------------------------------------------------------------


def test_service_stores_under_random_name_with_event_and_audit(world: World, petition: Petition) -> None:
    file = SimpleUploadedFile("../../etc/passwd", "第一行\n".encode(), content_type="text/html")
    attachment = a.attachment_add(actor=world.user("office"), petition=petition, upload=file)
    assert attachment.original_name == "passwd"
    assert attachment.content_type == "text/plain; charset=utf-8"
    stored = Path(attachment.file.name)
    assert stored.parts[:2] == ("petitions", "attachments") and ".." not in stored.parts
    assert re.fullmatch(r"[0-9a-f]{32}\.txt", stored.name)
    on_disk = (Path(settings.MEDIA_ROOT) / stored).resolve()
    assert (
        on_disk.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
        and on_disk.read_bytes() == "第一行\n".encode()
    )
    event = PetitionEvent.objects.get(petition=petition, data__attachment=attachment.pk)
    assert event.actor == world.user("office") and not event.public
    audit = AuditEvent.objects.get(object_type="petitions.attachment", action=AuditAction.CREATE)
    assert "passwd" not in audit.object_repr and audit.changes["petition"] == [None, petition.number]


def test_refused_upload_leaves_no_row_and_no_file(world: World, petition: Petition) -> None:
    before = {p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()}
    with pytest.raises(ValidationFailed):
        a.attachment_add(
            actor=world.user("office"), petition=petition, upload=SimpleUploadedFile("evil.pdf", HTML_BYTES)
        )
    with pytest.raises(PermissionRefused):
        a.attachment_add(
            actor=world.user("oversight"), petition=petition, upload=SimpleUploadedFile("a.pdf", PDF_BYTES)
        )
    assert not Attachment.objects.exists()
    assert {p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()} == before


# --- the API: upload and download -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [("信访材料.pdf", PDF_BYTES, "application/pdf"), ("现场照片.png", png_bytes(), "image/png")],
)
def test_upload_and_download_identical(
    world: World, petition: Petition, name: str, data: bytes, content_type: str
) -> None:
    client = as_user(world, "office")
    response = upload(client, petition, name, data)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["original_name"] == name and body["content_type"] == content_type
    assert body["size"] == len(data) and body["uploaded_by"] == "王小红"
    listed = client.get(f"/api/petitions/{petition.pk}").json()["attachments"]
    assert [item["id"] for item in listed] == [body["id"]]

    download = client.get(f"/api/petitions/{petition.pk}/attachments/{body['id']}")
    assert download.status_code == 200
    assert isinstance(download, FileResponse)
    assert b"".join(download.streaming_content) == data
    assert download["Content-Type"] == content_type
    assert download["X-Content-Type-Options"] == "nosniff"
    disposition = download["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''" + "".join(f"%{b:02X}" for b in name.split(".")[0].encode()) in disposition


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("evil.pdf", HTML_BYTES),
        ("setup.exe", EXE_BYTES),
        ("invoice.pdf", EXE_BYTES),
        ("page.html", HTML_BYTES),
    ],
)
def test_dangerous_uploads_are_refused(world: World, petition: Petition, name: str, data: bytes) -> None:
    response = upload(as_user(world, "office"), petition, name, data, content_type="application/pdf")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "attachment_refused" and "file" in body["errors"]
    assert not Attachment.objects.exists()


@override_settings(ZHENWU_MAX_ATTACHMENT_BYTES=1024)
def test_oversize_upload_is_refused(world: World, petition: Petition) -> None:
    client = as_user(world, "office")
    response = upload(client, petition, "big.pdf", PDF_BYTES + b"%" * 1024)
    assert response.status_code == 400
    assert response.json()["code"] == "attachment_refused"
    assert upload(client, petition, "small.pdf", PDF_BYTES).status_code == 201


def test_missing_file_is_422_and_oversight_is_403(world: World, petition: Petition) -> None:
    client = as_user(world, "office")
    missing = client.post(f"/api/petitions/{petition.pk}/attachments", {})
    assert missing.status_code == 422 and missing.json()["code"] == "validation_failed"
    refused = upload(as_user(world, "oversight"), petition, "a.pdf", PDF_BYTES)
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"


def test_traversal_name_is_stored_safely_through_the_api(world: World, petition: Petition) -> None:
    response = upload(as_user(world, "office"), petition, "../../etc/passwd", b"root:x:0:0\n")
    assert response.status_code == 201, response.content
    attachment = Attachment.objects.get(pk=response.json()["id"])
    assert attachment.original_name == "passwd"
    assert not (Path(settings.MEDIA_ROOT).parent / "etc" / "passwd").exists()
    assert Path(attachment.file.path).resolve().is_relative_to(Path(settings.MEDIA_ROOT).resolve())


def test_download_out_of_scope_is_404(world: World, petition: Petition) -> None:
    attachment_id = upload(as_user(world, "office"), petition, "a.pdf", PDF_BYTES).json()["id"]
    stranger = person_create(
        actor=world.user("admin"),
        username="sq_office",
        full_name="周文",
        unit=world.other_township,
        role=Role.OFFICE,
        password=PASSWORD,
    )
    client = Client()
    client.force_login(stranger)
    response = client.get(f"/api/petitions/{petition.pk}/attachments/{attachment_id}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    # Another matter's id with this attachment's id: also 404.
    other, _ = register(world.user("office"), world.township, id_number="")
    mismatched = as_user(world, "office").get(f"/api/petitions/{other.pk}/attachments/{attachment_id}")
    assert mismatched.status_code == 404
    assert Client().get(f"/api/petitions/{petition.pk}/attachments/{attachment_id}").status_code == 401
