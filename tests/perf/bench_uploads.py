"""How long the upload checks, image re-encoding and the attachments ZIP take.

Run from the repository root (about 30 s)::

    /tmp/venv/bin/python -m tests.perf.bench_uploads        # --bodies N, --files N
    /tmp/venv/bin/pytest tests/perf/bench_uploads.py -s     # a small run, as a test

It prints wall time and peak Python memory (tracemalloc) of ``store_upload`` for:
(a) a 20 MB PDF (the default limit), (b) a 12-megapixel JPEG photo (noise, so it does not
compress away) re-encoded without EXIF, (c) a 4,000 x 3,000 PNG, (d) a DOCX of 8 MB whose
ZIP is read entry by entry (CRC of everything); then (e) ``attachments_zip`` of
``--bodies`` bodies with ``--files`` 2 MB PDFs each, built in a temporary file.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _pdf(size: int) -> bytes:
    head = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Length " + str(size).encode() + b">>stream\n"
    return head + os.urandom(size) + b"\nendstream endobj\ntrailer<<>>\n%%EOF\n"


def _photo(fmt: str) -> bytes:
    from PIL import Image

    noise = Image.frombytes("RGB", (4000, 3000), os.urandom(4000 * 3000 * 3))
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "Camera"
    noise.save(buffer, format=fmt, **({"exif": exif, "quality": 90} if fmt == "JPEG" else {}))
    return buffer.getvalue()


def _docx(size: int) -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"wordprocessingml.document.main+xml")
        archive.writestr("word/document.xml", b"<w:document/>")
        archive.writestr("word/media/image1.bin", os.urandom(size))
    return buffer.getvalue()


def _measure(label: str, func) -> object:
    tracemalloc.start()
    started = time.perf_counter()
    result = func()
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"{label:<48} {elapsed * 1000:8.0f} ms   peak {peak / 2**20:6.1f} MiB")
    return result


def run(*, bodies: int, files: int) -> None:
    from werkzeug.datastructures import FileStorage

    from tests.services import series_helpers as h
    from wadconf import create_app
    from wadconf.extensions import db
    from wadconf.models import Event
    from wadconf.services import series_exports
    from wadconf.services.events import EventData, create_event
    from wadconf.services.uploads import MATERIAL_KINDS, store_upload

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3",
                "INSTANCE_PATH": tmp,
                "UPLOAD_MAX_BYTES": 60 * 2**20,
            }
        )
        samples = {
            "(a) PDF 20 MB": (_pdf(20 * 2**20 - 200), "a.pdf"),
            "(b) JPEG 12 MP, re-encoded": (_photo("JPEG"), "b.jpg"),
            "(c) PNG 12 MP, re-encoded": (_photo("PNG"), "c.png"),
            "(d) DOCX 8 MB": (_docx(8 * 2**20), "d.docx"),
        }
        with app.test_request_context():
            db.create_all()
            for label, (data, name) in samples.items():
                upload = FileStorage(stream=io.BytesIO(data), filename=name)
                stored = _measure(
                    f"{label} ({len(data) / 2**20:.1f} MB in)",
                    lambda u=upload: store_upload(u, allowed=MATERIAL_KINDS, area="bench"),
                )
                print(f"{'':<48} stored {stored.size / 2**20:.1f} MB")
            event = create_event(
                EventData(
                    slug="bench", name_zh="b", name_en="b", starts_on=_today(), ends_on=_today()
                )  # fmt: skip
            )
            db.session.flush()
            pdf = _pdf(2 * 2**20)
            for b in range(bodies):
                plan = h.add_plan(h.add_body(event.id, f"body{b:02d}"))
                for f in range(files):
                    h.attach(plan, pdf, f"file{f}.pdf")
            db.session.commit()
            fresh = db.session.get(Event, event.id)
            export = _measure(
                f"(e) ZIP of {bodies} bodies x {files} x 2 MB",
                lambda: series_exports.attachments_zip(fresh),
            )
            export.file.seek(0, os.SEEK_END)
            print(f"{'':<48} zip {export.file.tell() / 2**20:.0f} MB, {export.files} files")
            export.file.close()


def _today():
    from datetime import date

    return date(2025, 6, 9)


def test_bench_uploads_small():
    run(bodies=2, files=2)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bodies", type=int, default=32)
    parser.add_argument("--files", type=int, default=3)
    args = parser.parse_args()
    run(bodies=args.bodies, files=args.files)
