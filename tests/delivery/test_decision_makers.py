"""Decision makers and recipient lists in the Wagtail admin, the CSV/XLSX import, and the selectors."""

import csv
import io
import zipfile

import factory
import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from wagtail.models import ModelLogEntry

from coalition.delivery import importing
from coalition.delivery.importing import (
    ImportRejected,
    ImportRow,
    RowAction,
    decision_makers_import,
    decision_makers_parse,
)
from coalition.delivery.models import DecisionMaker, RecipientList
from coalition.delivery.selectors import decision_makers_for, letter_regions
from coalition.orgs.models import Membership
from tests.factories import LetterPageFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

INDEX = "delivery_decision_maker:index"
IMPORT = "delivery_decision_maker:import"
CONFIRM = "delivery_decision_maker:import_confirm"
HEADER = ["external_id", "name", "title", "office", "email", "country", "region", "lists"]
FORMULA = "=cmd|' /C calc'!A0"


class DecisionMakerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DecisionMaker

    external_id = factory.Sequence(lambda n: f"DM-{n:04d}")
    name = factory.Sequence(lambda n: f"Alex Member{n}")
    title = "Senator"
    office = "United States Senate"
    email = factory.Sequence(lambda n: f"member{n}@senate.example")
    country = "US"
    region = "CA"


class RecipientListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecipientList
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Recipient list {n}")

    @factory.post_generation
    def members(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.decision_makers.add(*extracted)


def senator(external_id="US-S-001", name="Alex Padilla", **overrides):
    row = {
        "external_id": external_id,
        "name": name,
        "title": "Senator",
        "office": "United States Senate",
        "email": f"{external_id.lower()}@senate.example",
        "country": "US",
        "region": "CA",
        "lists": "US Senate",
    }
    row.update(overrides)
    return row


def csv_bytes(rows, header=HEADER, delimiter=",") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header] if isinstance(row, dict) else row)
    return buffer.getvalue().encode()


def xlsx_bytes(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(column, "") for column in header])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def upload(data: bytes, name="decision-makers.csv"):
    return SimpleUploadedFile(name, data)


def parse(data: bytes, name="decision-makers.csv"):
    return decision_makers_parse(file=io.BytesIO(data), filename=name)


def parse_error(data: bytes, name: str) -> str:
    with pytest.raises(ValidationError) as caught:
        parse(data, name)
    return " ".join(caught.value.messages)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def assert_refused(response):
    """Wagtail answers a refusal in the admin with a redirect to the dashboard (or 403)."""
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"] == reverse("wagtailadmin_home")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def partner(organization):
    """Partner staff: in the Wagtail admin to co-draft their letters, nothing more."""
    return MembershipFactory(organization=organization, role=Membership.Role.OWNER).user


def preview_then_confirm(client, data: bytes, name="decision-makers.csv"):
    preview = client.post(reverse(IMPORT), {"file": upload(data, name)})
    assert preview.status_code == 200
    token = preview.context["token"]
    assert token, preview.context["preview"].errors
    return preview, client.post(reverse(CONFIRM), {"token": token})


# --- the preview: every row checked, nothing saved ------------------------------------------------


def test_preview_lists_row_errors_and_saves_nothing(editor_client):
    rows = [
        senator("US-S-001"),
        senator("US-S-002", email="not-an-email"),
        senator("US-S-003", country="Atlantis"),
        senator("US-S-001", name="Same ID Again"),
        senator("US-S-004", name="Nul\x00Byte"),
        senator("US-S-005", name="N" * 201),
        senator("US-S-006", email=""),
        senator("US-S-007", office="Senate\u202eetanes"),
    ]

    response = editor_client.post(reverse(IMPORT), {"file": upload(csv_bytes(rows))})

    assert response.status_code == 200
    preview = response.context["preview"]
    assert (preview.to_create, preview.to_update, preview.unchanged, preview.with_errors) == (1, 0, 0, 7)
    errors = {(error.row, error.field) for error in preview.errors}
    assert {(3, "email"), (4, "country"), (5, "external_id"), (6, "name"), (7, "name"), (8, "email")} <= errors
    assert (9, "office") in errors
    messages = {(error.row, error.field): error.message for error in preview.errors}
    assert "also on row 2" in messages[(5, "external_id")]
    assert "control character" in messages[(6, "name")]
    assert "at most 200 characters" in messages[(7, "name")]
    html = response.content.decode()
    assert "Atlantis" in html and "is not a country" in html
    assert "disabled>Confirm import</button>" in html and 'name="token"' not in html
    assert not response.context["token"]
    assert "delivery_decision_maker_import" not in editor_client.session
    assert DecisionMaker.objects.count() == 0 and RecipientList.objects.count() == 0


def test_preview_counts_new_updated_and_unchanged_rows_and_names_new_lists(editor_client):
    kept = DecisionMakerFactory(**{k: v for k, v in senator().items() if k != "lists"})
    RecipientListFactory(name="US Senate", members=[kept])
    DecisionMakerFactory(external_id="US-S-002", name="Old Name", email="us-s-002@senate.example", region="CA")
    rows = [
        senator("US-S-001"),
        senator("US-S-002", name="New Name"),
        senator("US-S-003", lists="Judiciary; us senate"),
    ]

    preview = parse(csv_bytes(rows))

    assert [row.action for row in preview.rows] == [RowAction.UNCHANGED, RowAction.UPDATE, RowAction.CREATE]
    assert preview.rows[1].changes == ["name", "lists"]
    assert preview.new_lists == ["Judiciary"]  # “us senate” is the existing list, whatever its case
    assert preview.is_valid
    assert DecisionMaker.objects.get(external_id="US-S-002").name == "Old Name"


def test_header_names_ignore_case_and_order_and_semicolon_csv_works():
    header = ["Email", "NAME", "Country", "External ID", "Region", "Notes"]
    data = csv_bytes([["a@b.example", "Penny Wong", "Australia", "AU-1", "SA", "x"]], header=header, delimiter=";")

    preview = parse(data)

    assert preview.is_valid and preview.ignored_columns == ["Notes"]
    assert preview.rows[0].values == {
        "external_id": "AU-1",
        "name": "Penny Wong",
        "email": "a@b.example",
        "country": "AU",
        "region": "SA",
    }


@pytest.mark.parametrize(
    ("written", "code"), [("sy", "SY"), ("Syria", "SY"), ("united states", "US"), ("USA", "US"), ("FRANCE", "FR")]
)
def test_country_is_an_iso_code_or_an_english_name(written, code):
    assert parse(csv_bytes([senator(country=written)])).rows[0].values["country"] == code


# --- confirming: everything at once or nothing --------------------------------------------------------


def test_confirm_applies_the_rows_and_creates_missing_lists(editor_client, editor):
    rows = [senator("US-S-001"), senator("US-S-002", name="Laphonza Butler", lists="US Senate; Judiciary")]

    preview, response = preview_then_confirm(editor_client, csv_bytes(rows))

    assert "Confirm import" in preview.content.decode()
    assert response.status_code == 302 and response["Location"] == reverse(INDEX)
    assert "2 decision makers added" in " ".join(messages_of(response))
    assert set(DecisionMaker.objects.values_list("external_id", flat=True)) == {"US-S-001", "US-S-002"}
    senate, judiciary = RecipientList.objects.get(name="US Senate"), RecipientList.objects.get(name="Judiciary")
    assert senate.decision_makers.count() == 2
    assert list(judiciary.decision_makers.values_list("name", flat=True)) == ["Laphonza Butler"]
    butler = DecisionMaker.objects.get(external_id="US-S-002")
    assert butler.country.code == "US" and butler.region == "CA" and butler.active
    entry = ModelLogEntry.objects.get(action=importing.IMPORT_LOG_ACTION, object_id=str(butler.pk))
    assert entry.user == editor and entry.data["file"] == "decision-makers.csv"
    assert "delivery_decision_maker_import" not in editor_client.session
    # The token is spent: confirming twice imports nothing more.
    again = editor_client.post(reverse(CONFIRM), {"token": preview.context["token"]})
    assert again.status_code == 302 and again["Location"] == reverse(IMPORT)
    assert DecisionMaker.objects.count() == 2


def test_each_imported_decision_maker_and_list_has_the_import_in_its_history(editor_client):
    rows = [senator("US-S-001"), senator("US-S-002", name="Laphonza Butler")]
    preview_then_confirm(editor_client, csv_bytes(rows))
    rows[1]["email"] = "butler@senate.example"
    preview_then_confirm(editor_client, csv_bytes(rows))

    for dm in DecisionMaker.objects.all():
        history = editor_client.get(reverse("delivery_decision_maker:history", args=[dm.pk])).content.decode()
        assert "Added by the import of “decision-makers.csv”" in history
    butler = DecisionMaker.objects.get(external_id="US-S-002")
    history = editor_client.get(reverse("delivery_decision_maker:history", args=[butler.pk])).content.decode()
    assert "(row 3): email" in history
    senate = RecipientList.objects.get()
    history = editor_client.get(reverse("delivery_recipient_list:history", args=[senate.pk])).content.decode()
    assert "Created" in history and "added 2 decision makers" in history


def test_reimport_updates_by_external_id_and_reports_unchanged_rows(editor_client):
    rows = [senator("US-S-001"), senator("US-S-002", name="Laphonza Butler")]
    preview_then_confirm(editor_client, csv_bytes(rows))
    first = {dm.external_id: dm.pk for dm in DecisionMaker.objects.all()}

    rows[1]["name"] = "Laphonza R. Butler"
    preview, response = preview_then_confirm(editor_client, csv_bytes(rows))

    counts = preview.context["preview"]
    assert (counts.to_create, counts.to_update, counts.unchanged) == (0, 1, 1)
    message = " ".join(messages_of(response))
    assert "0 decision makers added, 1 updated, 1 unchanged" in message and "name (1)" in message
    assert {dm.external_id: dm.pk for dm in DecisionMaker.objects.all()} == first
    assert DecisionMaker.objects.get(external_id="US-S-002").name == "Laphonza R. Butler"
    assert RecipientList.objects.get().decision_makers.count() == 2


def test_a_column_the_file_leaves_out_keeps_its_value():
    DecisionMakerFactory(external_id="US-S-001", office="Senate", title="Senator", region="CA")
    header = ["external_id", "name", "email", "country"]
    rows = [senator("US-S-001", name="Renamed")]

    preview = parse(csv_bytes(rows, header=header))
    decision_makers_import(rows=preview.rows, acting_user=None, filename="x.csv")

    dm = DecisionMaker.objects.get()
    assert (dm.name, dm.office, dm.title, dm.region) == ("Renamed", "Senate", "Senator", "CA")


def test_a_file_with_one_bad_row_imports_nothing(editor_client):
    rows = [senator("US-S-001"), senator("US-S-002"), senator("US-S-003", email="nope")]

    response = editor_client.post(reverse(IMPORT), {"file": upload(csv_bytes(rows))})
    # Even without the preview's button, rows that do not pass are refused by the service.
    with pytest.raises(ImportRejected) as rejected:
        decision_makers_import(rows=response.context["preview"].rows, acting_user=None)

    assert rejected.value.preview.with_errors == 1
    assert editor_client.post(reverse(CONFIRM), {"token": "guessed"})["Location"] == reverse(IMPORT)
    assert DecisionMaker.objects.count() == 0 and RecipientList.objects.count() == 0


def test_rows_are_checked_again_on_confirm():
    rows = [ImportRow(number=2, cells={**senator(), "name": FORMULA})]  # never through the preview
    with pytest.raises(ImportRejected):
        decision_makers_import(rows=rows, acting_user=None)
    assert DecisionMaker.objects.count() == 0


def test_a_failure_halfway_rolls_everything_back(monkeypatch):
    preview = parse(csv_bytes([senator("US-S-001"), senator("US-S-002", lists="New list")]))

    def fail(*args, **kwargs):
        raise IntegrityError("concurrent insert")

    monkeypatch.setattr(importing, "_join_lists", fail)  # after the lists and decision makers are written
    with pytest.raises(ValidationError, match="nothing was saved"):
        decision_makers_import(rows=preview.rows, acting_user=None)

    assert DecisionMaker.objects.count() == 0 and RecipientList.objects.count() == 0
    assert not ModelLogEntry.objects.filter(action=importing.IMPORT_LOG_ACTION).exists()


# --- formulas: refused on the way in, neutralized on the way out -------------------------------------


@pytest.mark.parametrize("column", ["name", "title", "office"])
@pytest.mark.parametrize("value", [FORMULA, "+1+1", "-2+3", "@SUM(A1)"])
def test_formula_cells_are_refused(column, value):
    preview = parse(csv_bytes([senator(**{column: value})]))
    assert [(e.field, "looks like a spreadsheet formula" in e.message) for e in preview.errors] == [(column, True)]


def test_formula_in_a_list_name_is_refused():
    preview = parse(csv_bytes([senator(lists="US Senate; =HYPERLINK(1)")]))
    assert [error.field for error in preview.errors] == ["lists"]


def test_formula_name_is_neutralized_in_both_exports_and_refused_if_imported_back(editor_client):
    DecisionMakerFactory(external_id="X-1", name=FORMULA, title="-Senator", email="x@senate.example")

    response = editor_client.get(reverse(INDEX), {"export": "csv"})
    text = b"".join(response.streaming_content).decode()
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["name"] == "'" + FORMULA and row["title"] == "'-Senator"

    xlsx = editor_client.get(reverse(INDEX), {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    headings = [cell.value for cell in sheet[1]]
    cell = sheet.cell(row=2, column=headings.index("name") + 1)
    assert cell.value == FORMULA and cell.data_type == "s" and cell.quotePrefix

    # The export's apostrophe is taken off on the way back in, and the formula refused.
    preview = parse(text.encode())
    assert {error.field for error in preview.errors} == {"name", "title"}


def test_an_export_imports_back_unchanged(editor_client):
    dm = DecisionMakerFactory(external_id="AU-1", name="Penny Wong", country="AU", region="SA", title="", office="")
    RecipientListFactory(name="Australian ministers", members=[dm])
    response = editor_client.get(reverse(INDEX), {"export": "csv"})

    preview = parse(b"".join(response.streaming_content))

    assert preview.is_valid and preview.unchanged == 1 and preview.ignored_columns == ["active"]


# --- CSV and XLSX ---------------------------------------------------------------------------------------


def test_xlsx_and_csv_import_the_same(editor_client):
    rows = [senator("US-S-001"), senator("US-S-002", name="Laphonza Butler")]
    preview_then_confirm(editor_client, xlsx_bytes(rows), name="senate.xlsx")
    assert DecisionMaker.objects.count() == 2

    rows[0]["title"] = "Senior Senator"
    csv_preview = parse(csv_bytes(rows))
    xlsx_preview = parse(xlsx_bytes(rows), "senate.xlsx")

    for preview in (csv_preview, xlsx_preview):
        assert [(row.action, row.changes) for row in preview.rows] == [
            (RowAction.UPDATE, ["title"]),
            (RowAction.UNCHANGED, []),
        ]


def test_xlsx_numbers_and_formulas_are_read_as_text():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append([1234, "Numbered", "", "", "n@senate.example", "US", 12.0, ""])
    sheet.append(["X-2", "=A2&B2", "", "", "f@senate.example", "US", "", ""])
    output = io.BytesIO()
    workbook.save(output)

    preview = parse(output.getvalue(), "numbers.xlsx")

    assert preview.rows[0].values["external_id"] == "1234" and preview.rows[0].values["region"] == "12"
    assert [error.field for error in preview.rows[1].errors] == ["name"]


# --- files that are not what they say --------------------------------------------------------------------


def zip_bytes(members: dict[str, int]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, size in members.items():
            with archive.open(name, "w") as member:
                for _ in range(size // (1024 * 1024)):
                    member.write(b"\0" * (1024 * 1024))
    return buffer.getvalue()


def test_junk_files_get_a_clear_error():
    assert "cannot be read as an Excel" in parse_error(b"\x00\x01 not a zip at all", "list.xlsx")
    assert "cannot be read as an Excel" in parse_error(zip_bytes({"hello.txt": 0}), "list.xlsx")
    assert "unpacks to more than 64 MB" in parse_error(zip_bytes({"xl/worksheets/sheet1.xml": 70 << 20}), "b.xlsx")
    assert "not UTF-8" in parse_error("external_id,name\nX,Müller".encode("latin-1"), "list.csv")
    assert "save it as “CSV UTF-8”" in parse_error(b"\xff\xfe\x00junk", "list.csv")
    assert "Upload a CSV" in parse_error(b"%PDF-1.4", "list.pdf")
    assert "save it as Excel (.xlsx)" in parse_error(b"\xd0\xcf\x11\xe0", "list.xls")
    assert "these are missing: external_id, email, country" in parse_error(b"name\nSomeone\n", "list.csv")
    assert "empty" in parse_error(b"", "list.csv")
    assert "no rows" in parse_error(csv_bytes([]), "list.csv")
    assert "larger than 5 MB" in parse_error(b"x" * (5 * 1024 * 1024 + 1), "list.csv")


def test_an_xml_entity_bomb_in_an_xlsx_is_refused():
    laughs = '<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "haha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><t>&b;</t>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", laughs)
        archive.writestr("xl/workbook.xml", laughs)
    assert "cannot be read as an Excel" in parse_error(buffer.getvalue(), "laughs.xlsx")


def test_too_many_rows_are_refused(monkeypatch):
    monkeypatch.setattr(importing, "MAX_ROWS", 3)
    message = parse_error(csv_bytes([senator(f"ID-{n}") for n in range(4)]), "list.csv")
    assert "more than 3 rows" in message


def test_junk_upload_in_the_admin_is_an_error_on_the_form_not_a_500(editor_client):
    response = editor_client.post(reverse(IMPORT), {"file": upload(b"PK\x03\x04broken", "list.xlsx")})
    assert response.status_code == 200
    assert "cannot be read as an Excel" in response.content.decode()
    assert DecisionMaker.objects.count() == 0


# --- who may see it ------------------------------------------------------------------------------------


def test_partner_staff_are_refused_everywhere(client, partner):
    dm = DecisionMakerFactory()
    recipient_list = RecipientListFactory(members=[dm])
    client.force_login(partner)
    assert client.get(reverse("wagtailadmin_home")).status_code == 200  # they do reach the admin

    for url in [
        reverse(INDEX),
        reverse(INDEX) + "?export=csv",
        reverse(INDEX) + "?export=xlsx",
        reverse("delivery_decision_maker:add"),
        reverse("delivery_decision_maker:edit", args=[dm.pk]),
        reverse("delivery_decision_maker:delete", args=[dm.pk]),
        reverse(IMPORT),
        reverse("delivery_recipient_list:index"),
        reverse("delivery_recipient_list:edit", args=[recipient_list.pk]),
    ]:
        response = client.get(url)
        assert_refused(response)
        assert dm.email not in response.content.decode()
    assert_refused(client.post(reverse(IMPORT), {"file": upload(csv_bytes([senator()]))}))
    assert_refused(client.post(reverse(CONFIRM), {"token": "x"}))
    assert_refused(client.post(reverse("delivery_decision_maker:delete", args=[dm.pk])))
    assert DecisionMaker.objects.count() == 1
    with pytest.raises(PermissionDenied):
        decision_makers_import(rows=parse(csv_bytes([senator("NEW")])).rows, acting_user=partner)
    assert not DecisionMaker.objects.filter(external_id="NEW").exists()


def test_people_without_admin_access_are_sent_to_login(client):
    client.force_login(UserFactory())
    response = client.get(reverse(IMPORT))
    assert response.status_code == 302 and "login" in response["Location"]


# --- the editor's screens ------------------------------------------------------------------------------


def test_editor_sees_the_delivery_menu_listing_and_forms(editor_client):
    dm = DecisionMakerFactory(name="Alex Padilla", country="US", region="CA")
    recipient_list = RecipientListFactory(name="US Senate", members=[dm])

    home = editor_client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Delivery" in home and "Decision makers" in home and "Recipient lists" in home
    listing = editor_client.get(reverse(INDEX))
    html = listing.content.decode()
    assert listing.status_code == 200 and "Alex Padilla" in html and "US Senate" in html
    assert reverse(IMPORT) in html
    for url in [
        reverse("delivery_decision_maker:add"),
        reverse("delivery_decision_maker:edit", args=[dm.pk]),
        reverse(IMPORT),
        reverse("delivery_recipient_list:index"),
        reverse("delivery_recipient_list:add"),
        reverse("delivery_recipient_list:edit", args=[recipient_list.pk]),
    ]:
        assert editor_client.get(url).status_code == 200, url
    assert reverse(IMPORT) == "/admin/delivery/decision-makers/import/"
    edit_list = editor_client.get(reverse("delivery_recipient_list:edit", args=[recipient_list.pk])).content.decode()
    assert "data-checkbox-filter-input" in edit_list and "js/checkbox_filter.js" in edit_list
    assert "Alex Padilla – Senator, United States Senate (US CA)" in edit_list


def test_the_listing_filters_and_searches(editor_client):
    senate = RecipientListFactory(name="US Senate")
    DecisionMakerFactory(name="Alex Padilla", country="US", region="CA", external_id="P-1")
    RecipientListFactory(members=[DecisionMakerFactory(name="Penny Wong", country="AU", region="SA")])
    senate.decision_makers.add(DecisionMakerFactory(name="Ted Cruz", region="TX", office="Senate", active=False))

    def names(**params):
        response = editor_client.get(reverse(INDEX), params)
        return {name for name in ("Alex Padilla", "Penny Wong", "Ted Cruz") if name in response.content.decode()}

    assert names(country="AU") == {"Penny Wong"}
    assert names(region="TX") == {"Ted Cruz"}
    assert names(active="false") == {"Ted Cruz"}
    assert names(recipient_list=senate.pk) == {"Ted Cruz"}
    assert names(q="P-1") == {"Alex Padilla"}


def test_editor_adds_a_decision_maker_and_a_list_in_the_forms(editor_client):
    response = editor_client.post(
        reverse("delivery_decision_maker:add"),
        {"external_id": "AU-9", "name": "Penny Wong", "email": "wong@aph.example", "country": "AU", "active": "on"},
    )
    assert response.status_code == 302
    dm = DecisionMaker.objects.get(external_id="AU-9")

    refused = editor_client.post(
        reverse("delivery_decision_maker:add"),
        {"external_id": "AU-10", "name": FORMULA, "email": "x@aph.example", "country": "AU"},
    )
    assert refused.status_code == 200 and not DecisionMaker.objects.filter(external_id="AU-10").exists()

    response = editor_client.post(
        reverse("delivery_recipient_list:add"),
        {"name": "Australian ministers", "description": "", "region_label": "State", "decision_makers": [dm.pk]},
    )
    assert response.status_code == 302
    assert list(RecipientList.objects.get(name="Australian ministers").decision_makers.all()) == [dm]
    listing = editor_client.get(reverse("delivery_recipient_list:index"))
    assert listing.status_code == 200 and "Australian ministers" in listing.content.decode()
    assert listing.context["object_list"][0].members_count == 1


# --- selectors -----------------------------------------------------------------------------------------


@pytest.fixture
def letter(db):
    return LetterPageFactory()


def attach(letter, *recipient_lists):
    letter.recipient_lists.add(*recipient_lists)
    letter.save()


def test_decision_makers_for_matches_country_and_region_ignoring_case(letter):
    padilla = DecisionMakerFactory(name="Alex Padilla", country="US", region="CA")
    cruz = DecisionMakerFactory(name="Ted Cruz", country="US", region="tx")
    wong = DecisionMakerFactory(name="Penny Wong", country="AU", region="CA")
    attach(letter, RecipientListFactory(members=[padilla, cruz, wong]))

    assert list(decision_makers_for(letter=letter, country="US", region="ca")) == [padilla]
    assert list(decision_makers_for(letter=letter, country="US", region=" TX ")) == [cruz]
    assert list(decision_makers_for(letter=letter, country="AU", region="CA")) == [wong]
    assert list(decision_makers_for(letter=letter, country="US", region="NY")) == []


def test_whole_country_offices_are_included_for_every_region(letter):
    president = DecisionMakerFactory(name="A President", country="US", region="")
    padilla = DecisionMakerFactory(name="Alex Padilla", country="US", region="CA")
    attach(letter, RecipientListFactory(members=[president, padilla]))

    assert list(decision_makers_for(letter=letter, country="US", region="CA")) == [president, padilla]
    assert list(decision_makers_for(letter=letter, country="US", region="NY")) == [president]
    assert list(decision_makers_for(letter=letter, country="US", region="")) == [president]


def test_inactive_and_other_lists_are_excluded_and_each_appears_once(letter):
    padilla = DecisionMakerFactory(name="Alex Padilla", country="US", region="CA")
    retired = DecisionMakerFactory(name="Retired Senator", country="US", region="CA", active=False)
    elsewhere = DecisionMakerFactory(name="Not On The Letter", country="US", region="CA")
    attach(letter, RecipientListFactory(members=[padilla, retired]), RecipientListFactory(members=[padilla]))
    RecipientListFactory(members=[elsewhere])
    LetterPageFactory().recipient_lists.add(RecipientListFactory(members=[elsewhere]))

    assert list(decision_makers_for(letter=letter, country="US", region="CA")) == [padilla]


def test_letter_regions_lists_each_available_region_once(letter):
    attach(
        letter,
        RecipientListFactory(
            members=[
                DecisionMakerFactory(country="US", region="CA"),
                DecisionMakerFactory(country="US", region="ca"),
                DecisionMakerFactory(country="US", region="TX"),
                DecisionMakerFactory(country="US", region=""),
                DecisionMakerFactory(country="US", region="NY", active=False),
                DecisionMakerFactory(country="AU", region="SA"),
            ]
        ),
    )
    RecipientListFactory(members=[DecisionMakerFactory(country="US", region="WA")])

    assert letter_regions(letter=letter, country="US") == [("CA", "CA"), ("TX", "TX")]
    assert letter_regions(letter=letter, country="AU") == [("SA", "SA")]
    assert letter_regions(letter=letter, country="SY") == []
