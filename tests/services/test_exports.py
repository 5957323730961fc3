"""CSV and XLSX writers: content, encodings, and the formula-injection guard."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from wadconf.services import exports

HEADER = ["姓名", "Name", "Seats"]


def read_csv(data: bytes) -> list[list[str]]:
    """Rows of a CSV written by ``write_csv``."""
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def read_xlsx(data: bytes):
    """The only sheet of an XLSX written by ``write_xlsx``."""
    return load_workbook(io.BytesIO(data)).active


def test_csv_starts_with_a_byte_order_mark_for_excel():
    assert exports.write_csv(HEADER, []).startswith(b"\xef\xbb\xbf")


def test_csv_keeps_chinese_text_and_numbers():
    data = exports.write_csv(HEADER, [["张三", "Zhang San", 3]])
    assert read_csv(data) == [HEADER, ["张三", "Zhang San", "3"]]


def test_csv_writes_local_datetimes_and_empty_cells():
    data = exports.write_csv(["when", "none"], [[datetime(2025, 6, 5, 9, 30), None]])
    assert read_csv(data)[1] == ["2025-06-05 09:30", ""]


def test_csv_refuses_aware_datetimes():
    with pytest.raises(ValueError):
        exports.write_csv(["when"], [[datetime(2025, 6, 5, tzinfo=UTC)]])


@pytest.mark.parametrize(
    "value", ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
)
def test_csv_prefixes_formula_starts_with_a_quote(value):
    assert read_csv(exports.write_csv(["v"], [[value]]))[1] == ["'" + value]


def test_csv_leaves_harmless_text_alone():
    assert read_csv(exports.write_csv(["v"], [["a=b", "李-四"]]))[1] == ["a=b", "李-四"]


def test_xlsx_keeps_chinese_text_and_numbers():
    sheet = read_xlsx(exports.write_xlsx(HEADER, [["张三", "Zhang San", 3]]))
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        HEADER,
        ["张三", "Zhang San", 3],
    ]


def test_xlsx_writes_a_formula_like_name_as_text_never_as_formula():
    value = '=HYPERLINK("http://evil.example","x")'
    data = exports.write_xlsx(["v"], [[value]])
    cell = read_xlsx(data)["A2"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == (value, "s", True)
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml


@pytest.mark.parametrize("value", ["+8613812345678", "-x", "@me"])
def test_xlsx_marks_other_risky_starts_as_quoted_text(value):
    cell = read_xlsx(exports.write_xlsx(["v"], [[value]]))["A2"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == (value, "s", True)


def test_xlsx_leaves_harmless_text_unmarked():
    assert read_xlsx(exports.write_xlsx(["v"], [["张三"]]))["A2"].quotePrefix is False


def test_xlsx_drops_control_characters_that_excel_refuses():
    assert read_xlsx(exports.write_xlsx(["v"], [["a\x07b"]]))["A2"].value == "ab"


def test_xlsx_writes_dates_as_dates():
    cell = read_xlsx(exports.write_xlsx(["when"], [[datetime(2025, 6, 5, 9, 30)]]))["A2"]
    assert cell.value == datetime(2025, 6, 5, 9, 30)


def test_xlsx_sheet_title_is_made_acceptable_to_excel():
    sheet = read_xlsx(exports.write_xlsx(["v"], [], sheet_title="a/b:c" + "x" * 40))
    assert sheet.title == "abc" + "x" * 28
