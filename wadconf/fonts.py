"""Where the CJK font comes from.

The bundled font is Noto Sans SC (SIL OFL 1.1) from the ``pylopdf-fonts-zh-cn``
wheel, so Chinese renders on a machine without OS font packages. Operators may
point ``WADCONF_CJK_FONT`` at a system font (e.g. Debian's fonts-noto-cjk) instead.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app, has_app_context


def cjk_font_path() -> Path:
    """Path of the sans-serif CJK font used for drawing text (badges, PDFs, the web font)."""
    override = current_app.config.get("CJK_FONT") if has_app_context() else None
    if override:
        path = Path(override)
        if not path.is_file():
            raise FileNotFoundError(f"CJK_FONT points at {path}, which is not a file")
        return path
    import pylopdf_fonts_zh_cn

    return Path(pylopdf_fonts_zh_cn.sans_path())


def cjk_serif_font_path() -> Path:
    """Path of the bundled serif CJK font (Noto Serif SC), for formal print."""
    import pylopdf_fonts_zh_cn

    return Path(pylopdf_fonts_zh_cn.serif_path())
