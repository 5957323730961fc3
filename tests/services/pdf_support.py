"""Reading printed PDFs back for tests: pdftoppm rasters, extracted text, pdfium character boxes."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pypdfium2
import pytest
from PIL import Image, ImageStat
from pypdf import PdfReader

MM = 72 / 25.4  # points per millimetre


def pdftoppm_path() -> str:
    """Path of pdftoppm; skips when missing (fails when WADCONF_REQUIRE_PDFTOPPM=1)."""
    path = shutil.which("pdftoppm") or (
        "/usr/bin/pdftoppm" if Path("/usr/bin/pdftoppm").exists() else None
    )
    if path is None:
        if os.environ.get("WADCONF_REQUIRE_PDFTOPPM") == "1":
            pytest.fail("pdftoppm (poppler-utils) is required but not installed")
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    return path


def rasterise(data: bytes, dpi: int = 30) -> list[Image.Image]:
    """Every page as pdftoppm rasterises it (greyscale), as a printer driver would."""
    tool = pdftoppm_path()
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder, "in.pdf")
        source.write_bytes(data)
        subprocess.run(
            [tool, "-r", str(dpi), "-gray", str(source), str(Path(folder, "page"))],
            check=True,
            capture_output=True,
            timeout=120,
        )
        files = sorted(Path(folder).glob("page-*.pgm"), key=lambda p: int(p.stem.split("-")[-1]))
        return [Image.open(file).copy() for file in files]


def is_blank(image: Image.Image) -> bool:
    """Whether a page raster is (nearly) uniform: nothing was printed on it."""
    return ImageStat.Stat(image.convert("L")).stddev[0] < 2.0


def squash(text: str) -> str:
    """Text without whitespace or NULs (Chinese lines break anywhere)."""
    return "".join(text.replace("\x00", "").split())


def page_texts(data: bytes) -> list[str]:
    """Each page's text, extracted with pypdf, whitespace removed."""
    return [squash(page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


def page_sizes(data: bytes) -> list[tuple[float, float]]:
    """(width, height) of each page in points."""
    return [
        (float(page.mediabox.width), float(page.mediabox.height))
        for page in PdfReader(io.BytesIO(data)).pages
    ]


def char_boxes(data: bytes) -> list[tuple[tuple[float, float], str, list[tuple[float, ...]]]]:
    """Per page: its size in points, its text, and each character's box (l, b, r, t).

    Whitespace characters are dropped from both the text and the boxes, so index ``i`` of
    the text is box ``i``.
    """
    document = pypdfium2.PdfDocument(data)
    try:
        result = []
        for page in document:
            textpage = page.get_textpage()
            chars, boxes = [], []
            for i in range(textpage.count_chars()):
                ch = textpage.get_text_range(i, 1)
                if ch.isspace() or not ch:
                    continue
                chars.append(ch)
                boxes.append(textpage.get_charbox(i))
            result.append((page.get_size(), "".join(chars), boxes))
        return result
    finally:
        document.close()
