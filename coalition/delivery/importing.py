"""Import decision makers from a CSV or XLSX file: check every row first, then apply them all at once.

Two steps, so an editor sees what a file will do before it does anything:
`decision_makers_parse` reads and validates every row and writes nothing (the preview);
`decision_makers_import` checks the same rows again against the database as it is now
and applies them in one transaction, so one bad row means nothing is saved. Rows are
matched by `external_id`: importing a list again updates it. Recipient lists named in
the `lists` column are created when missing; an import adds people to lists and never
takes anyone off one (editors do that on the list itself). A column the file does not
have leaves that field of existing decision makers as it is.

Every cell is hostile: control characters, formulas, over-long text, a file that is
not what its name says, a zip bomb. Each gives a clear error, never a 500.
"""

import copy
import csv
import datetime
import io
import logging
import os
import uuid
import warnings
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries
from wagtail.models import ModelLogEntry

from coalition.core.exports import FORMULA_PREFIXES
from coalition.core.validators import FORMULA_STARTS, find_forbidden_character

from .models import DecisionMaker, RecipientList

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
# Rows read at most, blank ones included: a sheet padded with a million empty rows stops here.
MAX_SCANNED_ROWS = 2 * MAX_ROWS
MAX_COLUMNS = 100
# An XLSX file is a zip: what it may unpack to, and how many parts it may have.
MAX_XLSX_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_XLSX_MEMBERS = 1_000
BATCH_SIZE = 500

COLUMNS = ("external_id", "name", "title", "office", "email", "country", "region", "lists")
REQUIRED_COLUMNS = ("external_id", "name", "email", "country")
FIELD_COLUMNS = ("external_id", "name", "title", "office", "email", "country", "region")
# Text that lands in letters' greetings and in editors' spreadsheets.
FORMULA_COLUMNS = ("name", "title", "office")
LIST_SEPARATOR = ";"
LIST_NAME_MAX_LENGTH = RecipientList._meta.get_field("name").max_length

IMPORT_LOG_ACTION = "coalition.decision_maker_imported"
LIST_IMPORT_LOG_ACTION = "coalition.recipient_list_imported"

# A few names people write that are not the ISO English short names django-countries knows.
COUNTRY_ALIASES = {
    "united states": "US",
    "uk": "GB",
    "great britain": "GB",
    "england": "GB",
    "russia": "RU",
    "south korea": "KR",
    "north korea": "KP",
}


class RowAction(models.TextChoices):
    CREATE = "create", gettext_lazy("New")
    UPDATE = "update", gettext_lazy("Update")
    UNCHANGED = "unchanged", gettext_lazy("Unchanged")
    ERROR = "error", gettext_lazy("Error")


@dataclass(frozen=True)
class RowError:
    row: int
    field: str  # a column name, or "" for the row as a whole
    message: str


@dataclass
class ImportRow:
    """One row of the file: its cells as read, and what importing it would do."""

    number: int  # the row in the spreadsheet; the column names are row 1
    cells: dict[str, str]  # the recognised columns the file has, stripped text
    values: dict[str, str] = field(default_factory=dict)  # model fields to set (country as its code)
    lists: list[str] = field(default_factory=list)
    action: str = ""
    changes: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def external_id(self) -> str:
        return self.cells.get("external_id", "")

    def get_action_display(self) -> str:
        return RowAction(self.action).label if self.action else ""


@dataclass
class ImportPreview:
    filename: str
    columns: list[str]
    rows: list[ImportRow]
    new_lists: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def _count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def to_create(self) -> int:
        return self._count(RowAction.CREATE)

    @property
    def to_update(self) -> int:
        return self._count(RowAction.UPDATE)

    @property
    def unchanged(self) -> int:
        return self._count(RowAction.UNCHANGED)

    @property
    def with_errors(self) -> int:
        return self._count(RowAction.ERROR)

    @property
    def errors(self) -> list[RowError]:
        return [error for row in self.rows for error in row.errors]

    @property
    def is_valid(self) -> bool:
        return bool(self.rows) and not self.with_errors


@dataclass
class ImportResult:
    filename: str
    created: int
    updated: int
    unchanged: int
    lists_created: list[str]
    memberships_added: int
    changed_fields: dict[str, int]


class ImportRejected(ValidationError):
    """The rows are not valid (any more): nothing was saved. `preview` says which and why."""

    def __init__(self, preview: ImportPreview):
        super().__init__(
            _("%(count)s rows have errors: nothing was imported.") % {"count": preview.with_errors}, code="rejected"
        )
        self.preview = preview


def user_can_import_decision_makers(*, user) -> bool:
    """An import creates and changes decision makers and recipient lists: it needs all four permissions."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.has_perms(
            [
                "delivery.add_decisionmaker",
                "delivery.change_decisionmaker",
                "delivery.add_recipientlist",
                "delivery.change_recipientlist",
            ]
        )
    )


# --- step 1: read and check, write nothing -------------------------------------------------------


def decision_makers_parse(*, file, filename: str) -> ImportPreview:
    """Read a CSV or XLSX upload and check every row against the database; save nothing.

    A file that cannot be read at all (wrong type, not UTF-8, no header, too big, too many
    rows, a broken or hostile XLSX) raises ValidationError with a message for the editor.
    Row problems do not raise: they are in the preview, row by row.
    """
    data = _read_upload(file)
    table = _csv_table(data) if _file_format(filename) == "csv" else _xlsx_table(data)
    columns, ignored, raw_rows = _rows_from_table(table)
    rows, new_lists = _check_rows(raw_rows, columns=columns)
    return ImportPreview(
        filename=os.path.basename(filename or ""),
        columns=columns,
        rows=rows,
        new_lists=new_lists,
        ignored_columns=ignored,
    )


def _read_upload(file) -> bytes:
    too_big = ValidationError(
        _("The file is larger than %(limit)s MB: split it into smaller files.")
        % {"limit": MAX_FILE_BYTES // (1024 * 1024)},
        code="too_big",
    )
    if (getattr(file, "size", None) or 0) > MAX_FILE_BYTES:
        raise too_big
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise too_big
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    return data


def _file_format(filename: str) -> str:
    extension = os.path.splitext((filename or "").lower())[1]
    if extension in (".csv", ".txt"):
        return "csv"
    if extension == ".xlsx":
        return "xlsx"
    if extension in (".xls", ".ods", ".numbers", ".xlsm", ".xlsb"):
        raise ValidationError(
            _("This spreadsheet format cannot be read: save it as Excel (.xlsx) or as CSV UTF-8 (.csv)."),
            code="format",
        )
    raise ValidationError(_("Upload a CSV (.csv) or Excel (.xlsx) file."), code="format")


def _csv_table(data: bytes) -> Iterator[tuple[int, list]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(
            _(
                "This file is not UTF-8 text (byte %(position)s cannot be read). In your spreadsheet program, "
                "save it as “CSV UTF-8” and upload it again."
            )
            % {"position": error.start + 1},
            code="encoding",
        ) from error
    # Spreadsheets in some languages save CSV with semicolons or tabs: the header line says which.
    header_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=header_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for number, values in enumerate(reader, start=1):
            yield number, values
    except csv.Error as error:
        raise ValidationError(
            _("Row %(row)s cannot be read as CSV (%(error)s).") % {"row": number + 1, "error": error}, code="csv"
        ) from error


def _xlsx_table(data: bytes) -> list[tuple[int, list]]:
    unreadable = ValidationError(
        _("This file cannot be read as an Excel (.xlsx) spreadsheet. Save it again as .xlsx, or as CSV UTF-8."),
        code="xlsx",
    )
    buffer = io.BytesIO(data)
    if not zipfile.is_zipfile(buffer):
        raise unreadable
    try:
        with zipfile.ZipFile(buffer) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        raise unreadable from error
    # Python's zipfile never unpacks more than a member's declared size: the sum bounds the work.
    if len(members) > MAX_XLSX_MEMBERS or sum(member.file_size for member in members) > MAX_XLSX_UNPACKED_BYTES:
        raise ValidationError(
            _("This spreadsheet unpacks to more than %(limit)s MB: split it into smaller files.")
            % {"limit": MAX_XLSX_UNPACKED_BYTES // (1024 * 1024)},
            code="xlsx_too_big",
        )

    from openpyxl import load_workbook

    rows = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "no default style" and the like: not the editor's concern
            # Not data_only: a formula cell reads as its "=…" text and is refused as a formula,
            # rather than passing on whatever value the file says it last computed.
            workbook = load_workbook(buffer, read_only=True, data_only=False)
            try:
                sheet = workbook.worksheets[0]
                for number, values in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
                    if number > MAX_SCANNED_ROWS + 1:
                        raise _too_many_rows()
                    rows.append((number, [_xlsx_cell_text(value) for value in values]))
            finally:
                workbook.close()
    except ValidationError:
        raise
    except Exception as error:  # openpyxl raises anything from KeyError to TypeError on a malformed file
        logger.info("Unreadable XLSX upload: %r", error)
        raise unreadable from error
    return rows


def _xlsx_cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # an ID typed as a number: 1234, not 1234.0
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _too_many_rows() -> ValidationError:
    return ValidationError(
        _("The file has more than %(limit)s rows: split it into smaller files.") % {"limit": f"{MAX_ROWS:,}"},
        code="too_many_rows",
    )


def _clean_cell(value) -> str:
    text = (value if isinstance(value, str) else str(value or "")).strip()
    # Our own exports put an apostrophe before text a spreadsheet would run ("'=…"):
    # take it off, so such a cell is checked (and refused) as what it really says.
    if text[:1] == "'" and text[1:2] and text[1:2] in FORMULA_PREFIXES:
        text = text[1:].strip()
    return text


def _header_name(value: str) -> str:
    return "_".join(value.strip().lower().replace("-", " ").split())


def _rows_from_table(table: Iterable[tuple[int, list]]) -> tuple[list[str], list[str], list[tuple[int, dict]]]:
    """The recognised columns, the ignored ones, and the non-blank rows as (row number, cells)."""
    positions: dict[str, int] | None = None
    ignored: list[str] = []
    raw_rows: list[tuple[int, dict]] = []
    for number, values in table:
        if number > MAX_SCANNED_ROWS + 1:
            raise _too_many_rows()
        values = [_clean_cell(value) for value in values[:MAX_COLUMNS]]
        if positions is None:
            positions, ignored = _read_header(values)
            continue
        if not any(values):
            continue
        if len(raw_rows) >= MAX_ROWS:
            raise _too_many_rows()
        cells = {column: (values[index] if index < len(values) else "") for column, index in positions.items()}
        raw_rows.append((number, cells))
    if positions is None:
        raise ValidationError(_("The file is empty."), code="empty")
    if not raw_rows:
        raise ValidationError(_("The file has column names but no rows of decision makers."), code="no_rows")
    return list(positions), ignored, raw_rows


def _read_header(values: list[str]) -> tuple[dict[str, int], list[str]]:
    expected = ", ".join(COLUMNS)
    positions: dict[str, int] = {}
    ignored = []
    for index, value in enumerate(values):
        name = _header_name(value)
        if name in COLUMNS:
            if name in positions:
                raise ValidationError(
                    _("The column “%(column)s” appears twice in the first row.") % {"column": name}, code="header"
                )
            positions[name] = index
        elif value:
            ignored.append(Truncator(value).chars(40))
    missing = [column for column in REQUIRED_COLUMNS if column not in positions]
    if missing:
        raise ValidationError(
            _("The first row must name the columns (%(expected)s); these are missing: %(missing)s.")
            % {"expected": expected, "missing": ", ".join(missing)},
            code="header",
        )
    return positions, ignored


def country_code(value: str) -> str:
    """The ISO code for "SY", "syr", "Syria" or "Syrian Arab Republic"; "" when it is no country."""
    text = " ".join((value or "").split())
    if not text:
        return ""
    if len(text) in (2, 3) and text.isalpha():
        code = countries.alpha2(text)
        if code:
            return code
    alias = COUNTRY_ALIASES.get(text.casefold())
    if alias:
        return countries.alpha2(alias)
    code = countries.by_name(text, language="en")
    return code if isinstance(code, str) else ""


def list_names(value: str) -> list[str]:
    """The recipient list names in a `lists` cell ("US Senate; Foreign ministers"), each once."""
    names, seen = [], set()
    for part in (value or "").split(LIST_SEPARATOR):
        name = " ".join(part.split())
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    return names


class _Lists:
    """The recipient lists that exist, found by name (exactly, then ignoring case)."""

    def __init__(self):
        self.by_name = {}
        self.by_key = {}
        for recipient_list in RecipientList.objects.order_by("pk"):
            self.by_name[recipient_list.name] = recipient_list
            self.by_key.setdefault(recipient_list.name.casefold(), recipient_list)

    def find(self, name: str) -> RecipientList | None:
        return self.by_name.get(name) or self.by_key.get(name.casefold())


def _chunks(items: Sequence, size: int = BATCH_SIZE) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _decision_makers_by_external_id(external_ids: Iterable[str], *, lock: bool = False) -> dict[str, DecisionMaker]:
    found = {}
    queryset = DecisionMaker.objects.select_for_update() if lock else DecisionMaker.objects.all()
    for chunk in _chunks(sorted(set(external_ids))):
        found.update((dm.external_id, dm) for dm in queryset.filter(external_id__in=chunk))
    return found


def _memberships(decision_maker_ids: Iterable[int]) -> set[tuple[int, int]]:
    """(decision maker id, list id) for every list these decision makers are on."""
    through = RecipientList.decision_makers.through
    found = set()
    for chunk in _chunks(sorted(set(decision_maker_ids))):
        found.update(
            through.objects.filter(decisionmaker_id__in=chunk).values_list("decisionmaker_id", "recipientlist_id")
        )
    return found


def _stored(decision_maker: DecisionMaker, name: str) -> str:
    value = getattr(decision_maker, name)
    return (value.code or "") if name == "country" else (value or "")


def _check_rows(
    raw_rows: Sequence[tuple[int, dict]], *, columns: Sequence[str], lock: bool = False
) -> tuple[list[ImportRow], list[str]]:
    """Check every row against the models' validators and the database; decide what each would do."""
    existing = _decision_makers_by_external_id((cells.get("external_id", "") for _, cells in raw_rows), lock=lock)
    memberships = _memberships(dm.pk for dm in existing.values())
    lists = _Lists()
    first_row_of: dict[str, int] = {}
    country_codes: dict[str, str] = {}  # the same few countries on thousands of rows: look each up once
    new_lists: dict[str, str] = {}
    rows = []
    for number, cells in raw_rows:
        row = _check_row(
            number, cells, columns=columns, existing=existing, first_row_of=first_row_of, country_codes=country_codes
        )
        if not row.errors:
            for name in row.lists:
                if lists.find(name) is None:
                    new_lists.setdefault(name.casefold(), name)  # the first spelling names the new list
            current = existing.get(row.external_id)
            if current is None:
                row.action = RowAction.CREATE
                row.changes = list(row.values) + (["lists"] if row.lists else [])
            else:
                row.changes = [name for name, value in row.values.items() if _stored(current, name) != value]
                joins = [
                    name
                    for name in row.lists
                    if (found := lists.find(name)) is None or (current.pk, found.pk) not in memberships
                ]
                if joins:
                    row.changes.append("lists")
                row.action = RowAction.UPDATE if row.changes else RowAction.UNCHANGED
        else:
            row.action = RowAction.ERROR
        rows.append(row)
    return rows, list(new_lists.values())


def _check_row(
    number: int, cells: dict, *, columns: Sequence[str], existing: dict, first_row_of: dict, country_codes: dict
) -> ImportRow:
    cells = {column: _clean_cell(cells.get(column, "")) for column in columns if column in COLUMNS}
    row = ImportRow(number=number, cells=cells)

    def error(column: str, message) -> None:
        row.errors.append(RowError(row=number, field=column, message=str(message)))

    for column, value in cells.items():
        char = find_forbidden_character(value)
        if char is not None:
            error(column, _("Remove the invisible control character (U+%(code)04X).") % {"code": ord(char)})
    for column in FORMULA_COLUMNS:
        value = cells.get(column, "")
        if value.startswith(FORMULA_STARTS) and not _has_error(row, column):
            error(column, _formula_message(value))

    values = {column: cells[column] for column in FIELD_COLUMNS if column in cells}
    if "country" in values and not _has_error(row, "country"):
        code = country_codes.get(values["country"])
        if code is None:
            code = country_codes[values["country"]] = country_code(values["country"])
        if not code:
            if values["country"]:
                message = _(
                    "“%(value)s” is not a country: use its two-letter code (such as “SY”) or its English name."
                )
                error("country", message % {"value": Truncator(values["country"]).chars(40)})
            else:
                error("country", _("Give the country: its two-letter code (such as “SY”) or its English name."))
        values["country"] = code

    row.lists = list_names(cells.get("lists", ""))
    if not _has_error(row, "lists"):
        for name in row.lists:
            if len(name) > LIST_NAME_MAX_LENGTH:
                error(
                    "lists",
                    _("The list name “%(name)s” is longer than %(limit)s characters.")
                    % {"name": Truncator(name).chars(40), "limit": LIST_NAME_MAX_LENGTH},
                )
            elif name.startswith(FORMULA_STARTS):
                error("lists", _formula_message(name))

    external_id = cells.get("external_id", "")
    if external_id and not _has_error(row, "external_id"):
        if external_id in first_row_of:
            error(
                "external_id",
                _("“%(id)s” is also on row %(row)s: each external ID can appear only once.")
                % {"id": Truncator(external_id).chars(40), "row": first_row_of[external_id]},
            )
        else:
            first_row_of[external_id] = number

    # The model's own validators: required fields, lengths, the email address.
    current = existing.get(external_id)
    candidate = copy.copy(current) if current is not None else DecisionMaker()
    for name, value in values.items():
        setattr(candidate, name, value)
    # The country is checked above (country_code only returns codes django-countries knows);
    # CountryField's own check walks every choice and would be most of an import's time.
    exclude = {problem.field for problem in row.errors} | {"photo", "country"}
    try:
        candidate.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as invalid:
        for name, messages in invalid.message_dict.items():
            for message in messages:
                error("" if name == NON_FIELD_ERRORS else name, message)
    row.values = values
    return row


def _has_error(row: ImportRow, column: str) -> bool:
    return any(error.field == column for error in row.errors)


def _formula_message(value: str) -> str:
    return _("“%(value)s” looks like a spreadsheet formula: text cannot start with =, +, - or @.") % {
        "value": Truncator(value).chars(40)
    }


# --- step 2: check again and apply, all or nothing -----------------------------------------------


def decision_makers_import(*, rows: Sequence[ImportRow], acting_user, filename: str = "") -> ImportResult:
    """Check the rows again against the database as it is now, then apply them in one transaction.

    Only the rows' numbers and cells are used, as text, and everything is validated again:
    rows kept since the preview (or built by a caller) cannot slip anything past the
    checks. Any error raises ImportRejected and nothing is saved; a concurrent change that
    breaks a unique constraint rolls everything back and raises ValidationError. The audit
    rows (one per decision maker created or changed, one per list) are written in the same
    transaction; the search index is updated after the commit.
    """
    if acting_user is not None and not user_can_import_decision_makers(user=acting_user):
        raise PermissionDenied
    raw_rows = [(int(row.number), {str(k): str(v) for k, v in row.cells.items()}) for row in rows]
    if not raw_rows:
        raise ValidationError(_("There is nothing to import."), code="empty")
    columns = [column for column in COLUMNS if column in raw_rows[0][1]]
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        raise ValidationError(
            _("These columns are missing: %(missing)s.") % {"missing": ", ".join(missing)}, code="header"
        )
    try:
        with transaction.atomic():
            return _apply(raw_rows, columns=columns, acting_user=acting_user, filename=os.path.basename(filename))
    except IntegrityError as error:
        logger.info("Decision maker import conflicted with another change: %r", error)
        raise ValidationError(
            _("Decision makers or lists were changed while this file was imported: nothing was saved. Try again."),
            code="conflict",
        ) from error


def _apply(raw_rows, *, columns, acting_user, filename: str) -> ImportResult:
    # Lock the decision makers this import updates: a concurrent edit waits for it.
    rows, new_lists = _check_rows(raw_rows, columns=columns, lock=True)
    if any(row.errors for row in rows):
        raise ImportRejected(ImportPreview(filename=filename, columns=list(columns), rows=rows, new_lists=new_lists))
    audit = _Audit(acting_user=acting_user, filename=filename)

    created_lists = []
    for name in new_lists:
        recipient_list = RecipientList(name=name)
        recipient_list.full_clean()
        recipient_list.save()
        audit.add(recipient_list, "wagtail.create")
        created_lists.append(recipient_list)
    lists = _Lists()

    creating = [row for row in rows if row.action == RowAction.CREATE]
    DecisionMaker.objects.bulk_create([DecisionMaker(**row.values) for row in creating], batch_size=BATCH_SIZE)
    existing = _decision_makers_by_external_id(row.external_id for row in rows)

    updating = [row for row in rows if row.action == RowAction.UPDATE]
    changed_fields = Counter(name for row in updating for name in row.changes)
    to_update = []
    for row in updating:
        decision_maker = existing[row.external_id]
        field_changes = [name for name in row.changes if name != "lists"]
        for name in field_changes:
            setattr(decision_maker, name, row.values[name])
        if field_changes:
            decision_maker.updated_at = audit.now  # bulk_update does not touch auto_now fields
            to_update.append(decision_maker)
    if to_update:
        fields = sorted(name for name in changed_fields if name != "lists")
        DecisionMaker.objects.bulk_update(to_update, [*fields, "updated_at"], batch_size=BATCH_SIZE)

    memberships_added = _join_lists(rows, existing=existing, lists=lists, audit=audit)
    for row in creating + updating:
        audit.add(
            existing[row.external_id],
            IMPORT_LOG_ACTION,
            row=row.number,
            created=row.action == RowAction.CREATE,
            fields=row.changes,
        )
    audit.save()

    touched = [existing[row.external_id].pk for row in creating] + [dm.pk for dm in to_update]
    if touched:
        transaction.on_commit(partial(_index_decision_makers, touched))
    return ImportResult(
        filename=filename,
        created=len(creating),
        updated=len(updating),
        unchanged=sum(1 for row in rows if row.action == RowAction.UNCHANGED),
        lists_created=[recipient_list.name for recipient_list in created_lists],
        memberships_added=memberships_added,
        changed_fields=dict(changed_fields),
    )


class _Audit:
    """The import's entries in Wagtail's log (each object's history), written together.

    Wagtail's history shows one entry per (uuid, action) across all objects, so the entries
    get no uuid (each is shown) and carry the import's id in their data instead.
    """

    def __init__(self, *, acting_user, filename: str):
        self.user_id = getattr(acting_user, "pk", None)
        self.filename = filename
        self.import_id = str(uuid.uuid4())
        self.now = timezone.now()
        self.entries: list[ModelLogEntry] = []

    def add(self, instance, action: str, **data) -> None:
        self.entries.append(
            ModelLogEntry(
                content_type=ContentType.objects.get_for_model(instance, for_concrete_model=False),
                object_id=str(instance.pk),
                label=str(instance),
                action=action,
                timestamp=self.now,
                user_id=self.user_id,
                content_changed=True,
                data={"file": self.filename, "import": self.import_id, **data},
            )
        )

    def save(self) -> None:
        ModelLogEntry.objects.bulk_create(self.entries, batch_size=BATCH_SIZE)


def _join_lists(rows, *, existing, lists: _Lists, audit: _Audit) -> int:
    """Add the decision makers to the lists their rows name (never removes anyone); return how many joins."""
    through = RecipientList.decision_makers.through
    wanted = {
        (existing[row.external_id].pk, lists.find(name).pk)
        for row in rows
        if "lists" in row.changes
        for name in row.lists
    }
    new = wanted - _memberships(pk for pk, _list_pk in wanted)
    through.objects.bulk_create(
        [through(decisionmaker_id=dm_pk, recipientlist_id=list_pk) for dm_pk, list_pk in sorted(new)],
        batch_size=BATCH_SIZE,
        ignore_conflicts=True,
    )
    joined = Counter(list_pk for _dm_pk, list_pk in new)
    if joined:
        RecipientList.objects.filter(pk__in=joined).update(updated_at=audit.now)
        for recipient_list in RecipientList.objects.filter(pk__in=joined).order_by("pk"):
            audit.add(recipient_list, LIST_IMPORT_LOG_ACTION, added=joined[recipient_list.pk])
    return len(new)


def _index_decision_makers(pks: list[int]) -> None:
    """After the commit: bulk_create and bulk_update skip the save signals that keep the search index."""
    from wagtail.search.backends import get_search_backends

    for chunk in _chunks(pks):
        objects = list(DecisionMaker.objects.filter(pk__in=chunk))
        for backend in get_search_backends(with_auto_update=True):
            try:
                backend.add_bulk(DecisionMaker, objects)
            except Exception:  # the import is committed; a stale index only slows the admin's search
                logger.exception("Could not index %s imported decision makers", len(objects))
