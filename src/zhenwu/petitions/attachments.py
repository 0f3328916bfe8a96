"""Files attached to a matter: checked by their content, stored under a random name, read back in scope.

What a file is comes from its first bytes (and, for Office files, the names inside the container),
never from its name or the browser's Content-Type; a name that claims another type is refused, so
``evil.pdf`` holding HTML never reaches a colleague's browser. Executables, scripts, markup (HTML,
SVG, XML) and archives other than Office documents are refused. The stored file gets a random name
and the extension of the detected type; the original name is kept only as text, without any path.
"""

import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from zhenwu.core.audit import audit_record
from zhenwu.core.choices import AuditAction
from zhenwu.core.exceptions import NotFound, PermissionRefused, ValidationFailed
from zhenwu.core.models import User
from zhenwu.core.scoping import Action
from zhenwu.core.services.common import validated
from zhenwu.petitions.choices import EventKind
from zhenwu.petitions.models import Attachment, Petition
from zhenwu.petitions.selectors import access_petition, petition_list
from zhenwu.petitions.services import petition_event_add

#: Default upper limit of one attachment (bytes); ``settings.ZHENWU_MAX_ATTACHMENT_BYTES`` overrides it.
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
#: Longest original name kept (the model's column).
MAX_NAME_LENGTH = 200
#: Name kept when the upload's name is empty or nothing but path parts.
FALLBACK_NAME = "attachment"


@dataclass(frozen=True)
class FileKind:
    """A type of file we accept: its stored extension, its MIME type and the names that may carry it."""

    extension: str
    content_type: str
    name_extensions: frozenset[str]


PDF = FileKind(".pdf", "application/pdf", frozenset({".pdf"}))
PNG = FileKind(".png", "image/png", frozenset({".png"}))
JPEG = FileKind(".jpg", "image/jpeg", frozenset({".jpg", ".jpeg", ".jpe"}))
GIF = FileKind(".gif", "image/gif", frozenset({".gif"}))
DOCX = FileKind(
    ".docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    frozenset({".docx"}),
)
XLSX = FileKind(
    ".xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    frozenset({".xlsx"}),
)
DOC = FileKind(".doc", "application/msword", frozenset({".doc"}))
XLS = FileKind(".xls", "application/vnd.ms-excel", frozenset({".xls"}))
TEXT = FileKind(".txt", "text/plain; charset=utf-8", frozenset({".txt", ".csv", ".log"}))
#: Every kind accepted (the API documents a download's possible content types from it).
ACCEPTED_KINDS = (PDF, PNG, JPEG, GIF, DOCX, XLSX, DOC, XLS, TEXT)

#: Leading bytes of executables: Windows PE (MZ), ELF, scripts (#!), Mach-O, Java class / fat Mach-O.
EXECUTABLE_MAGIC = (
    b"MZ",
    b"\x7fELF",
    b"#!",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
)
IMAGE_MAGIC = (
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
)
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
UTF8_BOM = b"\xef\xbb\xbf"
#: Markup that a browser would render or run; refused inside "plain text" too.
MARKUP = re.compile(
    rb"<\s*(?:!doctype|html|head|body|script|iframe|svg|object|embed|meta|\?xml|xml)\b", re.IGNORECASE
)
#: Control characters that plain text never holds (tab, newlines and form feed are fine).
BINARY_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def max_attachment_bytes() -> int:
    return int(getattr(settings, "ZHENWU_MAX_ATTACHMENT_BYTES", DEFAULT_MAX_BYTES))


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed(message, code="attachment_refused", errors={"file": [message]})


def _too_large(limit: int) -> ValidationFailed:
    return _refuse(_("The file is larger than %(mb)s MB.") % {"mb": f"{limit / (1024 * 1024):g}"})


def attachment_safe_name(name: str) -> str:
    """The file name without any directory part or control character, at most 200 characters.

    ``../../etc/passwd`` -> ``passwd``; ``C:\\Users\\a\\信访材料.pdf`` -> ``信访材料.pdf``.
    """
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".").strip()
    if not name:
        return FALLBACK_NAME
    if len(name) > MAX_NAME_LENGTH:
        suffix = PurePosixPath(name).suffix
        suffix = suffix if len(suffix) <= 16 else ""
        name = name[: MAX_NAME_LENGTH - len(suffix)] + suffix
    return name


def _office_kind(data: bytes) -> FileKind:
    """DOCX or XLSX by the parts inside the zip; any other archive (or a macro-enabled one) is refused."""
    try:
        with zipfile.ZipFile(ContentFile(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _refuse(_("This archive is damaged.")) from None
    if "[Content_Types].xml" in names and not any(n.endswith("vbaProject.bin") for n in names):
        if "word/document.xml" in names:
            return DOCX
        if "xl/workbook.xml" in names:
            return XLSX
    raise _refuse(_("Archives are not accepted; attach the documents themselves."))


def _ole_kind(data: bytes) -> FileKind:
    """Old Word or Excel by the stream names in the compound file (an MSI installer is OLE too)."""
    if "WordDocument".encode("utf-16-le") in data:
        return DOC
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") + b"\x00\x00" in data:
        return XLS
    raise _refuse(_("This type of file is not accepted."))


def _text_kind(data: bytes) -> FileKind:
    body = data.removeprefix(UTF8_BOM)
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise _refuse(_("This type of file is not accepted.")) from None
    if BINARY_CONTROL.search(body):
        raise _refuse(_("This type of file is not accepted."))
    if MARKUP.search(body):
        raise _refuse(_("Web pages, scripts and markup files are not accepted."))
    return TEXT


def attachment_detect(data: bytes) -> FileKind:
    """The kind of file ``data`` is, from its content alone; raise ValidationFailed if not accepted."""
    if data.startswith(EXECUTABLE_MAGIC):
        raise _refuse(_("Programs and scripts are not accepted."))
    for magic, kind in IMAGE_MAGIC:
        if data.startswith(magic):
            return kind
    if data.startswith(ZIP_MAGIC):
        return _office_kind(data)
    if data.startswith(OLE_MAGIC):
        return _ole_kind(data)
    return _text_kind(data)


def attachment_check(*, name: str, data: bytes) -> FileKind:
    """Size, content and name agree, else ValidationFailed with a message for the ``file`` field."""
    limit = max_attachment_bytes()
    if len(data) > limit:
        raise _too_large(limit)
    if not data:
        raise _refuse(_("The file is empty."))
    kind = attachment_detect(data)
    extension = PurePosixPath(name.lower()).suffix
    if extension and extension not in kind.name_extensions:
        raise _refuse(_("The file's name does not match its content."))
    return kind


def _require_on_matter(actor: User, petition: Petition) -> None:
    """Whoever handles or manages the matter may attach files (oversight is read-only)."""
    if not petition_list(user=actor, action=Action.PETITION_HANDLE).filter(pk=petition.pk).exists():
        raise PermissionRefused()


def attachment_add(*, actor: User, petition: Petition, upload: UploadedFile) -> Attachment:
    """Check and store one uploaded file with the matter; one timeline event and one audit row."""
    _require_on_matter(actor, petition)
    limit = max_attachment_bytes()
    if upload.size is not None and upload.size > limit:
        raise _too_large(limit)  # refused before reading: a huge upload is not pulled into memory
    data = upload.read(limit + 1)
    original_name = attachment_safe_name(upload.name or "")
    kind = attachment_check(name=original_name, data=data)
    attachment = Attachment(
        petition=petition,
        original_name=original_name,
        content_type=kind.content_type,
        size=len(data),
        uploaded_by=actor,
    )
    attachment.file.save(uuid.uuid4().hex + kind.extension, ContentFile(data), save=False)
    try:
        return _attachment_record(actor=actor, petition=petition, attachment=attachment)
    except BaseException:
        # Nothing half-saved: the file goes when the row does not come.
        attachment.file.storage.delete(attachment.file.name)
        raise


@transaction.atomic
def _attachment_record(*, actor: User, petition: Petition, attachment: Attachment) -> Attachment:
    validated(attachment)
    attachment.save()
    petition_event_add(
        petition,
        actor=actor,
        kind=EventKind.NOTE,
        occurred_at=attachment.uploaded_at,
        data={"attachment": attachment.pk, "size": attachment.size, "content_type": attachment.content_type},
    )
    # The file's name may carry a resident's name: the audit row says which matter and what type.
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=attachment,
        object_repr=f"{petition.number} #{attachment.pk}",
        unit=petition.unit,
        changes={
            "petition": [None, petition.number],
            "content_type": [None, attachment.content_type],
            "size": [None, attachment.size],
        },
    )
    return attachment


def access_attachment(user: User, petition_id: int | str, attachment_id: int | str) -> Attachment:
    """One attachment of a matter the user may see, else NotFound (existence not revealed)."""
    petition = access_petition(user, petition_id, Action.PETITION_VIEW)
    try:
        return Attachment.objects.select_related("petition").get(pk=attachment_id, petition=petition)
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def attachment_open(attachment: Attachment) -> File:
    """The stored file, open for binary reading; a file missing from storage is a NotFound."""
    try:
        stored: File = attachment.file.storage.open(attachment.file.name, "rb")
    except FileNotFoundError:
        raise NotFound() from None
    return stored


@transaction.atomic
def attachment_download(
    *, actor: User, petition: Petition, attachment_id: int | str
) -> tuple[Attachment, File]:
    """One attachment of a matter in the actor's scope, open for reading; every download is audited.

    Scanned letters and photos often show ID cards, so each copy taken is recorded as a view of
    personal data (as a notice's download is). Out of scope, or not this matter's: NotFound.
    """
    attachment = access_attachment(actor, petition.pk, attachment_id)  # same matter, scope re-checked
    # The original name may carry a resident's name: the audit row names the matter and the id only.
    audit_record(
        actor=actor,
        action=AuditAction.VIEW_PERSONAL,
        obj=attachment,
        object_repr=f"{petition.number} #{attachment.pk}",
        unit=petition.unit,
        changes={"fields": ["attachment"]},
        note="download",
    )
    # A file gone from storage raises NotFound here, which takes the audit row back with it.
    return attachment, attachment_open(attachment)
