"""Recognising an uploaded file's real type from its bytes, and re-encoding images.

Used by :mod:`wadconf.services.uploads`. Each check raises a :class:`DomainError` with its
own code and translated message, so a refusal says *why*: a program, a web page, a bare
ZIP, macros, a ZIP bomb, a polyglot (a file that is two types at once), a damaged file.
"""

from __future__ import annotations

import io
import os
import zipfile
from enum import StrEnum
from typing import IO, Any

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from wadconf.services import DomainError


class UploadKind(StrEnum):
    """A file format accepted somewhere in the app."""

    PDF = "pdf"
    DOCX = "docx"
    XLSX = "xlsx"
    PPTX = "pptx"
    JPEG = "jpeg"
    PNG = "png"


#: What each kind is served as, and the file name endings that may carry it.
CONTENT_TYPES = {
    UploadKind.PDF: "application/pdf",
    UploadKind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    UploadKind.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    UploadKind.PPTX: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    UploadKind.JPEG: "image/jpeg",
    UploadKind.PNG: "image/png",
}
EXTENSIONS = {
    UploadKind.PDF: (".pdf",),
    UploadKind.DOCX: (".docx",),
    UploadKind.XLSX: (".xlsx",),
    UploadKind.PPTX: (".pptx",),
    UploadKind.JPEG: (".jpg", ".jpeg"),
    UploadKind.PNG: (".png",),
}
#: Attachments of plans and reports; materials add PPTX.
ATTACHMENT_KINDS = frozenset(
    {UploadKind.PDF, UploadKind.DOCX, UploadKind.XLSX, UploadKind.JPEG, UploadKind.PNG}
)
MATERIAL_KINDS = ATTACHMENT_KINDS | {UploadKind.PPTX}

#: OOXML: the main part that must exist and the content type [Content_Types].xml gives it.
_OOXML_MAIN = {
    UploadKind.DOCX: ("word/document.xml", b"wordprocessingml.document.main+xml"),
    UploadKind.XLSX: ("xl/workbook.xml", b"spreadsheetml.sheet.main+xml"),
    UploadKind.PPTX: ("ppt/presentation.xml", b"presentationml.presentation.main+xml"),
}
#: A ZIP may expand to this many bytes freely, beyond that to at most _ZIP_MAX_RATIO times its
#: own size (repetitive spreadsheets compress 50x and more), and hold at most so many entries.
_ZIP_FREE_BYTES = 64 * 1024 * 1024
_ZIP_MAX_RATIO = 100
_ZIP_MAX_ENTRIES = 10_000
#: Markup that makes a browser (or a careless viewer) treat bytes as a web page.
_MARKUP = (b"<!doctype", b"<html", b"<script", b"<svg", b"<?xml", b"<body", b"<head", b"<iframe")


def refuse(code: str, message: str, **params: Any) -> DomainError:
    """The refusal to raise: a :class:`DomainError` with a stable code."""
    return DomainError(code, message, **params)


def _looks_like_markup(head: bytes) -> bool:
    sample = head[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return any(sample.startswith(tag) for tag in _MARKUP) or b"<script" in sample


def sniff(head: bytes, spool: IO[bytes]) -> UploadKind:
    """The kind the bytes really are; raises when they are something we never accept."""
    if head.startswith(b"%PDF-"):
        return UploadKind.PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return UploadKind.PNG
    if head.startswith(b"\xff\xd8\xff"):
        return UploadKind.JPEG
    if head.startswith(b"PK\x03\x04"):
        return _sniff_ooxml(spool)
    if head.startswith((b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"#!")):
        raise refuse("upload_executable", _("This file is a program, which cannot be uploaded."))
    if _looks_like_markup(head):
        raise refuse(
            "upload_markup", _("This file is a web page or script, which cannot be uploaded.")
        )
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise refuse(
            "upload_legacy_office",
            _("Old Office formats (.doc, .xls) are not accepted; save as .docx or .xlsx."),
        )
    raise refuse("upload_unknown_type", _("The type of this file could not be recognised."))


def _sniff_ooxml(spool: IO[bytes]) -> UploadKind:
    """Which Office Open XML document a ZIP is, after checking it is a sound one."""
    spool.seek(0, os.SEEK_END)
    packed = spool.tell()
    spool.seek(0)
    try:
        with zipfile.ZipFile(spool) as archive:
            infos = archive.infolist()
            if len(infos) > _ZIP_MAX_ENTRIES:
                raise refuse("upload_corrupt", _("This file is damaged or could not be read."))
            if sum(i.file_size for i in infos) > max(packed * _ZIP_MAX_RATIO, _ZIP_FREE_BYTES):
                raise refuse(
                    "upload_zip_bomb",
                    _("This file expands to far more than its size and was refused."),
                )
            names = {i.filename for i in infos}
            if "[Content_Types].xml" not in names:
                raise refuse(
                    "upload_bare_zip",
                    _("This is a ZIP archive, not a Word, Excel or PowerPoint document."),
                )
            if any(n.lower().endswith("vbaproject.bin") for n in names):
                raise refuse("upload_macros", _("Documents with macros cannot be uploaded."))
            with archive.open("[Content_Types].xml") as fh:
                types = fh.read(256 * 1024)
            bad = archive.testzip()  # every CRC: a truncated or tampered archive fails here
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, RuntimeError):
        raise refuse("upload_corrupt", _("This file is damaged or could not be read.")) from None
    if bad is not None:
        raise refuse("upload_corrupt", _("This file is damaged or could not be read."))
    for kind, (part, content_type) in _OOXML_MAIN.items():
        if part in names and content_type in types:
            return kind
    if b"macroEnabled" in types:
        raise refuse("upload_macros", _("Documents with macros cannot be uploaded."))
    raise refuse(
        "upload_bare_zip", _("This is a ZIP archive, not a Word, Excel or PowerPoint document.")
    )


def check_not_polyglot(kind: UploadKind, head: bytes, spool: IO[bytes]) -> None:
    """Refuse a PDF or image that is also a ZIP or a web page (a 'polyglot')."""
    if kind in _OOXML_MAIN:
        return
    spool.seek(0)
    if zipfile.is_zipfile(spool) or b"PK\x03\x04" in head[4:]:
        raise refuse(
            "upload_polyglot",
            _("This file is at the same time of two types (e.g. a PDF with an archive inside)."),
        )
    if kind is UploadKind.PDF and _looks_like_markup(head[head.find(b"\n") + 1 :]):
        raise refuse(
            "upload_polyglot",
            _("This file is at the same time of two types (e.g. a PDF with an archive inside)."),
        )


def check_pdf(spool: IO[bytes], size: int) -> None:
    """A PDF ends with ``%%EOF`` (allowing trailing whitespace); a cut-off one does not."""
    spool.seek(max(0, size - 2048))
    tail = spool.read()
    if b"%%EOF" not in tail:
        raise refuse("upload_corrupt", _("This file is damaged or could not be read."))


def reencode_image(kind: UploadKind, spool: IO[bytes]) -> bytes:
    """Decode and encode again: drops EXIF (GPS, camera serials) and anything hidden after.

    The orientation EXIF carried is applied to the pixels first, so photos stay upright.
    """
    max_pixels = int(current_app.config.get("UPLOAD_MAX_IMAGE_PIXELS", 50_000_000))
    spool.seek(0)
    try:
        with Image.open(spool) as image:
            expected = "PNG" if kind is UploadKind.PNG else "JPEG"
            if image.format != expected:
                raise refuse("upload_corrupt", _("This file is damaged or could not be read."))
            width, height = image.size
            if width * height > max_pixels:
                raise refuse(
                    "upload_image_too_large",
                    _(
                        "This image has too many pixels (at most %(limit)s million).",
                        limit=max_pixels // 1_000_000,
                    ),
                )
            image.load()
            icc = image.info.get("icc_profile")
            upright = ImageOps.exif_transpose(image)
    except DomainError:
        raise
    except Image.DecompressionBombError:
        raise refuse(
            "upload_image_too_large",
            _(
                "This image has too many pixels (at most %(limit)s million).",
                limit=max_pixels // 1_000_000,
            ),
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise refuse("upload_corrupt", _("This file is damaged or could not be read.")) from None
    out = io.BytesIO()
    extra = {"icc_profile": icc} if icc else {}
    if kind is UploadKind.JPEG:
        if upright.mode not in ("RGB", "L"):
            upright = upright.convert("RGB")
        upright.save(out, format="JPEG", quality=90, optimize=True, **extra)
    else:
        if upright.mode not in ("RGB", "RGBA", "L", "LA", "P", "1", "I;16"):
            upright = upright.convert("RGBA")
        upright.save(out, format="PNG", optimize=False, **extra)
    return out.getvalue()


def claimed_kind(filename: str) -> UploadKind | None:
    ext = os.path.splitext(filename.strip())[1].lower()
    for kind, endings in EXTENSIONS.items():
        if ext in endings:
            return kind
    return None
