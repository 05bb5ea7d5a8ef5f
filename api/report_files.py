"""Reports as files: CSV (UTF-8 with a BOM, which spreadsheet programs in China expect) and
XLSX (openpyxl), each with the Chinese headers, the rows and a totals row."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from domain.values import visible
from projections.reports.base import Report

TOTALS_LABEL = "合计"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """A value safe in a spreadsheet: text that a program would run as a formula is quoted, and
    invisible format controls (bidi overrides, zero-width characters) are written out."""
    if isinstance(value, list | tuple):
        value = "、".join(str(v) for v in value)
    if isinstance(value, str):
        value = visible(value)
        return "'" + value if value.startswith(_FORMULA_START) else value
    return value


def _lines(report: Report) -> list[list[Any]]:
    keys = [c.key for c in report.columns]
    lines = [[c.header for c in report.columns]]
    lines += [[_cell(row.get(k)) for k in keys] for row in report.rows]
    if report.totals:
        totals = [_cell(report.totals.get(k)) for k in keys]
        totals[0] = TOTALS_LABEL if totals[0] in (None, "") else totals[0]
        lines.append(totals)
    return lines


def as_csv(report: Report) -> bytes:
    """The report as CSV."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(_lines(report))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def as_xlsx(report: Report) -> bytes:
    """The report as an XLSX workbook: one sheet named after its title."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = report.title[:31]
    for number, line in enumerate(_lines(report), start=1):
        sheet.append(line)
        if number == 1 or (report.totals and number == len(report.rows) + 2):
            for cell in sheet[number]:
                cell.font = Font(bold=True)
    for index, column in enumerate(report.columns, start=1):
        width = max(len(str(column.header)) * 2, 10)
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
RENDER = {"csv": as_csv, "xlsx": as_xlsx}
