"""A4 PDFs of lists and sign-in sheets, and table and seat cards (fpdf2, Noto Sans SC)."""

from __future__ import annotations

from wadconf.services.list_table import ListTable


def list_pdf(table: ListTable) -> bytes:
    """The list as an A4 PDF (portrait or landscape, as the table says).

    Event name and list title on every page, headers repeated, "page N of M" and the
    time generated; a sign-in sheet gets rows tall enough to sign.
    """
    raise NotImplementedError("list_pdf is being written")
