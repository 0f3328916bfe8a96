"""Photos: accepted by content only, upright, stored without metadata, thumbnailed; the rest refused."""

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image, ImageOps

from zhenwu.core import images
from zhenwu.core.exceptions import ValidationFailed

PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
HTML_BYTES = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG_BYTES = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<script>alert(1)</script><rect width="10" height="10" fill="red"/></svg>'
)
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program"

# EXIF tags (TIFF numbering).
MAKE, MODEL, ORIENTATION, GPS_IFD = 0x010F, 0x0110, 0x0112, 0x8825
GPS_LATITUDE_REF, GPS_LATITUDE, GPS_LONGITUDE_REF, GPS_LONGITUDE = 1, 2, 3, 4


def photo(fmt: str, size: tuple[int, int] = (64, 48), mode: str = "RGB", **save: object) -> bytes:
    """An image made in memory: left half red, right half blue (so orientation can be seen)."""
    image = Image.new(mode, size, "red" if mode != "1" else 1)
    if mode != "1":
        image.paste("blue", (size[0] // 2, 0, size[0], size[1]))
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **save)
    return buffer.getvalue()


def phone_exif(orientation: int = 1) -> Image.Exif:
    """EXIF as a phone writes it: device make and model, orientation and a GPS position."""
    exif = Image.Exif()
    exif[MAKE] = "PhoneMaker"
    exif[MODEL] = "Pocket 15 Pro"
    exif[ORIENTATION] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[GPS_LATITUDE_REF] = "N"
    gps[GPS_LATITUDE] = (30.0, 15.0, 12.5)
    gps[GPS_LONGITUDE_REF] = "E"
    gps[GPS_LONGITUDE] = (120.0, 9.0, 30.0)
    return exif


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def refused(data: bytes) -> str:
    with pytest.raises(ValidationFailed) as caught:
        images.image_prepare(data)
    assert caught.value.errors["photo"] == [str(caught.value.message)]
    return caught.value.code


@pytest.mark.parametrize(
    ("fmt", "content_type", "extension"),
    [
        ("JPEG", "image/jpeg", ".jpg"),
        ("PNG", "image/png", ".png"),
        ("WEBP", "image/webp", ".webp"),
        ("GIF", "image/gif", ".gif"),
    ],
)
def test_accepted_formats(fmt: str, content_type: str, extension: str) -> None:
    checked = images.image_prepare(photo(fmt, (64, 48)))
    assert (checked.content_type, checked.extension) == (content_type, extension)
    assert (checked.width, checked.height) == (64, 48)
    stored = opened(checked.data)
    assert stored.format == fmt
    assert stored.size == (64, 48)


def test_type_comes_from_content_not_from_the_caller() -> None:
    """A PNG is stored as a PNG whatever it was called; there is no name to trust or to check."""
    checked = images.image_prepare(photo("PNG"))
    assert checked.content_type == "image/png"
    assert checked.data.startswith(b"\x89PNG\r\n\x1a\n")


def test_exif_orientation_is_applied_to_the_pixels() -> None:
    """Orientation 6 (turn 90° clockwise to view): a 20x10 sensor image is stored as a 10x20 photo."""
    data = photo("JPEG", (20, 10), exif=phone_exif(orientation=6).tobytes())
    checked = images.image_prepare(data)
    assert (checked.width, checked.height) == (10, 20)
    stored = opened(checked.data)
    assert stored.size == (10, 20)
    assert ORIENTATION not in stored.getexif()  # not applied twice by a viewer
    # The red half (left of the sensor image) is now on top.
    top, bottom = stored.convert("RGB").getpixel((5, 2)), stored.convert("RGB").getpixel((5, 17))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 200 and top[2] < 60
    assert bottom[2] > 200 and bottom[0] < 60
    assert (checked.thumbnail_width, checked.thumbnail_height) == (10, 20)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_gps_and_device_data_are_removed(fmt: str) -> None:
    data = photo(fmt, exif=phone_exif().tobytes())
    before = opened(data).getexif()
    assert before[MODEL] == "Pocket 15 Pro"
    assert before.get_ifd(GPS_IFD)  # the test really has a GPS position to lose

    checked = images.image_prepare(data)
    stored = opened(checked.data)
    assert not stored.getexif()
    assert not stored.getexif().get_ifd(GPS_IFD)
    assert "exif" not in stored.info
    for text in (b"PhoneMaker", b"Pocket 15 Pro", b"Exif"):
        assert text not in checked.data
        assert text not in checked.thumbnail


def test_comments_xmp_and_colour_profile_are_removed() -> None:
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description Owner="Zhang San"/></x:xmpmeta>'
    data = photo("JPEG", comment=b"taken by Zhang San", xmp=xmp, icc_profile=b"\x00" * 64 + b"DEVICE")
    assert b"Zhang San" in data
    checked = images.image_prepare(data)
    stored = opened(checked.data)
    assert not {"comment", "xmp", "icc_profile", "exif"} & set(stored.info)
    assert b"Zhang San" not in checked.data
    assert b"DEVICE" not in checked.data


def test_png_text_chunks_are_removed() -> None:
    from PIL import PngImagePlugin

    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "Zhang San")
    checked = images.image_prepare(photo("PNG", pnginfo=text))
    assert b"Zhang San" not in checked.data


def test_cmyk_jpeg_is_stored_as_rgb() -> None:
    checked = images.image_prepare(photo("JPEG", mode="CMYK"))
    assert opened(checked.data).mode == "RGB"


def test_transparency_is_kept_in_the_photo_and_flattened_on_white_in_the_thumbnail() -> None:
    image = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    image.paste((0, 0, 255, 255), (20, 0, 40, 40))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    checked = images.image_prepare(buffer.getvalue())
    stored = opened(checked.data)
    assert stored.mode == "RGBA"
    assert stored.getpixel((5, 5)) == (0, 0, 0, 0)
    thumb = opened(checked.thumbnail)
    assert thumb.mode == "RGB"
    pixel = thumb.getpixel((5, 5))
    assert isinstance(pixel, tuple)
    assert min(pixel) > 240  # white, not black


@pytest.mark.parametrize(("mode", "fmt"), [("P", "PNG"), ("LA", "PNG"), ("LA", "WEBP"), ("L", "JPEG")])
def test_other_modes_are_converted(mode: str, fmt: str) -> None:
    source = Image.new("RGB", (30, 20), "green")
    if mode == "P":
        image = source.convert("P")
    elif mode == "LA":
        image = source.convert("LA")
    else:
        image = source.convert("L")
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    checked = images.image_prepare(buffer.getvalue())
    assert (checked.width, checked.height) == (30, 20)
    assert opened(checked.data).format == fmt
    assert opened(checked.thumbnail).mode == "RGB"


def test_thumbnail_is_a_jpeg_with_longest_side_480() -> None:
    checked = images.image_prepare(photo("JPEG", (2000, 1000)))
    thumb = opened(checked.thumbnail)
    assert thumb.format == "JPEG"
    assert thumb.mode == "RGB"
    assert thumb.size == (checked.thumbnail_width, checked.thumbnail_height) == (480, 240)
    assert (checked.width, checked.height) == (2000, 1000)


def test_thumbnail_side_can_be_chosen_and_small_photos_are_not_enlarged() -> None:
    checked = images.image_prepare(photo("PNG", (300, 600)), thumbnail_side=120)
    assert (checked.thumbnail_width, checked.thumbnail_height) == (60, 120)
    small = images.image_prepare(photo("PNG", (30, 20)))
    assert (small.thumbnail_width, small.thumbnail_height) == (30, 20)


def test_phone_camera_photo_thumbnail_is_upright() -> None:
    data = photo("JPEG", (1200, 600), exif=phone_exif(orientation=6).tobytes())
    checked = images.image_prepare(data)
    assert (checked.thumbnail_width, checked.thumbnail_height) == (240, 480)


# Refusals -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [PDF_BYTES, HTML_BYTES, SVG_BYTES, EXE_BYTES, b"\x7fELF\x02\x01\x01" + b"\x00" * 60, b"just text\n"],
    ids=["pdf", "html", "svg", "exe", "elf", "text"],
)
def test_other_types_are_refused(data: bytes) -> None:
    assert refused(data) == "not_an_image"


def test_formats_pillow_reads_but_we_do_not_accept_are_refused() -> None:
    for fmt in ("BMP", "TIFF", "ICO"):
        assert refused(photo(fmt)) == "not_an_image"


def test_empty_file_is_refused() -> None:
    assert refused(b"") == "not_an_image"


def test_truncated_jpeg_is_refused() -> None:
    data = photo("JPEG", (400, 300))
    assert refused(data[: len(data) // 2]) == "not_an_image"


def test_truncated_png_is_refused() -> None:
    data = photo("PNG", (400, 300))
    assert refused(data[: len(data) - 30]) == "not_an_image"


def test_damaged_png_is_refused() -> None:
    data = bytearray(photo("PNG", (40, 30)))
    data[45] ^= 0xFF  # inside the IDAT data: the chunk's checksum no longer matches
    assert refused(bytes(data)) == "not_an_image"


def test_image_header_followed_by_html_is_refused() -> None:
    assert refused(b"\xff\xd8\xff\xe0" + HTML_BYTES) == "not_an_image"
    assert refused(b"\x89PNG\r\n\x1a\n" + HTML_BYTES) == "not_an_image"


def test_decompression_bomb_is_refused_before_decoding() -> None:
    """50 megapixels of one colour compress to a few KB; the pixel limit refuses them."""
    data = photo("PNG", (10_000, 5_000), mode="1")
    assert len(data) < 100_000
    assert refused(data) == "image_too_large"


def test_pixel_limit_can_be_lowered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(images, "MAX_PIXELS", 1_000)
    assert refused(photo("JPEG", (50, 50))) == "image_too_large"
    assert images.image_prepare(photo("JPEG", (20, 20))).width == 20


def png_declaring(width: int, height: int) -> bytes:
    """A PNG header claiming ``width`` x ``height`` with almost no data behind it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(("width", "height"), [(100_000, 100_000), (8_000, 6_000)])
def test_declared_huge_dimensions_are_refused(width: int, height: int) -> None:
    # 10^10 pixels is past Pillow's own bomb limit too; 48 MP only past ours.
    assert refused(png_declaring(width, height)) == "image_too_large"


def test_file_over_the_byte_limit_is_refused(settings) -> None:
    data = photo("PNG", (64, 64))
    settings.ZHENWU_MAX_IMAGE_BYTES = len(data) - 1
    assert refused(data) == "image_too_large"
    settings.ZHENWU_MAX_IMAGE_BYTES = len(data)
    assert images.image_prepare(data).content_type == "image/png"


def test_default_byte_limit_is_15_mb(settings) -> None:
    del settings.ZHENWU_MAX_IMAGE_BYTES
    assert images.max_image_bytes() == 15 * 1024 * 1024


def test_messages_are_for_the_photo_field() -> None:
    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        images.image_prepare(HTML_BYTES)
    assert caught.value.as_dict() == {
        "code": "not_an_image",
        "message": "This file is not a photo (JPEG, PNG or WebP).",
        "errors": {"photo": ["This file is not a photo (JPEG, PNG or WebP)."]},
    }


# Reading an upload --------------------------------------------------------------------------------


class CountingUpload(SimpleUploadedFile):
    """An upload that records how much was asked of read()."""

    asked: list[int | None]

    def read(self, size: int | None = -1) -> bytes:
        self.asked.append(size)
        data: bytes = super().read(size)
        return data


def test_upload_read_refuses_by_declared_size_before_reading() -> None:
    upload = CountingUpload("big.jpg", b"x" * 101, content_type="image/jpeg")
    upload.asked = []
    with pytest.raises(ValidationFailed) as caught:
        images.image_upload_read(upload, 100)
    assert caught.value.code == "image_too_large"
    assert upload.asked == []


def test_upload_read_reads_at_most_one_byte_over_the_limit() -> None:
    upload = CountingUpload("big.jpg", b"x" * 500, content_type="image/jpeg")
    upload.asked = []
    upload.size = None  # a stream whose size is not known in advance
    with pytest.raises(ValidationFailed) as caught:
        images.image_upload_read(upload, 100)
    assert caught.value.code == "image_too_large"
    assert upload.asked == [101]


def test_upload_read_then_prepare() -> None:
    data = photo("WEBP")
    upload = SimpleUploadedFile("IMG_0001.HEIC", data, content_type="application/octet-stream")
    read = images.image_upload_read(upload)
    assert read == data
    assert images.image_prepare(read).content_type == "image/webp"


def test_other_orientations_are_applied() -> None:
    """The stored pixels are what Pillow's own exif_transpose shows."""
    data = photo("PNG", (20, 10), exif=phone_exif(orientation=8).tobytes())
    expected = ImageOps.exif_transpose(opened(data))
    checked = images.image_prepare(data)
    assert opened(checked.data).size == expected.size == (10, 20)
