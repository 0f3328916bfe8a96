"""A small worksheet writer shared by the .xlsx exports that are written cell by cell (summaries,
rosters): text stays text, dates get a date format, columns are as wide as their contents.

The petition ledger, which can hold 10^5 rows, streams through ``core.xlsx_stream`` instead
(``petitions/export.py``).
"""

import datetime
import unicodedata
from collections.abc import Sequence
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

#: Column widths in Excel characters (a Chinese character counts two): at least / at most.
MIN_WIDTH = 6
MAX_WIDTH = 60
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


def text_width(value: Any) -> int:
    """The width of a value in Excel characters: CJK characters count two."""
    if isinstance(value, datetime.datetime):
        return 16
    if isinstance(value, datetime.date):
        return 10
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(value))


class SheetWriter:
    """A worksheet written row by row, text kept as typed, columns as wide as their contents."""

    def __init__(self, sheet: Worksheet, *, min_width: int = MIN_WIDTH) -> None:
        self.sheet = sheet
        self.row = 0
        self.min_width = min_width
        self.widths: dict[int, int] = {}

    def append(
        self, values: Sequence[Any], *, bold: bool = False, size: float | None = None, title: bool = False
    ) -> None:
        """One row; a ``title`` spills over the empty cells beside it and widens no column."""
        self.row += 1
        for column, value in enumerate(values, start=1):
            if value is None:
                continue
            cell = self.sheet.cell(row=self.row, column=column)
            if isinstance(value, str):
                # Never a formula or an error code: a name or a text typed as "=..." stays text.
                cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
                cell.data_type = "s"
            else:
                cell.value = value
            if isinstance(value, datetime.datetime):
                cell.number_format = DATETIME_FORMAT
            elif isinstance(value, datetime.date):
                cell.number_format = DATE_FORMAT
            if bold or size:
                cell.font = Font(bold=bold, size=size)
            if isinstance(value, str) and ("\n" in value or len(value) > MAX_WIDTH // 2):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            if not title:
                lines = value.split("\n") if isinstance(value, str) else [value]
                self.widths[column] = max(self.widths.get(column, 0), *(text_width(line) for line in lines))

    def blank(self) -> None:
        self.row += 1

    def finish(self, *, freeze: str | None = None) -> None:
        for column, width in self.widths.items():
            self.sheet.column_dimensions[get_column_letter(column)].width = min(
                max(width + 2, self.min_width), MAX_WIDTH
            )
        if freeze:
            self.sheet.freeze_panes = freeze
