"""Uploaded files: type checked from the content, images re-encoded, stored outside ``static/``.

Why hand-written checks and not a library such as ``filetype`` or ``puremagic``: those look
at the first bytes only, so a ZIP of anything passes as DOCX when it holds a ``word/`` name,
a PDF with a ZIP appended passes as PDF, and neither can say *why* a file was refused. Five
formats are accepted; each has a fixed signature (PDF, PNG, JPEG) or is a ZIP whose
structure :mod:`zipfile` can inspect (OOXML: ``[Content_Types].xml`` naming the main part,
no macros, bounded expansion). That is a page of code with no new dependency, and every
refusal gets its own code and translated message.

Files live under ``<instance>/uploads/<area>/<random key>`` without an extension; the
database keeps the original (sanitised) name and the content type, and :func:`send_stored`
serves them as downloads with ``nosniff``. Who may download is the caller's business.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from flask import current_app, send_file
from flask_babel import gettext as _

from wadconf.services import DomainError
from wadconf.services.upload_checks import (
    ATTACHMENT_KINDS,
    CONTENT_TYPES,
    EXTENSIONS,
    MATERIAL_KINDS,
    UploadKind,
    check_not_polyglot,
    check_pdf,
    claimed_kind,
    reencode_image,
    refuse,
    sniff,
)

__all__ = [
    "ATTACHMENT_KINDS",
    "CONTENT_TYPES",
    "EXTENSIONS",
    "MATERIAL_KINDS",
    "StoredFile",
    "UploadKind",
    "delete_stored",
    "open_stored",
    "send_stored",
    "store_upload",
]


_CHUNK = 64 * 1024
_AREA_RE = re.compile(r"^[a-z0-9_-]{1,40}$")
_KEY_RE = re.compile(r"^[a-z0-9_-]{1,40}/[A-Za-z0-9_-]{20,64}$")


@dataclass(frozen=True)
class StoredFile:
    """A file saved under the uploads folder; model columns use the same names."""

    storage_key: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    kind: UploadKind


class StoredLike(Protocol):
    """Anything with the stored-file columns (a model row or a :class:`StoredFile`)."""

    storage_key: str
    original_name: str
    content_type: str


# ---------------------------------------------------------------------------------------------
# Storage


def _kind_names(kinds: set[UploadKind] | frozenset[UploadKind]) -> str:
    return ", ".join(sorted(k.value.upper() for k in kinds))


def uploads_root() -> Path:
    """``<instance>/uploads``, created on first use."""
    root = Path(
        current_app.config.get("UPLOAD_FOLDER") or Path(current_app.instance_path) / "uploads"
    )
    root.mkdir(parents=True, exist_ok=True)
    return root


def open_stored(storage_key: str) -> Path:
    """The path of a stored file; a key that could leave the uploads folder is refused."""
    if not isinstance(storage_key, str) or not _KEY_RE.match(storage_key):
        raise refuse("upload_missing", _("This file is no longer available."))
    path = uploads_root() / storage_key
    if not path.is_file():
        raise refuse("upload_missing", _("This file is no longer available."))
    return path


def delete_stored(storage_key: str) -> bool:
    """Remove a stored file; ``False`` when it was already gone (deleting twice is harmless)."""
    try:
        path = open_stored(storage_key)
    except DomainError:
        return False
    path.unlink(missing_ok=True)
    return True


def sanitise_name(name: str | None, *, kind: UploadKind) -> str:
    """A file name safe to show and to send back: no folders, controls or reserved marks.

    Chinese and other letters are kept (``secure_filename`` would drop them); the ending is
    the kind's own, so a download opens in the right program.
    """
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        "_" if ch in '<>:"|?*' else ch
        for ch in name
        if unicodedata.category(ch)[0] != "C"  # control, format (bidi overrides), unassigned
    )
    name = re.sub(r"\s+", " ", name).strip(" .")
    stem, dot, ext = name.rpartition(".")
    if not dot or "." + ext.lower() not in EXTENSIONS[kind]:
        stem = name
    stem = stem.strip(" .")[:100] or "file"
    return stem + EXTENSIONS[kind][0]


# ---------------------------------------------------------------------------------------------
# The entry points


def store_upload(
    file: Any,
    *,
    allowed: set[UploadKind] | frozenset[UploadKind],
    area: str,
    max_bytes: int | None = None,
) -> StoredFile:
    """Check ``file`` (a werkzeug ``FileStorage``) and save it; return what to record.

    Raises :class:`DomainError` with one of: ``upload_empty``, ``upload_too_large``,
    ``upload_unknown_type``, ``upload_executable``, ``upload_markup``, ``upload_legacy_office``,
    ``upload_bare_zip``, ``upload_macros``, ``upload_zip_bomb``, ``upload_polyglot``,
    ``upload_type_mismatch`` (the name's ending says another type), ``upload_type_not_allowed``,
    ``upload_image_too_large``, ``upload_corrupt``.
    """
    if not _AREA_RE.match(area):
        raise ValueError(f"bad upload area {area!r}")
    limit = int(max_bytes or current_app.config.get("UPLOAD_MAX_BYTES", 20 * 1024 * 1024))
    if file is None:
        raise refuse("upload_empty", _("The file is empty."))
    stream = file.stream if hasattr(file, "stream") else file
    with tempfile.SpooledTemporaryFile(max_size=2 * 1024 * 1024) as spool:
        size = 0
        # Count while copying: the browser's Content-Length and the form's size can lie.
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise refuse(
                    "upload_too_large",
                    _("The file is larger than %(limit)s MB.", limit=_megabytes(limit)),
                )
            spool.write(chunk)
        if size == 0:
            raise refuse("upload_empty", _("The file is empty."))
        spool.seek(0)
        head = spool.read(4096)
        kind = sniff(head, spool)
        check_not_polyglot(kind, head, spool)
        claimed = claimed_kind(getattr(file, "filename", "") or "")
        if claimed is not None and claimed is not kind:
            raise refuse(
                "upload_type_mismatch",
                _(
                    "The file name says %(claimed)s but the file is really %(real)s.",
                    claimed=claimed.value.upper(),
                    real=kind.value.upper(),
                ),
            )
        if kind not in allowed:
            raise refuse(
                "upload_type_not_allowed",
                _(
                    "%(kind)s files are not accepted here (allowed: %(allowed)s).",
                    kind=kind.value.upper(),
                    allowed=_kind_names(allowed),
                ),
            )
        if kind is UploadKind.PDF:
            check_pdf(spool, size)
        if kind in (UploadKind.JPEG, UploadKind.PNG):
            data = reencode_image(kind, spool)
            spool.seek(0)
            spool.truncate()
            spool.write(data)
            size = len(data)
        return _save(
            spool,
            kind=kind,
            area=area,
            size=size,
            name=sanitise_name(getattr(file, "filename", ""), kind=kind),
        )


def _megabytes(limit: int) -> str:
    value = limit / (1024 * 1024)
    return f"{value:.0f}" if value >= 1 else f"{value:.2f}"


def _save(spool: IO[bytes], *, kind: UploadKind, area: str, size: int, name: str) -> StoredFile:
    folder = uploads_root() / area
    folder.mkdir(parents=True, exist_ok=True)
    key = f"{area}/{secrets.token_urlsafe(24)}"
    digest = hashlib.sha256()
    spool.seek(0)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := spool.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o640)
        os.replace(tmp, uploads_root() / key)  # readers never see half a file
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return StoredFile(
        storage_key=key,
        original_name=name,
        content_type=CONTENT_TYPES[kind],
        size=size,
        sha256=digest.hexdigest(),
        kind=kind,
    )


def copy_stored_to(stored: StoredLike, target: IO[bytes]) -> None:
    """Copy a stored file's bytes into ``target`` (used by the ZIP export)."""
    with open_stored(stored.storage_key).open("rb") as fh:
        shutil.copyfileobj(fh, target, _CHUNK)


def send_stored(stored: StoredLike, *, download: bool = True):
    """A response sending the file: attachment (RFC 5987 name), ``nosniff``, private cache."""
    try:
        path = open_stored(stored.storage_key)
    except DomainError:
        from flask import abort

        abort(404)
    response = send_file(
        path,
        mimetype=stored.content_type,
        as_attachment=download,
        download_name=stored.original_name,
        conditional=True,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    # Even if a file were opened in the browser, it could run nothing and reach nothing.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
