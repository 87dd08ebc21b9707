"""Merge the signed letter's part files (small tagged PDFs written by WeasyPrint) into one PDF, streaming.

The signatories of a letter can fill thousands of pages, rendered in fixed-size chunks so that a chunk can be reused
between builds. This module joins those chunks without holding the whole document in memory:

- each part is opened with pypdf, the objects reachable from its pages and its structure tree are given new numbers,
  serialized with pypdf's generic objects (``write_to_stream``, references renumbered) and written at once, then the
  reader is dropped; streams keep their source data (already compressed), nothing is recompressed;
- non-stream objects go into compressed object streams, and the file ends with a cross-reference stream (PDF 1.5+),
  since a tagged list of a million names is millions of small structure elements;
- streams whose dictionary holds no reference (font programs, ToUnicode maps, content streams) are written once per
  content: a bounded map from their sha256 to the object already written;
- overlay pages ("page X of Y", the footer hash) are drawn on top of the pages without parsing any content stream:
  each overlay page becomes a Form XObject, and the target page gets ``q`` before its content and
  ``Q /Artifact BMC q /CoalitionFooter Do Q EMC`` after it;
- the parts' structure trees become one tree: a /Document element whose kids are each part's top-level elements, the
  parent trees merged with each part's keys offset (pages' /StructParents and annotations' /StructParent follow).

The caller writes to a temporary path and renames it (atomicity is not handled here).
"""

from __future__ import annotations

import hashlib
import zlib
from array import array
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO
from xml.sax.saxutils import escape

from pypdf import PdfReader
from pypdf import __version__ as pypdf_version
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DecodedStreamObject,
    DictionaryObject,
    EncodedStreamObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
    TextStringObject,
)

__all__ = ["MergeResult", "pdf_merge"]

FOOTER_NAME = "/CoalitionFooter"
# Pages per leaf of the page tree: a flat /Kids of thousands of pages is slow to walk in some viewers.
PAGES_PER_LEAF = 64
# Non-stream objects per object stream.
OBJECTS_PER_STREAM = 200
OBJECT_STREAM_BYTES = 1 << 20
# Entries kept in the map from a stream's content hash to the object holding it.
DEDUPE_ENTRIES = 4096

_STRUCT_PARENT_KEYS = frozenset({"/StructParent", "/StructParents"})


@dataclass(frozen=True)
class MergeResult:
    pages: int
    sha256: str
    size: int


def pdf_merge(
    parts: Sequence[Path],
    output: Path,
    *,
    overlays: Sequence[Path] = (),
    title: str,
    author: str,
    lang: str,
    created: datetime,
    subject: str = "",
) -> MergeResult:
    """Write the pages of ``parts``, in order, to ``output``, with page i of ``overlays`` drawn on top of page i.

    ``overlays`` is empty, or its pages (files taken in order) number exactly the pages of ``parts``: ValueError
    otherwise. Each file is read once (parsing a tagged part is most of the cost), so a mismatch is found while
    merging: ``output`` is then removed, as on any error. Overlays should be rendered untagged: each overlay page's
    content is marked as an artifact as a whole.
    """
    if not parts:
        raise ValueError("pdf_merge needs at least one part")
    try:
        with open(output, "wb") as raw:
            out = _Output(raw)
            merger = _Merger(out)
            overlay_pages = _OverlayPages(out, overlays) if overlays else None
            for path in parts:
                merger.add_part(path, overlay_pages)
            total = len(merger.page_numbers)
            if total == 0:
                raise ValueError("The parts hold no page")
            if overlay_pages is not None:
                overlay_pages.finish(total)
            merger.finish(title=title, author=author, subject=subject, lang=lang, created=created)
            size = out.position
            digest = out.sha256.hexdigest()
    except BaseException:
        output.unlink(missing_ok=True)
        raise
    return MergeResult(pages=total, sha256=digest, size=size)


class _Output:
    """The output file: numbers objects, writes them (non-stream ones in object streams) and keeps the xref."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.position = 0
        self.sha256 = hashlib.sha256()
        # Index = object number. Value: (offset << 1) for an object at an offset in the file,
        # (stream number << 21 | index << 1 | 1) for an object inside an object stream.
        self.xref = array("Q", [0])
        self.written = 0
        self._pending: list[tuple[int, bytes]] = []
        self._pending_size = 0
        self._dedupe: OrderedDict[bytes, int] = OrderedDict()
        self.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

    def write(self, data: bytes) -> None:
        self.raw.write(data)
        self.sha256.update(data)
        self.position += len(data)

    def allocate(self) -> int:
        self.xref.append(0)
        return len(self.xref) - 1

    def add(self, number: int, obj: PdfObject) -> None:
        """Write object ``number``: a stream at once, anything else into the current object stream."""
        buffer = BytesIO()
        obj.write_to_stream(buffer)
        if isinstance(obj, StreamObject):
            self._write_top(number, buffer.getvalue())
            return
        data = buffer.getvalue()
        self._pending.append((number, data))
        self._pending_size += len(data)
        if len(self._pending) >= OBJECTS_PER_STREAM or self._pending_size > OBJECT_STREAM_BYTES:
            self.flush()

    def add_stream(self, obj: StreamObject) -> int:
        """Number and write a stream whose dictionary holds no reference, or reuse the one with the same content."""
        buffer = BytesIO()
        DictionaryObject.write_to_stream(obj, buffer)
        key = hashlib.sha256(buffer.getvalue() + b"\0" + obj._data).digest()
        number = self._dedupe.get(key)
        if number is not None:
            self._dedupe.move_to_end(key)
            return number
        number = self.allocate()
        self.add(number, obj)
        self._dedupe[key] = number
        if len(self._dedupe) > DEDUPE_ENTRIES:
            self._dedupe.popitem(last=False)
        return number

    def _write_top(self, number: int, body: bytes) -> None:
        self.xref[number] = self.position << 1
        self.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
        self.written += 1

    def flush(self) -> None:
        """Write the pending non-stream objects as one compressed object stream."""
        if not self._pending:
            return
        stream_number = self.allocate()
        header = []
        offset = 0
        for index, (number, data) in enumerate(self._pending):
            header.append(b"%d %d" % (number, offset))
            offset += len(data) + 1
            self.xref[number] = (stream_number << 21) | (index << 1) | 1
            self.written += 1
        head = b" ".join(header) + b"\n"
        body = zlib.compress(head + b"\n".join(data for _, data in self._pending) + b"\n")
        self._write_top(
            stream_number,
            b"<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream"
            % (len(self._pending), len(head), len(body), body),
        )
        self._pending = []
        self._pending_size = 0

    def close(self, root: int, info: int, file_id: bytes) -> None:
        """Write the cross-reference stream and the end of the file."""
        self.flush()
        xref_number = self.allocate()
        xref_offset = self.position
        self.xref[xref_number] = xref_offset << 1
        missing = len(self.xref) - 1 - self.written - 1
        if missing:
            raise RuntimeError(f"{missing} objects were numbered but never written")
        # Field 2 holds an offset (at most the file's size) or an object stream's number.
        width2 = max(1, (max(xref_offset, len(self.xref)).bit_length() + 7) // 8)
        width3 = 3  # an index in an object stream is below 2**20, and object 0's generation is 65535
        compressor = zlib.compressobj()
        chunks = []
        row = bytearray()
        for number, value in enumerate(self.xref):
            if number == 0:
                row += b"\x00" + bytes(width2) + (65535).to_bytes(width3, "big")
            elif value & 1:
                row += (
                    b"\x02" + (value >> 21).to_bytes(width2, "big") + ((value >> 1) & 0xFFFFF).to_bytes(width3, "big")
                )
            else:
                row += b"\x01" + (value >> 1).to_bytes(width2, "big") + bytes(width3)
            if len(row) > 65536:
                chunks.append(compressor.compress(bytes(row)))
                row.clear()
        chunks.append(compressor.compress(bytes(row)))
        chunks.append(compressor.flush())
        data = b"".join(chunks)
        hex_id = file_id.hex().encode()
        self.written += 1
        self.write(
            b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 %d %d] /Root %d 0 R /Info %d 0 R /ID [<%s> <%s>] "
            b"/Filter /FlateDecode /Length %d >>\nstream\n"
            % (xref_number, len(self.xref), width2, width3, root, info, hex_id, hex_id, len(data))
        )
        self.write(data)
        self.write(b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_offset)


def _has_reference(obj: Any) -> bool:
    if isinstance(obj, IndirectObject):
        return True
    if isinstance(obj, dict):
        return any(_has_reference(value) for value in obj.values())
    if isinstance(obj, list):
        return any(_has_reference(value) for value in obj)
    return False


class _Copier:
    """Copies the objects of one source file into the output, renumbered, as they are referenced."""

    def __init__(self, out: _Output, reader: PdfReader, *, struct_offset: int = 0) -> None:
        self.out = out
        self.reader = reader
        self.struct_offset = struct_offset
        self.numbers: dict[tuple[int, int], int] = {}
        self.queue: list[tuple[int, IndirectObject]] = []

    def ref(self, source: IndirectObject) -> IndirectObject:
        return IndirectObject(self.number(source), 0, None)

    def number(self, source: IndirectObject) -> int:
        key = (source.idnum, source.generation)
        number = self.numbers.get(key)
        if number is not None:
            return number
        obj = source.get_object()
        if isinstance(obj, StreamObject) and not _has_reference(obj):
            number = self.out.add_stream(obj)
        else:
            number = self.out.allocate()
            self.queue.append((number, source))
        self.numbers[key] = number
        return number

    def alias(self, source: Any, number: int) -> None:
        """Make references to ``source`` point to object ``number`` of the output (written by someone else)."""
        if isinstance(source, IndirectObject):
            self.numbers[(source.idnum, source.generation)] = number

    def copy(self, obj: Any) -> Any:
        if isinstance(obj, IndirectObject):
            return self.ref(obj)
        if isinstance(obj, StreamObject):
            return self.copy_stream(obj)
        if isinstance(obj, DictionaryObject):
            new = DictionaryObject()
            for key, value in obj.items():
                if key in _STRUCT_PARENT_KEYS and self.struct_offset and isinstance(value, int):
                    dict.__setitem__(new, key, NumberObject(value + self.struct_offset))
                else:
                    dict.__setitem__(new, key, self.copy(value))
            return new
        if isinstance(obj, ArrayObject):
            return ArrayObject([self.copy(value) for value in obj])
        return obj  # numbers, names, strings, booleans, null: immutable

    def copy_stream(self, obj: StreamObject) -> StreamObject:
        new: StreamObject = EncodedStreamObject() if "/Filter" in obj else DecodedStreamObject()
        for key, value in obj.items():
            dict.__setitem__(new, key, self.copy(value))
        new._data = obj._data
        return new

    def drain(self) -> None:
        while self.queue:
            number, source = self.queue.pop()
            self.out.add(number, self.copy(source.get_object()))


class _OverlayPages:
    """The overlay pages, in order across files, each turned into a Form XObject written to the output."""

    def __init__(self, out: _Output, paths: Sequence[Path]) -> None:
        self.out = out
        self._iterator = self._forms(paths)

    def _forms(self, paths: Sequence[Path]) -> Iterator[int]:
        for path in paths:
            with PdfReader(path) as reader:
                copier = _Copier(self.out, reader)
                for page in reader.pages:
                    form = self._form(copier, page)
                    number = self.out.allocate()
                    self.out.add(number, form)
                    copier.drain()
                    yield number

    @staticmethod
    def _form(copier: _Copier, page: Any) -> StreamObject:
        contents = page.get("/Contents")
        contents = contents.get_object() if contents is not None else None
        if isinstance(contents, StreamObject):
            streams = [contents]
        elif isinstance(contents, list):
            streams = [item.get_object() for item in contents]
        else:
            streams = []
        if len(streams) == 1:
            form = copier.copy_stream(streams[0])
            for key in list(form):
                if key not in ("/Filter", "/DecodeParms"):
                    del form[key]
        else:
            form = DecodedStreamObject()
            form.set_data(b"\n".join(stream.get_data() for stream in streams))
            form = form.flate_encode()
        box = page.mediabox
        form[NameObject("/Type")] = NameObject("/XObject")
        form[NameObject("/Subtype")] = NameObject("/Form")
        form[NameObject("/BBox")] = ArrayObject([FloatObject(value) for value in box])
        resources = page.get("/Resources")
        form[NameObject("/Resources")] = copier.copy(resources) if resources is not None else DictionaryObject()
        return form

    def next(self, index: int) -> int:
        try:
            return next(self._iterator)
        except StopIteration:
            raise ValueError(f"The overlays hold {index} pages, fewer than the parts") from None

    def finish(self, total: int) -> None:
        """Check that every overlay page was used."""
        extra = sum(1 for _ in self._iterator)
        if extra:
            raise ValueError(f"The overlays hold {total + extra} pages, the parts {total}")


def _number_tree_items(node: Any, depth: int = 0) -> Iterator[tuple[int, Any]]:
    node = node.get_object()
    if depth > 32 or not isinstance(node, dict):
        return
    nums = node.get("/Nums")
    if nums is not None:
        nums = nums.get_object()
        for index in range(0, len(nums) - 1, 2):
            yield int(nums[index]), nums[index + 1]
    for kid in node.get("/Kids", ()) or ():
        yield from _number_tree_items(kid, depth + 1)


class _Merger:
    def __init__(self, out: _Output) -> None:
        self.out = out
        self.catalog = out.allocate()
        self.root_pages = out.allocate()
        self.leaves = array("Q")  # the page tree: the root's kids, each with up to PAGES_PER_LEAF pages
        self.page_numbers = array("Q")
        self.struct_root = 0  # numbered with the first tagged part
        self.document = 0
        self.document_kids = array("Q")
        self.parent_tree: list[tuple[int, int]] = []  # (key, number of the array or element)
        self.next_struct_key = 0
        self.tagged = False
        self.role_map: Any = None
        self.class_map: Any = None
        self.namespaces: dict[str, int] = {}  # namespace URI -> output number
        self._content_streams: dict[str, tuple[int, int]] = {}  # XObject name -> (prefix, suffix) stream numbers

    def add_part(self, path: Path, overlays: _OverlayPages | None) -> None:
        with PdfReader(path) as reader:
            catalog = reader.root_object
            tree = catalog.raw_get("/StructTreeRoot") if "/StructTreeRoot" in catalog else None
            tree_dict = tree.get_object() if tree is not None else None
            entries = (
                list(_number_tree_items(tree_dict["/ParentTree"])) if tree_dict and "/ParentTree" in tree_dict else []
            )
            offset = self.next_struct_key
            if tree_dict is not None and not self.tagged:
                self.tagged = True
                self.struct_root = self.out.allocate()
                self.document = self.out.allocate()
            if entries:
                self.next_struct_key += max(key for key, _ in entries) + 1
            copier = _Copier(self.out, reader, struct_offset=offset)
            copier.alias(catalog.indirect_reference, self.catalog)
            copier.alias(catalog.raw_get("/Pages"), self.root_pages)
            if tree_dict is not None:
                copier.alias(tree, self.document)

            # Pages are numbered first, so that references to them (/Pg, /P, /Dest) find their new number.
            pages = []
            for page in reader.pages:
                index = len(self.page_numbers)
                number = self.out.allocate()
                self.page_numbers.append(number)
                copier.alias(page.indirect_reference, number)
                pages.append((page, number, index))

            if tree_dict is not None:
                self._add_struct_tree(copier, tree_dict, entries, offset)
            for page, number, index in pages:
                form = overlays.next(index) if overlays is not None else None
                if index % PAGES_PER_LEAF == 0:
                    self.leaves.append(self.out.allocate())
                # An untagged part (a chunk of signatory pages, laid out without tags because
                # tags cost WeasyPrint a dozen objects per line) gets one paragraph per page in
                # the merged structure tree: its whole content, in drawing order (column by column).
                marked = self._tag_page(number) if tree_dict is None and self.tagged else None
                self._copy_page(copier, page, number, self.leaves[index // PAGES_PER_LEAF], form, marked)
                copier.drain()
            copier.drain()

    def _tag_page(self, page_number: int) -> int:
        """A /P element for an untagged page's content (MCID 0); returns the page's /StructParents key."""
        key = self.next_struct_key
        self.next_struct_key += 1
        element = self.out.allocate()
        paragraph = DictionaryObject()
        paragraph[NameObject("/Type")] = NameObject("/StructElem")
        paragraph[NameObject("/S")] = NameObject("/P")
        paragraph[NameObject("/P")] = IndirectObject(self.document, 0, None)
        paragraph[NameObject("/Pg")] = IndirectObject(page_number, 0, None)
        paragraph[NameObject("/K")] = NumberObject(0)
        self.out.add(element, paragraph)
        self.document_kids.append(element)
        kids = self.out.allocate()
        self.out.add(kids, ArrayObject([IndirectObject(element, 0, None)]))
        self.parent_tree.append((key, kids))
        return key

    def _add_struct_tree(self, copier: _Copier, tree: Any, entries: list[tuple[int, Any]], offset: int) -> None:
        if self.role_map is None and "/RoleMap" in tree:
            self.role_map = copier.copy(tree["/RoleMap"])
        if self.class_map is None and "/ClassMap" in tree:
            self.class_map = copier.copy(tree["/ClassMap"])
        for namespace in tree.get("/Namespaces", ()) or ():
            uri = str(namespace.get_object().get("/NS", ""))
            if uri in self.namespaces:
                copier.alias(namespace, self.namespaces[uri])
            else:
                self.namespaces[uri] = copier.number(namespace)
        kids = tree.get("/K")
        kids = kids.get_object() if kids is not None else []
        if not isinstance(kids, list):
            kids = [kids]
        # WeasyPrint's tree holds one /Document element: its kids become the kids of the merged /Document.
        if len(kids) == 1 and kids[0].get_object().get("/S") == "/Document":
            copier.alias(kids[0], self.document)
            kids = kids[0].get_object().get("/K", [])
            kids = kids.get_object() if isinstance(kids, IndirectObject) else kids
            if not isinstance(kids, list):
                kids = [kids]
        for kid in kids:
            if isinstance(kid, IndirectObject):
                self.document_kids.append(copier.number(kid))
        for key, value in entries:
            if isinstance(value, IndirectObject):
                number = copier.number(value)
            else:
                number = self.out.allocate()
                self.out.add(number, copier.copy(value))
            self.parent_tree.append((key + offset, number))
        copier.drain()

    def _streams_for(self, name: str) -> tuple[int, int]:
        """The two content streams wrapped around a page's content: ``q`` and the restore + footer drawing."""
        streams = self._content_streams.get(name)
        if streams is None:
            prefix = DecodedStreamObject()
            prefix.set_data(b"q\n")
            suffix = DecodedStreamObject()
            suffix.set_data(b"\nQ\n/Artifact BMC\nq %s Do Q\nEMC\n" % name.encode())
            streams = (self.out.add_stream(prefix), self.out.add_stream(suffix))
            self._content_streams[name] = streams
        return streams

    def _marked_content_streams(self) -> tuple[int, int]:
        streams = self._content_streams.get("/P MCID 0")
        if streams is None:
            begin = DecodedStreamObject()
            begin.set_data(b"/P <</MCID 0>> BDC\n")
            end = DecodedStreamObject()
            end.set_data(b"\nEMC\n")
            streams = (self.out.add_stream(begin), self.out.add_stream(end))
            self._content_streams["/P MCID 0"] = streams
        return streams

    def _copy_page(
        self, copier: _Copier, page: Any, number: int, parent: int, form: int | None, marked: int | None = None
    ) -> None:
        new = DictionaryObject()
        for key, value in page.items():
            if key == "/Parent":
                continue
            if form is not None and key in ("/Contents", "/Resources"):
                continue
            if marked is not None and key in ("/Contents", *_STRUCT_PARENT_KEYS):
                continue
            if key in _STRUCT_PARENT_KEYS:
                dict.__setitem__(new, key, NumberObject(value + copier.struct_offset))
                continue
            dict.__setitem__(new, key, copier.copy(value))
        new[NameObject("/Parent")] = IndirectObject(parent, 0, None)
        if form is not None:
            resources = page.get("/Resources")
            resources = resources.get_object() if resources is not None else DictionaryObject()
            new_resources = DictionaryObject()
            for key, value in resources.items():
                if key != "/XObject":
                    dict.__setitem__(new_resources, key, copier.copy(value))
            xobjects = resources.get("/XObject")
            xobjects = xobjects.get_object() if xobjects is not None else DictionaryObject()
            new_xobjects = DictionaryObject()
            for key, value in xobjects.items():
                dict.__setitem__(new_xobjects, key, copier.copy(value))
            name = FOOTER_NAME
            suffix = 1
            while name in new_xobjects:
                suffix += 1
                name = f"{FOOTER_NAME}{suffix}"
            new_xobjects[NameObject(name)] = IndirectObject(form, 0, None)
            new_resources[NameObject("/XObject")] = new_xobjects
            new[NameObject("/Resources")] = new_resources

            contents = page.get("/Contents")
            resolved = contents.get_object() if contents is not None else None
            if isinstance(resolved, list):
                inner = [copier.copy(item) for item in resolved]
            elif contents is not None:
                inner = [copier.copy(contents)]
            else:
                inner = []
            if marked is not None:
                inner = self._marked(inner)
            prefix, suffix_stream = self._streams_for(name)
            new[NameObject("/Contents")] = ArrayObject(
                [IndirectObject(prefix, 0, None), *inner, IndirectObject(suffix_stream, 0, None)]
            )
        elif marked is not None:
            new[NameObject("/Contents")] = ArrayObject(self._marked(self._contents(copier, page)))
        if marked is not None:
            new[NameObject("/StructParents")] = NumberObject(marked)
        self.out.add(number, new)

    @staticmethod
    def _contents(copier: _Copier, page: Any) -> list:
        contents = page.get("/Contents")
        resolved = contents.get_object() if contents is not None else None
        if isinstance(resolved, list):
            return [copier.copy(item) for item in resolved]
        return [copier.copy(contents)] if contents is not None else []

    def _marked(self, inner: list) -> list:
        begin, end = self._marked_content_streams()
        return [IndirectObject(begin, 0, None), *inner, IndirectObject(end, 0, None)]

    def finish(self, *, title: str, author: str, subject: str, lang: str, created: datetime) -> None:
        out = self.out
        pages = self.page_numbers
        for index, leaf in enumerate(self.leaves):
            kids = pages[index * PAGES_PER_LEAF : (index + 1) * PAGES_PER_LEAF]
            self._write_pages_node(leaf, self.root_pages, kids)
        root = DictionaryObject()
        root[NameObject("/Type")] = NameObject("/Pages")
        root[NameObject("/Kids")] = ArrayObject([IndirectObject(leaf, 0, None) for leaf in self.leaves])
        root[NameObject("/Count")] = NumberObject(len(pages))
        out.add(self.root_pages, root)

        catalog = DictionaryObject()
        catalog[NameObject("/Type")] = NameObject("/Catalog")
        catalog[NameObject("/Pages")] = IndirectObject(self.root_pages, 0, None)
        catalog[NameObject("/Lang")] = TextStringObject(lang)
        catalog[NameObject("/ViewerPreferences")] = DictionaryObject(
            {NameObject("/DisplayDocTitle"): BooleanObject(True)}
        )
        catalog[NameObject("/PageLayout")] = NameObject("/OneColumn")
        if self.tagged:
            self._write_struct_tree()
            catalog[NameObject("/StructTreeRoot")] = IndirectObject(self.struct_root, 0, None)
            catalog[NameObject("/MarkInfo")] = DictionaryObject({NameObject("/Marked"): BooleanObject(True)})

        date = _pdf_date(created)
        metadata = DecodedStreamObject()
        metadata.set_data(_xmp(title=title, author=author, subject=subject, lang=lang, created=created))
        metadata[NameObject("/Type")] = NameObject("/Metadata")
        metadata[NameObject("/Subtype")] = NameObject("/XML")
        metadata_number = out.allocate()
        out.add(metadata_number, metadata)
        catalog[NameObject("/Metadata")] = IndirectObject(metadata_number, 0, None)
        out.add(self.catalog, catalog)

        info = DictionaryObject()
        info[NameObject("/Title")] = TextStringObject(title)
        info[NameObject("/Author")] = TextStringObject(author)
        if subject:
            info[NameObject("/Subject")] = TextStringObject(subject)
        info[NameObject("/Creator")] = TextStringObject("Coalition")
        info[NameObject("/Producer")] = TextStringObject(f"WeasyPrint, merged with pypdf {pypdf_version}")
        info[NameObject("/CreationDate")] = TextStringObject(date)
        info[NameObject("/ModDate")] = TextStringObject(date)
        info_number = out.allocate()
        out.add(info_number, info)
        out.flush()
        # The same parts and metadata give the same file: its ID is a digest of everything written before it.
        file_id = out.sha256.copy().digest()[:16]
        out.close(self.catalog, info_number, file_id)

    def _write_pages_node(self, number: int, parent: int, kids: Sequence[int]) -> None:
        node = DictionaryObject()
        node[NameObject("/Type")] = NameObject("/Pages")
        node[NameObject("/Parent")] = IndirectObject(parent, 0, None)
        node[NameObject("/Kids")] = ArrayObject([IndirectObject(kid, 0, None) for kid in kids])
        node[NameObject("/Count")] = NumberObject(len(kids))
        self.out.add(number, node)

    def _write_struct_tree(self) -> None:
        out = self.out
        document = DictionaryObject()
        document[NameObject("/Type")] = NameObject("/StructElem")
        document[NameObject("/S")] = NameObject("/Document")
        document[NameObject("/P")] = IndirectObject(self.struct_root, 0, None)
        document[NameObject("/K")] = ArrayObject([IndirectObject(kid, 0, None) for kid in self.document_kids])
        pdf2 = self.namespaces.get("http://iso.org/pdf2/ssn")
        if pdf2 is not None:
            document[NameObject("/NS")] = IndirectObject(pdf2, 0, None)
        out.add(self.document, document)

        nums = ArrayObject()
        for key, number in sorted(self.parent_tree):
            nums.append(NumberObject(key))
            nums.append(IndirectObject(number, 0, None))
        parent_tree = DictionaryObject({NameObject("/Nums"): nums})
        parent_tree_number = out.allocate()
        out.add(parent_tree_number, parent_tree)

        root = DictionaryObject()
        root[NameObject("/Type")] = NameObject("/StructTreeRoot")
        root[NameObject("/K")] = IndirectObject(self.document, 0, None)
        root[NameObject("/ParentTree")] = IndirectObject(parent_tree_number, 0, None)
        root[NameObject("/ParentTreeNextKey")] = NumberObject(self.next_struct_key)
        if self.role_map is not None:
            root[NameObject("/RoleMap")] = self.role_map
        if self.class_map is not None:
            root[NameObject("/ClassMap")] = self.class_map
        if self.namespaces:
            root[NameObject("/Namespaces")] = ArrayObject(
                [IndirectObject(number, 0, None) for number in self.namespaces.values()]
            )
        out.add(self.struct_root, root)


def _utc(created: datetime) -> datetime:
    return created.replace(tzinfo=UTC) if created.tzinfo is None else created.astimezone(UTC)


def _pdf_date(created: datetime) -> str:
    return _utc(created).strftime("D:%Y%m%d%H%M%S+00'00'")


def _xmp(*, title: str, author: str, subject: str, lang: str, created: datetime) -> bytes:
    when = _utc(created).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    description = (
        f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{escape(subject)}</rdf:li></rdf:Alt></dc:description>'
        if subject
        else ""
    )
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '<rdf:Description rdf:about=""'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:xmp="http://ns.adobe.com/xap/1.0/"'
        ' xmlns:pdf="http://ns.adobe.com/pdf/1.3/">\n'
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt></dc:title>\n'
        f"<dc:creator><rdf:Seq><rdf:li>{escape(author)}</rdf:li></rdf:Seq></dc:creator>\n"
        f"{description}"
        f"<dc:language><rdf:Bag><rdf:li>{escape(lang)}</rdf:li></rdf:Bag></dc:language>\n"
        "<dc:format>application/pdf</dc:format>\n"
        f"<xmp:CreateDate>{when}</xmp:CreateDate>\n"
        f"<xmp:ModifyDate>{when}</xmp:ModifyDate>\n"
        "<xmp:CreatorTool>Coalition</xmp:CreatorTool>\n"
        f"<pdf:Producer>WeasyPrint, merged with pypdf {escape(pypdf_version)}</pdf:Producer>\n"
        "</rdf:Description>\n"
        "</rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="r"?>'
    ).encode()
