"""Spreadsheet exports that cannot run formulas in the editor's spreadsheet program."""

import csv
import io

from django.http import HttpResponse

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralize_formula(value):
    """Prefix text a spreadsheet would read as a formula with an apostrophe (OWASP advice)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def xlsx_quote_formula(cell):
    """Keep an openpyxl cell whose text looks like a formula as quoted text."""
    if isinstance(cell.value, str) and neutralize_formula(cell.value) != cell.value:
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


class FormulaSafeExportMixin:
    """Mix into a Wagtail IndexView that has `list_export`.

    CSV is plain text, so every cell is neutralized before it is written. In XLSX
    Wagtail stores "=…" as text; every formula-like cell is also marked as quoted
    text, so editing it in a spreadsheet program cannot turn it into a formula.
    """

    def generate_xlsx_row(self, worksheet, row_dict, date_format=None):
        for cell in super().generate_xlsx_row(worksheet, row_dict, date_format=date_format):
            yield xlsx_quote_formula(cell)

    def write_csv_row(self, writer, row_dict):
        return writer.writerow(
            {
                field: neutralize_formula(self.preprocess_field_value(field, value, self.FORMAT_CSV))
                for field, value in row_dict.items()
            }
        )


SPREADSHEET_FORMATS = ("csv", "xlsx")


def spreadsheet_response(*, headings: list[str], rows, filename: str, export_format: str) -> HttpResponse:
    """A CSV or XLSX download of `rows` (sequences of cell values), formula-safe in both formats.

    For views that are not Wagtail listings (those use FormulaSafeExportMixin).
    """
    if export_format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(headings)
        for row in rows:
            writer.writerow(["" if value is None else neutralize_formula(str(value)) for value in row])
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    elif export_format == "xlsx":
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell

        workbook = Workbook(write_only=True)
        worksheet = workbook.create_sheet(title="Sheet1")
        worksheet.append(headings)
        for row in rows:
            cells = []
            for value in row:
                cell = WriteOnlyCell(worksheet, "" if value is None else str(value))
                cell.data_type = "s"  # text, always: never a formula, a number or a date guessed
                cells.append(xlsx_quote_formula(cell))
            worksheet.append(cells)
        output = io.BytesIO()
        workbook.save(output)
        response = HttpResponse(
            output.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    else:
        raise ValueError(f"unknown spreadsheet format: {export_format}")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{export_format}"'
    return response
