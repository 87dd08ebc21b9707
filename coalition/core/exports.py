"""Spreadsheet exports that cannot run formulas in the editor's spreadsheet program."""

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralize_formula(value):
    """Prefix text a spreadsheet would read as a formula with an apostrophe (OWASP advice)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class FormulaSafeExportMixin:
    """Mix into a Wagtail IndexView that has `list_export`.

    Wagtail already forces XLSX cells to text; CSV is plain text, so every cell is
    neutralized before it is written.
    """

    def write_csv_row(self, writer, row_dict):
        return writer.writerow(
            {
                field: neutralize_formula(self.preprocess_field_value(field, value, self.FORMAT_CSV))
                for field, value in row_dict.items()
            }
        )
