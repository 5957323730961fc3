"""Uploads: the type comes from the content; disguised files are refused, each with its reason."""

from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from tests.services import upload_samples as samples
from wadconf.services import DomainError
from wadconf.services.uploads import (
    ATTACHMENT_KINDS,
    MATERIAL_KINDS,
    UploadKind,
    delete_stored,
    open_stored,
    sanitise_name,
    send_stored,
    store_upload,
)


def upload(data: bytes, name: str, *, content_type: str = "application/pdf") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name, content_type=content_type)


def store(app, data: bytes, name: str, **kwargs):
    kwargs.setdefault("allowed", ATTACHMENT_KINDS)
    kwargs.setdefault("area", "test")
    with app.test_request_context():
        return store_upload(upload(data, name), **kwargs)


def refusal(app, data: bytes, name: str, **kwargs) -> str:
    with pytest.raises(DomainError) as excinfo:
        store(app, data, name, **kwargs)
    assert excinfo.value.message and excinfo.value.message != excinfo.value.code
    return excinfo.value.code


# --- accepted files ------------------------------------------------------------------------


def test_pdf_is_stored_outside_static_with_hash_and_type(app):
    stored = store(app, samples.PDF, "方案.pdf")
    assert stored.kind is UploadKind.PDF
    assert stored.content_type == "application/pdf"
    assert stored.size == len(samples.PDF)
    assert stored.sha256 == hashlib.sha256(samples.PDF).hexdigest()
    with app.app_context():
        path = open_stored(stored.storage_key)
    assert "static" not in path.parts and path.parent.parent.name == "uploads"
    assert path.read_bytes() == samples.PDF


def test_docx_is_recognised_from_its_structure(app):
    assert store(app, samples.docx(), "plan.docx").kind is UploadKind.DOCX


def test_xlsx_written_by_openpyxl_is_recognised(app):
    assert store(app, samples.xlsx(), "list.xlsx").kind is UploadKind.XLSX


def test_browser_content_type_is_ignored(app):
    stored = store(app, samples.png(), "photo.png")
    assert stored.content_type == "image/png"


def test_name_without_ending_gets_the_real_one(app):
    assert store(app, samples.PDF, "report").original_name == "report.pdf"


def test_jpeg_is_reencoded_without_exif(app):
    stored = store(app, samples.jpeg_with_exif(), "photo.jpg")
    with app.app_context():
        data = open_stored(stored.storage_key).read_bytes()
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert not image.getexif()
    assert b"SecretCam" not in data
    assert stored.sha256 == hashlib.sha256(data).hexdigest() and stored.size == len(data)


def test_jpeg_orientation_is_applied_before_exif_goes(app):
    stored = store(app, samples.jpeg_with_exif(orientation=6), "turned.jpeg")
    with app.app_context(), Image.open(open_stored(stored.storage_key)) as image:
        assert image.size == (20, 40)


def test_png_is_reencoded(app):
    original = samples.png() + b"trailing secret"
    stored = store(app, original, "x.png")
    with app.app_context():
        data = open_stored(stored.storage_key).read_bytes()
    assert b"trailing secret" not in data


# --- refused files, one reason each --------------------------------------------------------


def test_empty_file_is_refused(app):
    assert refusal(app, b"", "empty.pdf") == "upload_empty"


def test_too_large_file_is_refused(app):
    assert refusal(app, samples.PDF + b" " * 2000, "big.pdf", max_bytes=1000) == "upload_too_large"


def test_configured_limit_applies_by_default(app):
    app.config["UPLOAD_MAX_BYTES"] = 100
    assert refusal(app, samples.PDF, "a.pdf") == "upload_too_large"


def test_html_named_pdf_is_refused_as_markup(app):
    assert refusal(app, samples.HTML, "notice.pdf") == "upload_markup"


def test_exe_named_pdf_is_refused_as_program(app):
    assert refusal(app, samples.EXE, "notice.pdf") == "upload_executable"


def test_zip_named_pdf_is_refused_as_bare_zip(app):
    data = samples.zip_bytes({"a.txt": b"hello"})
    assert refusal(app, data, "notice.pdf") == "upload_bare_zip"


def test_bare_zip_named_docx_is_refused(app):
    data = samples.zip_bytes({"word/document.xml": b"<w:document/>"})
    assert refusal(app, data, "plan.docx") == "upload_bare_zip"


def test_png_renamed_docx_is_a_type_mismatch(app):
    assert refusal(app, samples.png(), "plan.docx") == "upload_type_mismatch"


def test_docx_renamed_xlsx_is_a_type_mismatch(app):
    assert refusal(app, samples.docx(), "list.xlsx") == "upload_type_mismatch"


def test_pdf_with_zip_appended_is_a_polyglot(app):
    data = samples.PDF + samples.zip_bytes({"evil.html": samples.HTML})
    assert refusal(app, data, "notice.pdf") == "upload_polyglot"


def test_png_with_zip_appended_is_a_polyglot(app):
    data = samples.png() + samples.zip_bytes({"a.txt": b"x"})
    assert refusal(app, data, "photo.png") == "upload_polyglot"


def test_pdf_with_html_after_header_is_a_polyglot(app):
    data = b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF\n"
    assert refusal(app, data, "x.pdf") == "upload_polyglot"


def test_truncated_pdf_is_corrupt(app):
    assert refusal(app, samples.PDF[:60], "cut.pdf") == "upload_corrupt"


def test_truncated_png_is_corrupt(app):
    assert refusal(app, samples.png()[:40], "cut.png") == "upload_corrupt"


def test_docx_with_macros_is_refused(app):
    assert refusal(app, samples.docx(macros=True), "macro.docx") == "upload_macros"


def test_zip_bomb_docx_is_refused(app, monkeypatch):
    monkeypatch.setattr("wadconf.services.upload_checks._ZIP_FREE_BYTES", 1024 * 1024)
    data = samples.zip_bytes(
        {
            "[Content_Types].xml": b"wordprocessingml.document.main+xml",
            "word/document.xml": b"0" * 5_000_000,
        }
    )
    assert refusal(app, data, "bomb.docx") == "upload_zip_bomb"


def test_image_with_too_many_pixels_is_refused(app):
    app.config["UPLOAD_MAX_IMAGE_PIXELS"] = 100
    assert refusal(app, samples.png((20, 10)), "big.png") == "upload_image_too_large"


def test_old_word_file_is_refused_with_advice(app):
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    assert refusal(app, data, "old.doc") == "upload_legacy_office"


def test_unknown_bytes_are_refused(app):
    assert refusal(app, b"just some text", "notes.pdf") == "upload_unknown_type"


def test_allowed_kinds_are_enforced(app):
    code = refusal(app, samples.docx(), "plan.docx", allowed={UploadKind.PDF})
    assert code == "upload_type_not_allowed"


def test_pptx_is_for_materials_only():
    assert UploadKind.PPTX in MATERIAL_KINDS and UploadKind.PPTX not in ATTACHMENT_KINDS


# --- names, storage keys, serving ----------------------------------------------------------


def test_name_keeps_chinese_and_drops_folders_and_controls():
    name = sanitise_name("..\\..\\etc/北京\u202e方案\x00.pdf", kind=UploadKind.PDF)
    assert name == "北京方案.pdf"


def test_name_gets_the_kind_ending_when_another_was_given():
    assert sanitise_name("photo.exe", kind=UploadKind.PNG) == "photo.exe.png"


def test_storage_key_cannot_leave_the_uploads_folder(app):
    with app.app_context():
        with pytest.raises(DomainError):
            open_stored("../secret_key")
        with pytest.raises(DomainError):
            open_stored("test/../../secret_key")


def test_delete_removes_the_file_and_is_harmless_twice(app):
    stored = store(app, samples.PDF, "a.pdf")
    with app.app_context():
        assert delete_stored(stored.storage_key) is True
        assert delete_stored(stored.storage_key) is False


def test_send_stored_is_an_attachment_with_nosniff(app):
    stored = store(app, samples.PDF, "北京 方案.pdf")
    with app.test_request_context():
        response = send_stored(stored)
        response.direct_passthrough = False
        assert response.get_data() == samples.PDF
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E5%8C%97%E4%BA%AC%20%E6%96%B9%E6%A1%88.pdf" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Type"] == "application/pdf"
    assert "private" in response.headers["Cache-Control"]
    assert "sandbox" in response.headers["Content-Security-Policy"]
