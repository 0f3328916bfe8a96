"""Photos (hazard photos from the safety app): checked by content, re-encoded without metadata, thumbnailed.

What a photo is comes from its content alone: Pillow must recognise it as JPEG, PNG, WebP or GIF,
pass ``verify()`` and then decode it in full; the name and the browser's Content-Type say nothing.
PDFs, web pages, SVG, programs, truncated or damaged files are refused, and so are images with more
pixels than we are willing to decode (decompression bombs: a few KB that unpack to gigabytes).

The stored picture is decoded and encoded again, never kept as uploaded. Photos taken with a phone
carry EXIF data: the GPS position where the photo was taken, the time, the make, model and serial
of the device, often a thumbnail of the uncropped picture; files may also carry comments, XMP and
colour profiles. That is data about the person taking the photo, not about the hazard; we keep the
picture and none of that. The EXIF orientation is applied to the pixels first, so the photo still
shows upright. Only the first frame of an animated image is kept.
"""

import io
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from zhenwu.core.exceptions import ValidationFailed

#: Pillow formats we accept (Pillow's names); a multi-picture JPEG from a phone opens as "MPO".
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
#: What each accepted format is stored as: Pillow format, MIME type, extension.
STORED_AS = {
    "JPEG": ("JPEG", "image/jpeg", ".jpg"),
    "MPO": ("JPEG", "image/jpeg", ".jpg"),
    "PNG": ("PNG", "image/png", ".png"),
    "WEBP": ("WEBP", "image/webp", ".webp"),
    "GIF": ("GIF", "image/gif", ".gif"),
}
#: Default upper limit of one photo (bytes); ``settings.ZHENWU_MAX_IMAGE_BYTES`` overrides it.
MAX_IMAGE_BYTES = 15 * 1024 * 1024
#: Most pixels decoded (a 48-megapixel phone camera bins to 12 MP; 40 MP leaves room for more).
MAX_PIXELS = 40_000_000
#: Quality of re-encoded JPEG and WebP photos and of every thumbnail.
QUALITY = 85
#: Longest side of a thumbnail, in pixels.
THUMBNAIL_SIDE = 480
#: Modes each stored format is written in as they are; any other mode is converted first.
KEPT_MODES = {
    "JPEG": frozenset({"L", "RGB"}),
    "PNG": frozenset({"1", "L", "LA", "RGB", "RGBA"}),
    "WEBP": frozenset({"RGB", "RGBA"}),
    "GIF": frozenset({"L", "P"}),
}
#: Modes whose transparency lives in ``info`` (a colour or palette index), not in an alpha channel.
INFO_TRANSPARENCY_MODES = frozenset({"1", "L", "RGB", "P"})


@dataclass(frozen=True)
class CheckedImage:
    """A photo that passed the checks: the bytes to store (no metadata) and a JPEG thumbnail."""

    data: bytes
    content_type: str
    extension: str
    width: int
    height: int
    thumbnail: bytes
    thumbnail_width: int
    thumbnail_height: int


def max_image_bytes() -> int:
    return int(getattr(settings, "ZHENWU_MAX_IMAGE_BYTES", MAX_IMAGE_BYTES))


def _not_an_image() -> ValidationFailed:
    message = _("This file is not a photo (JPEG, PNG or WebP).")
    return ValidationFailed(message, code="not_an_image", errors={"photo": [message]})


def _too_large(message: str) -> ValidationFailed:
    return ValidationFailed(message, code="image_too_large", errors={"photo": [message]})


def _too_many_bytes(limit: int) -> ValidationFailed:
    return _too_large(_("The photo is larger than %(mb)s MB.") % {"mb": f"{limit / (1024 * 1024):g}"})


def _too_many_pixels() -> ValidationFailed:
    return _too_large(_("The photo has more than %(mp)s megapixels.") % {"mp": f"{MAX_PIXELS / 1_000_000:g}"})


def _open(data: bytes) -> Image.Image:
    """Open (header only) as one of the accepted formats; refuse more than MAX_PIXELS before decoding."""
    image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    width, height = image.size
    if width < 1 or height < 1:
        raise _not_an_image()
    if width * height > MAX_PIXELS:
        raise _too_many_pixels()
    return image


def _decode(data: bytes) -> Image.Image:
    """The first frame, fully decoded; any failure of Pillow on this input is a refusal."""
    try:
        _open(data).verify()  # structure and checksums, without decoding; the object is unusable after
        image = _open(data)
        image.load()
    except ValidationFailed:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own global limit (only reached above ours if someone lowers it, or with -W error).
        raise _too_many_pixels() from None
    except Exception:
        # Hostile or damaged input makes Pillow's parsers raise many kinds of error (OSError for
        # unknown or truncated files, SyntaxError for bad PNG chunks, ValueError, struct.error,
        # EOFError, ...): any of them means this is not a photo we accept.
        raise _not_an_image() from None
    if image.format not in STORED_AS:
        raise _not_an_image()
    return image


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _clean(image: Image.Image, target: str) -> Image.Image:
    """The picture in a mode the target format writes, with no metadata at all (EXIF, XMP, comments, ICC).

    ``image`` is ours to change (a fresh copy from ``exif_transpose``), so it is not copied again.
    """
    mode = image.mode
    if target == "GIF":
        mode = mode if mode in KEPT_MODES["GIF"] else "P"
    elif target == "JPEG":
        mode = mode if mode in KEPT_MODES["JPEG"] else "RGB"
    elif mode not in KEPT_MODES[target] or (_has_alpha(image) and mode in INFO_TRANSPARENCY_MODES):
        # Transparency kept only in ``info`` goes into an alpha channel before ``info`` is emptied.
        mode = "RGBA" if _has_alpha(image) else "RGB"
    if mode != image.mode:
        image = image.convert(mode)
    # The encoders read comments, ICC profiles and more from ``info``; only a GIF's transparent
    # palette index is picture rather than metadata.
    transparency = image.info.get("transparency") if target == "GIF" else None
    image.info = {} if transparency is None else {"transparency": transparency}
    return image


def _encode(image: Image.Image, target: str) -> bytes:
    buffer = io.BytesIO()
    if target in ("JPEG", "WEBP"):
        image.save(buffer, format=target, quality=QUALITY)
    else:
        image.save(buffer, format=target)
    return buffer.getvalue()


def _thumbnail(image: Image.Image, side: int) -> Image.Image:
    """RGB, at most ``side`` on the longest side; transparency is flattened on white."""
    if _has_alpha(image):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
    else:
        flat = image.convert("RGB")
    flat.thumbnail((side, side), Image.Resampling.LANCZOS)
    flat.info = {}
    return flat


def image_prepare(data: bytes, *, thumbnail_side: int = THUMBNAIL_SIDE) -> CheckedImage:
    """Check ``data`` is a photo by its content and return it re-encoded without metadata, with a thumbnail.

    Refusals are ValidationFailed for the ``photo`` field: ``image_too_large`` (bytes or pixels) or
    ``not_an_image`` (anything else: other types, damaged, truncated or empty files).
    """
    limit = max_image_bytes()
    if len(data) > limit:
        raise _too_many_bytes(limit)
    if not data:
        raise _not_an_image()
    decoded = _decode(data)
    target, content_type, extension = STORED_AS[str(decoded.format)]
    try:
        upright = ImageOps.exif_transpose(decoded)
        small = _thumbnail(upright, thumbnail_side)  # before _clean, which may change ``upright``
        thumbnail_bytes = _encode(small, "JPEG")
        stored = _clean(upright, target)
        stored_bytes = _encode(stored, target)
    except (OSError, ValueError, SyntaxError):
        # A broken EXIF block or an unusual mode Pillow cannot convert: refused rather than kept raw.
        raise _not_an_image() from None
    return CheckedImage(
        data=stored_bytes,
        content_type=content_type,
        extension=extension,
        width=stored.width,
        height=stored.height,
        thumbnail=thumbnail_bytes,
        thumbnail_width=small.width,
        thumbnail_height=small.height,
    )


def image_upload_read(upload: UploadedFile, limit: int | None = None) -> bytes:
    """The upload's bytes: refused by its declared size before reading; at most ``limit`` + 1 bytes read."""
    limit = max_image_bytes() if limit is None else limit
    if upload.size is not None and upload.size > limit:
        raise _too_many_bytes(limit)  # refused before reading: a huge upload is not pulled into memory
    data: bytes = upload.read(limit + 1)
    if len(data) > limit:
        raise _too_many_bytes(limit)
    return data
