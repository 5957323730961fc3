"""Small real and disguised files for the upload tests (built in memory, no fixtures on disk)."""

from __future__ import annotations

import io
import zipfile

from openpyxl import Workbook
from PIL import Image

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200


def zip_bytes(files: dict[str, bytes]) -> bytes:
    """A ZIP archive holding ``files``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx(*, macros: bool = False) -> bytes:
    """A minimal Word document (what python-docx or Word would write, trimmed)."""
    main = (
        b"application/vnd.ms-word.document.macroEnabled.main+xml"
        if macros
        else b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    )
    files = {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        b'<Override PartName="/word/document.xml" ContentType="' + main + b'"/></Types>',
        "_rels/.rels": b"<Relationships/>",
        "word/document.xml": b"<w:document/>",
    }
    if macros:
        files["word/vbaProject.bin"] = b"\x00" * 10
    return zip_bytes(files)


def xlsx() -> bytes:
    """A workbook written by openpyxl."""
    workbook = Workbook()
    workbook.active["A1"] = "hello"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def png(size: tuple[int, int] = (20, 10)) -> bytes:
    """A small PNG."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_with_exif(*, orientation: int = 1) -> bytes:
    """A JPEG carrying GPS-like EXIF data and an orientation tag."""
    image = Image.new("RGB", (40, 20), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0112] = orientation  # Orientation
    exif[0x8825] = {2: (39.0, 54.0, 0.0)}  # GPSInfo: GPSLatitude
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()
