"""Numbers on Arabic pages: Western digits (as the letters and the PDF write them), grouped in
thousands with a comma. Django's Arabic formats group nothing, so 165953 signatures would read
as one long run of digits. Everything else falls back to Django's Arabic formats."""

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
