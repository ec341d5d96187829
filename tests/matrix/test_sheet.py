"""Spreadsheet round trip: CSV folder and XLSX workbook give back the same matrix, same version."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from matrix import Matrix, MatrixLoadError, parse_matrix
from matrix.loader import default_matrix_text
from matrix.sheet import SECTIONS, export_csv, export_xlsx, import_sheets


def _rich_matrix() -> Matrix:
    """The default plus the awkward parts: an extra fact, split hours, a quoted string value, a plan-less tier."""
    text = (
        default_matrix_text()
        .replace(
            "triggers:\n",
            "facts:\n  - {name: region, kind: enum, values: [emea, amer], description: Where the customer is}\n"
            "  - {name: seats, kind: integer, minimum: 1}\ntriggers:\n",
            1,
        )
        .replace(
            "when: issue_type = feature_request",
            'when: all(issue_type = feature_request, any(region = emea, product_area in ["data pipelines", sso]), '
            "not(seats > 500))",
        )
        .replace('mon: "09:00-17:00"', 'mon: "08:00-12:00, 13:00-17:30"', 1)
    )
    return parse_matrix(text)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_round_trip_is_lossless(tmp_path: Path, fmt: str) -> None:
    m = _rich_matrix()
    target = tmp_path / ("m.xlsx" if fmt == "xlsx" else "m")
    (export_xlsx if fmt == "xlsx" else export_csv)(m, target)
    back = import_sheets(target)
    assert back == m
    assert back.version == m.version


def test_one_sheet_per_section(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    export_xlsx(_rich_matrix(), tmp_path / "m.xlsx")
    assert load_workbook(tmp_path / "m.xlsx").sheetnames == list(SECTIONS)


def test_edit_in_the_spreadsheet_is_validated_with_sheet_row_and_column(tmp_path: Path) -> None:
    export_csv(parse_matrix(default_matrix_text()), tmp_path)
    path = tmp_path / "triggers.csv"
    rows = list(csv.DictReader(path.open()))
    rows[2]["when"] = "all(signals contains"  # broken text condition on the third trigger
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=SECTIONS["triggers"])
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(MatrixLoadError) as err:
        import_sheets(tmp_path)
    ((where, _msg),) = err.value.problems
    assert where == "sheet triggers, row 4, column when"


def test_edit_that_breaks_a_reference_is_refused(tmp_path: Path) -> None:
    export_csv(parse_matrix(default_matrix_text()), tmp_path)
    path = tmp_path / "severities.csv"
    path.write_text(path.read_text().replace(",T2,", ",T9,", 1))
    with pytest.raises(MatrixLoadError, match="unknown tier 'T9'"):
        import_sheets(tmp_path)
