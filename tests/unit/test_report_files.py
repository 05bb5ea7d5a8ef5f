"""Reports as files: what a spreadsheet program would run or hide is made harmless and shown."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from api.report_files import as_csv, as_xlsx
from projections.reports.base import Column, Report

HIDDEN = "张\u202e伟"  # a right-to-left override inside a name


def report() -> Report:
    rows = [
        {"name": '=HYPERLINK("http://x")', "units": ["T1", "T2"], "days": 3},
        {"name": HIDDEN, "units": [], "days": 4},
    ]
    columns = [Column("name", "姓名"), Column("units", "单位"), Column("days", "天数")]
    return Report("t", "测试表", columns, rows, {"name": "合计", "days": 7})


def test_csv_quotes_formulas_and_writes_out_format_controls() -> None:
    lines = list(csv.reader(io.StringIO(as_csv(report()).decode("utf-8-sig"))))
    assert lines[0] == ["姓名", "单位", "天数"]
    assert lines[1] == ['\'=HYPERLINK("http://x")', "T1、T2", "3"]
    assert lines[2][0] == "张[U+202E]伟" and "\u202e" not in lines[2][0]
    assert lines[3] == ["合计", "", "7"]


def test_xlsx_cells_are_the_csv_cells() -> None:
    sheet = load_workbook(io.BytesIO(as_xlsx(report()))).active
    assert sheet is not None
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[1][:2] == ['\'=HYPERLINK("http://x")', "T1、T2"]
    assert cells[2][0] == "张[U+202E]伟"
    assert cells[3][2] == 7
