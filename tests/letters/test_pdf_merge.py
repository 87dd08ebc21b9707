"""Merging the signed PDF's part files: pages in order, overlays on top, fonts written once, one structure tree."""

import hashlib
import json
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import weasyprint
from pypdf import PdfReader
from pypdf.generic import IndirectObject

from coalition.letters.pdf.merge import MergeResult, pdf_merge

CSS = "@page { size: A6; margin: 1cm } body { font-family: sans-serif; font-size: 9pt }"
CREATED = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
META = {"title": "Open letter", "author": "Coalition", "lang": "en", "created": CREATED, "subject": "Signatories"}


def render(path: Path, body: str, *, tags: bool = True) -> Path:
    html = f'<html lang="en"><head><style>{CSS}</style></head><body>{body}</body></html>'
    weasyprint.HTML(string=html).write_pdf(path, pdf_tags=tags)
    return path


def part(path: Path, label: str, pages: int, *, extra: str = "") -> Path:
    body = "".join(
        f'<p style="{"break-before: page" if i > 1 else ""}">{label}-{i}</p>{extra}' for i in range(1, pages + 1)
    )
    return render(path, body)


def overlay(path: Path, first: int, last: int, total: int) -> Path:
    """One page per output page, 'page X of Y' near the bottom; untagged, as the merge expects."""
    body = "".join(
        f'<p style="margin-top: 10cm; {"break-before: page" if i > first else ""}">page {i} of {total}</p>'
        for i in range(first, last + 1)
    )
    return render(path, body, tags=False)


def texts(path: Path) -> list[str]:
    reader = PdfReader(path, strict=True)
    return [page.extract_text() for page in reader.pages]


def pdfinfo(path: Path) -> tuple[str, str]:
    done = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return done.stdout, done.stderr


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("parts")
    return {
        "a": part(folder / "a.pdf", "Alpha", 2),
        "b": part(folder / "b.pdf", "Beta", 3, extra='<p>See <a href="https://example.org/">the site</a></p>'),
        "overlay_a": overlay(folder / "overlay-a.pdf", 1, 2, 5),
        "overlay_b": overlay(folder / "overlay-b.pdf", 3, 5, 5),
        "overlay_4": overlay(folder / "overlay-4.pdf", 1, 4, 5),
    }


@pytest.fixture(scope="module")
def merged(files, tmp_path_factory):
    output = tmp_path_factory.mktemp("merged") / "letter.pdf"
    result = pdf_merge([files["a"], files["b"]], output, overlays=[files["overlay_a"], files["overlay_b"]], **META)
    return output, result


def test_pages_in_order_with_their_overlay(merged):
    output, result = merged
    assert result.pages == 5
    pages = texts(output)
    expected = ["Alpha-1", "Alpha-2", "Beta-1", "Beta-2", "Beta-3"]
    assert len(pages) == 5
    for number, (text, label) in enumerate(zip(pages, expected, strict=True), start=1):
        assert label in text
        assert f"page {number} of 5" in text
        others = set(expected) - {label}
        assert not any(re.search(rf"\b{other}\b", text) for other in others)
    stdout, stderr = pdfinfo(output)
    assert re.search(r"^Pages:\s+5$", stdout, re.MULTILINE)
    assert "Tagged:          yes" in stdout
    assert "error" not in stderr.lower()
    done = subprocess.run(["pdftotext", str(output), "-"], capture_output=True, text=True, check=True)
    assert "Beta-3" in done.stdout
    assert "error" not in done.stderr.lower()


def test_overlay_is_a_form_xobject_drawn_as_an_artifact(merged):
    output, _ = merged
    reader = PdfReader(output, strict=True)
    forms = set()
    for page in reader.pages:
        xobject = page["/Resources"]["/XObject"].raw_get("/CoalitionFooter")
        forms.add(xobject.idnum)
        form = xobject.get_object()
        assert form["/Subtype"] == "/Form"
        assert [float(v) for v in form["/BBox"]] == pytest.approx([float(v) for v in page.mediabox])
        contents = page["/Contents"]
        first, last = contents[0].get_object().get_data(), contents[-1].get_object().get_data()
        assert first.strip() == b"q"
        assert b"/Artifact BMC" in last
        assert b"/CoalitionFooter Do" in last
        assert last.strip().endswith(b"EMC")
    assert len(forms) == 5


def test_result_matches_the_file(merged):
    output, result = merged
    data = output.read_bytes()
    assert isinstance(result, MergeResult)
    assert result.size == len(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()


def test_same_inputs_same_bytes(files, merged, tmp_path):
    _, first = merged
    again = pdf_merge(
        [files["a"], files["b"]], tmp_path / "again.pdf", overlays=[files["overlay_a"], files["overlay_b"]], **META
    )
    assert again.sha256 == first.sha256


def test_info_and_catalog(merged):
    output, _ = merged
    reader = PdfReader(output, strict=True)
    info = reader.metadata
    assert info.title == "Open letter"
    assert info.author == "Coalition"
    assert info.subject == "Signatories"
    assert info["/Creator"] == "Coalition"
    assert info["/CreationDate"] == "D:20260304050607+00'00'"
    assert info["/ModDate"] == "D:20260304050607+00'00'"
    catalog = reader.root_object
    assert catalog["/Lang"] == "en"
    assert catalog["/MarkInfo"]["/Marked"] is True or catalog["/MarkInfo"]["/Marked"] == True  # noqa: E712
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"] == True  # noqa: E712
    assert b"Open letter" in catalog["/Metadata"].get_object().get_data()
    assert len(reader.trailer["/ID"]) == 2


def test_one_structure_tree(files, merged):
    output, _ = merged
    reader = PdfReader(output, strict=True)
    tree = reader.root_object["/StructTreeRoot"].get_object()
    document_ref = tree.raw_get("/K")
    document = document_ref.get_object()
    assert document["/S"] == "/Document"
    assert document.raw_get("/P").idnum == tree.indirect_reference.idnum

    # Its kids are the parts' top-level elements, in order, each pointing back to it.
    kids = [kid.get_object() for kid in document["/K"]]
    per_part = []
    for path in (files["a"], files["b"]):
        part_tree = PdfReader(path).root_object["/StructTreeRoot"]
        per_part.append(len(part_tree["/K"][0].get_object()["/K"]))
    assert len(kids) == sum(per_part)
    for kid in kids:
        assert kid.raw_get("/P").idnum == document_ref.idnum

    nums = tree["/ParentTree"].get_object()["/Nums"]
    keys = [int(nums[i]) for i in range(0, len(nums), 2)]
    assert len(keys) == len(set(keys))
    assert int(tree["/ParentTreeNextKey"]) > max(keys)
    values = dict(zip(keys, [nums[i].get_object() for i in range(1, len(nums), 2)], strict=True))

    page_keys = [int(page["/StructParents"]) for page in reader.pages]
    assert len(set(page_keys)) == 5
    assert set(page_keys) <= set(keys)
    # Each page's marked content belongs to elements on that page.
    for page, key in zip(reader.pages, page_keys, strict=True):
        elements = values[key]
        assert elements
        for element in elements:
            assert element.get_object().raw_get("/Pg").idnum == page.indirect_reference.idnum

    # Link annotations keep their own key, renumbered with their part's.
    annotation_keys = []
    for page in reader.pages:
        for annotation in page.get("/Annots", []):
            annotation = annotation.get_object()
            if "/StructParent" in annotation:
                annotation_keys.append(int(annotation["/StructParent"]))
                # Its element in the parent tree refers back to it.
                element = values[int(annotation["/StructParent"])]
                kids = element["/K"] if isinstance(element["/K"], list) else [element["/K"]]
                objects = [kid.get_object() for kid in kids if not isinstance(kid, int)]
                assert any(
                    kid.get("/Type") == "/OBJR" and kid.raw_get("/Obj").idnum == annotation.indirect_reference.idnum
                    for kid in objects
                )
    assert len(annotation_keys) == 3
    assert set(annotation_keys) <= set(keys)
    assert not set(annotation_keys) & set(page_keys)
    assert len(set(annotation_keys)) == 3
    for key in annotation_keys:
        assert isinstance(nums[keys.index(key) * 2 + 1], IndirectObject)


def test_overlay_page_count_must_match(files, tmp_path):
    output = tmp_path / "out.pdf"
    with pytest.raises(ValueError, match="overlays"):
        pdf_merge([files["a"], files["b"]], output, overlays=[files["overlay_4"]], **META)
    assert not output.exists()
    with pytest.raises(ValueError, match="overlays"):
        pdf_merge([files["a"]], output, overlays=[files["overlay_a"], files["overlay_b"]], **META)
    assert not output.exists()


def test_without_overlays(files, tmp_path):
    output = tmp_path / "plain.pdf"
    result = pdf_merge([files["b"], files["a"]], output, **META)
    assert result.pages == 5
    pages = texts(output)
    assert ["Beta-1" in pages[0], "Alpha-2" in pages[4]] == [True, True]
    assert not any("of 5" in text for text in pages)
    stdout, stderr = pdfinfo(output)
    assert re.search(r"^Pages:\s+5$", stdout, re.MULTILINE)
    assert "error" not in stderr.lower()


def font_files(reader: PdfReader) -> set[int]:
    found = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts = [d.get_object() for d in font.get("/DescendantFonts", [])] or [font]
            for each in fonts:
                descriptor = each["/FontDescriptor"].get_object()
                for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                    if key in descriptor:
                        found.add(descriptor.raw_get(key).idnum)
    return found


def test_identical_font_programs_are_written_once(files, tmp_path):
    single = files["a"].stat().st_size
    output = tmp_path / "five.pdf"
    result = pdf_merge([files["a"]] * 5, output, **META)
    assert result.pages == 10
    assert result.size < 2 * single
    reader = PdfReader(output, strict=True)
    assert len(font_files(reader)) == 1
    assert [text.strip() for text in texts(output)] == ["Alpha-1", "Alpha-2"] * 5
    stdout, stderr = pdfinfo(output)
    assert re.search(r"^Pages:\s+10$", stdout, re.MULTILINE)
    assert "error" not in stderr.lower()


MERGE_AND_MEASURE = """
import json, resource, sys, time
from datetime import datetime, UTC
from pathlib import Path
from coalition.letters.pdf.merge import pdf_merge
chunk, count, output = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.monotonic()
result = pdf_merge([chunk] * count, output, title="t", author="a", lang="en", created=datetime.now(UTC))
print(json.dumps({
    "seconds": time.monotonic() - started,
    "before_mb": before / 1024,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "pages": result.pages,
}))
"""


def merge_in_child(chunk: Path, count: int, output: Path) -> dict:
    """Merge in a fresh interpreter, so that its peak RSS is the merge's and not this test session's."""
    done = subprocess.run(
        [sys.executable, "-c", MERGE_AND_MEASURE, str(chunk), str(count), str(output)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_many_parts_in_bounded_memory(tmp_path):
    names = "".join(f"<p>Signatory number {i}, Somewhere</p>" for i in range(12))
    body = "".join(f'<h2 style="{"break-before: page" if i else ""}">Chunk page {i}</h2>{names}' for i in range(20))
    chunk = render(tmp_path / "chunk.pdf", body)
    assert len(PdfReader(chunk).pages) == 20

    small = merge_in_child(chunk, 4, tmp_path / "small.pdf")
    big = merge_in_child(chunk, 40, tmp_path / "big.pdf")
    assert big["pages"] == 800
    # Ten times the pages, about the same memory: each part is dropped once written.
    assert big["peak_mb"] - small["peak_mb"] < 30, (small, big)
    assert big["peak_mb"] - big["before_mb"] < 150, big
    assert big["seconds"] < 30, big

    output = tmp_path / "big.pdf"
    assert output.stat().st_size < 40 * chunk.stat().st_size / 2  # the font program is written once
    stdout, stderr = pdfinfo(output)
    assert re.search(r"^Pages:\s+800$", stdout, re.MULTILINE)
    assert "error" not in stderr.lower()
    reader = PdfReader(output, strict=True)
    assert "Chunk page 19" in reader.pages[799].extract_text()
    keys = [int(page["/StructParents"]) for page in reader.pages]
    assert len(set(keys)) == 800
