"""The streaming .xlsx writer: openpyxl reads back every value, its type, format and the layout."""

import datetime
import io
import zipfile
from decimal import Decimal

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from zhenwu.core.xlsx_stream import XlsxStreamWriter

COLUMNS = [("编号", 18), ("内容", 40), ("数量", 8), ("日期", 12), ("时间", 18), ("是否", 6)]


def read(data: bytes) -> Worksheet:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert isinstance(sheet, Worksheet)
    return sheet


def written(rows: list[list[object]], title: str = "信访台账") -> bytes:
    target = io.BytesIO()
    with XlsxStreamWriter(target, title=title, columns=COLUMNS) as sheet:
        for row in rows:
            sheet.append(row)
    assert sheet.rows == len(rows) + 1
    return target.getvalue()


def test_values_keep_their_types_and_formats() -> None:
    moment = datetime.datetime(2026, 3, 18, 23, 45)  # noqa: DTZ001 -- Excel cells are naive
    data = written(
        [
            ["A-1", "拖欠工资 <三个月> & 未付", 3, datetime.date(2026, 4, 2), moment, True],
            ["A-2", "  前后有空格 ", Decimal("2.5"), None, None, False],
            ["A-3", "多行\n第二行", 1.25, "", None, None],
        ]
    )
    sheet = read(data)
    assert sheet.title == "信访台账"
    assert [c.value for c in sheet[1]] == [header for header, _width in COLUMNS]
    assert all(c.font.b for c in sheet[1])
    assert [c.value for c in sheet[2]] == [
        "A-1",
        "拖欠工资 <三个月> & 未付",
        3,
        datetime.datetime(2026, 4, 2),  # noqa: DTZ001 -- openpyxl reads a date cell as a datetime
        moment,
        True,
    ]
    assert sheet["D2"].number_format == "yyyy-mm-dd" and sheet["E2"].number_format == "yyyy-mm-dd hh:mm"
    assert not sheet["A2"].font.b
    assert [c.value for c in sheet[3]][:3] == ["A-2", "  前后有空格 ", 2.5]
    assert sheet["F3"].value is False
    assert [c.value for c in sheet[4]][:4] == ["A-3", "多行\n第二行", 1.25, None]
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width == 40


def test_text_is_never_a_formula_or_an_error_and_bad_characters_go() -> None:
    data = written([["=SUM(1,2)", "#N/A", "a\x00b\x1fc", "+1", "-1", "@x"]])
    sheet = read(data)
    cells = list(sheet[2])
    assert [c.value for c in cells] == ["=SUM(1,2)", "#N/A", "abc", "+1", "-1", "@x"]
    assert {c.data_type for c in cells} == {"s"}


def test_sheet_title_is_made_legal() -> None:
    data = written([], title="台账[2026]: 一/二?" + "长" * 40)
    sheet = read(data)
    assert sheet.title == ("台账2026 一二" + "长" * 40)[:31]
    assert sheet.max_row == 1


def test_the_package_parts() -> None:
    with zipfile.ZipFile(io.BytesIO(written([["x"]]))) as package:
        names = package.namelist()
        assert names[0] == "[Content_Types].xml"
        assert set(names) == {
            "[Content_Types].xml",
            "_rels/.rels",
            "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels",
            "xl/styles.xml",
            "xl/worksheets/sheet1.xml",
        }
        assert package.testzip() is None
