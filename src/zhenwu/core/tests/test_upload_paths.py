"""Every upload path refuses what must not be stored, and downloads are served safely.

Petition attachments, notice attachments and plan evidence share one checker
(``petitions.attachments.attachment_check``); hazard photos are decoded and re-encoded
(``core.images``). Each path is fed the same hostile files: programs (MZ, ELF), scripts, HTML and
SVG behind innocent names, and a file over the limit. What is stored gets a random name with no
part of the user's; downloads carry Content-Disposition with an RFC 5987 name, nosniff and a
sandboxing CSP; path tricks in names and in download URLs get nowhere.
"""

import re
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from zhenwu.core.exceptions import ValidationFailed
from zhenwu.core.images import image_prepare
from zhenwu.petitions.attachments import attachment_add, attachment_check
from zhenwu.petitions.services import petition_accept
from zhenwu.petitions.tests.factories import at, register
from zhenwu.testing.object_access import content_of
from zhenwu.testing.world import World

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
HOSTILE = {
    "windows program": ("说明.pdf", b"MZ\x90\x00" + b"\x00" * 60),
    "linux program": ("readme.txt", b"\x7fELF\x02\x01\x01" + b"\x00" * 60),
    "shell script": ("notes.txt", b"#!/bin/sh\nrm -rf /\n"),
    "html": ("report.txt", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"),
    "html fragment": ("letter.txt", b"Dear office,\n<script>fetch('/api/petitions')</script>"),
    "svg": ("photo.txt", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'),
    "xml": ("data.txt", b'<?xml version="1.0"?><x/>'),
    "html as pdf": ("scan.pdf", b"<html><body>hi</body></html>"),
    "pdf named exe": ("setup.exe", PDF),
    "pdf named html": ("page.html", PDF),
    "empty": ("empty.pdf", b""),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_the_shared_checker_refuses_hostile_files(case: str) -> None:
    name, data = HOSTILE[case]
    with pytest.raises(ValidationFailed):
        attachment_check(name=name, data=data)


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_photos_refuse_hostile_files(case: str) -> None:
    with pytest.raises(ValidationFailed):
        image_prepare(HOSTILE[case][1])


def test_the_size_limit_is_enforced_by_every_path(settings: Any) -> None:
    settings.ZHENWU_MAX_ATTACHMENT_BYTES = 1024
    with pytest.raises(ValidationFailed):
        attachment_check(name="big.pdf", data=PDF + b"0" * 2048)
    assert attachment_check(name="small.pdf", data=PDF).extension == ".pdf"


@pytest.fixture
def petition_id(world: World, tmp_path: Path, settings: Any) -> int:
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(at("2026-03-02"), tick=False):
        office = world.user("office")
        return petition_accept(actor=office, petition=register(office, world.township)[0]).pk


@pytest.mark.parametrize(
    "name",
    ["../../../../etc/passwd.pdf", "/etc/shadow.pdf", "..\\..\\win.ini.pdf", "a\x00b.pdf", "张三身份证.pdf"],
)
def test_stored_names_are_random_and_inside_the_media_root(
    world: World, petition_id: int, settings: Any, name: str
) -> None:
    from zhenwu.petitions.models import Petition

    petition = Petition.objects.get(pk=petition_id)
    attachment = attachment_add(
        actor=world.user("office"), petition=petition, upload=SimpleUploadedFile(name, PDF)
    )
    stored = Path(attachment.file.path).resolve()
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", stored.name), stored.name
    assert "/" not in attachment.original_name and "\\" not in attachment.original_name
    assert "\x00" not in attachment.original_name and ".." not in attachment.original_name


def test_downloads_carry_disposition_with_an_rfc5987_name_and_nosniff(world: World, petition_id: int) -> None:
    from zhenwu.petitions.models import Petition

    petition = Petition.objects.get(pk=petition_id)
    attachment = attachment_add(
        actor=world.user("office"), petition=petition, upload=SimpleUploadedFile('信访"材料";.pdf', PDF)
    )
    client = Client()
    client.force_login(world.user("office"))
    for url in (
        f"/petitions/{petition.pk}/attachments/{attachment.pk}/",
        f"/api/petitions/{petition.pk}/attachments/{attachment.pk}",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment;"), url
        assert "filename*=utf-8''" in disposition.lower(), disposition
        assert "%E4%BF%A1%E8%AE%BF" in disposition, disposition  # 信访, percent-encoded UTF-8
        # The plain fallback is one quoted string: the name's own quote cannot end it early.
        assert re.search(r'filename="[^"\\]*";', disposition) or "filename=" not in disposition.replace(
            "filename*=", ""
        ), disposition
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Type"] == "application/pdf"
        assert "sandbox" in response["Content-Security-Policy"]
        assert content_of(response) == PDF


@pytest.mark.parametrize(
    "url",
    [
        "/petitions/{pk}/attachments/..%2F..%2Fsecret_key/",
        "/petitions/{pk}/attachments/../../../var/secret_key",
        "/petitions/{pk}/attachments/%00/",
        "/petitions/{pk}/attachments/-1/",
        "/api/petitions/{pk}/attachments/..%2F..%2Fsecret_key",
        "/api/petitions/{pk}/attachments/%2Fetc%2Fpasswd",
        "/api/petitions/{pk}/attachments/1%00",
        "/plans/evidence/..%2F..%2Fsecret_key/",
        "/safety/hazards/1/photos/%2Fetc%2Fpasswd/",
        "/files/petitions/attachments/",
        "/media/petitions/attachments/",
        "/static/../var/secret_key",
    ],
)
def test_path_tricks_in_download_urls_get_nowhere(world: World, petition_id: int, url: str) -> None:
    client = Client()
    client.force_login(world.user("admin"))
    response = client.get(url.format(pk=petition_id))
    assert response.status_code in (400, 404, 422), url
    body = content_of(response)
    assert b"%PDF" not in body and b"root:" not in body
