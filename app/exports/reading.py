"""Reading an uploaded draft (.txt, .md, .docx) into the text Accord keeps.

The text is the source of truth, so nothing is guessed: an encoding that is not
UTF-8 (or UTF-16 with its byte order mark) is refused with the offset of the first
bad byte, control characters are refused, and Unicode is kept as written (no
normalization). What an import leaves out or changes is reported as a warning.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal

import docx
from docx.document import Document
from docx.oxml.ns import qn
from lxml import etree

from app.exports.formats.docx import NOTICE_STYLE_ID

Format = Literal["txt", "md", "docx"]
RejectionCode = Literal[
    "unsupported_format", "not_text", "bad_encoding", "too_large", "bad_docx", "zip_bomb", "empty"
]

MAX_ZIP_ENTRIES = 1000
MAX_COMPRESSION_RATIO = 200
# Small entries may compress extremely well (runs of spaces) and are harmless: the
# ratio only matters for entries big enough to hurt.
_RATIO_CHECKED_FROM = 1024 * 1024

_EXTENSIONS: dict[str, Format] = {".txt": "txt", ".text": "txt", ".md": "md",
                                   ".markdown": "md", ".docx": "docx"}  # fmt: skip
_BINARY_SIGNATURES = (
    (b"PK\x03\x04", "a zip archive (a .docx file?)"),
    (b"%PDF", "a PDF file"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\xd0\xcf\x11\xe0", "a legacy Office file (.doc)"),
    (b"{\\rtf", "an RTF file"),
)
# Unicode's control characters (Cc) but tab and line endings, and lone surrogates (Cs).
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))  # fmt: skip


class ImportRejected(ValueError):
    """An upload that cannot become a draft; ``code`` says why, for clients."""

    def __init__(self, code: RejectionCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ImportedText:
    text: str
    format: Format
    warnings: tuple[str, ...] = ()


def read_upload(
    filename: str,
    data: bytes,
    *,
    max_bytes: int,
    max_chars: int,
    max_unzipped_bytes: int = 50_000_000,
) -> ImportedText:
    file_format = _format_of(filename)
    if len(data) > max_bytes:
        raise ImportRejected(
            "too_large", f"The file is {len(data):,} bytes; the limit is {max_bytes:,} bytes."
        )
    if file_format == "docx":
        imported = read_docx(data, max_unzipped_bytes=max_unzipped_bytes)
    else:
        text, warnings = decode_text(data)
        if file_format == "md":
            text, stripped = strip_markdown(text)
            check_characters(text)  # character references may have written any
            warnings += stripped
        imported = ImportedText(text, file_format, tuple(warnings))
    if len(imported.text) > max_chars:
        raise ImportRejected(
            "too_large",
            f"The text has {len(imported.text):,} characters; the limit is {max_chars:,}.",
        )
    if not imported.text.strip():
        raise ImportRejected("empty", "The file contains no text.")
    return imported


def _format_of(filename: str) -> Format:
    suffix = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    if suffix == ".doc":
        message = "Legacy Word files (.doc) cannot be read: save the file as .docx and retry."
    else:
        shown = suffix or "no extension"
        message = f"Unsupported file type ({shown}): upload a .txt, .md or .docx file."
    raise ImportRejected("unsupported_format", message)


# Text


def decode_text(data: bytes) -> tuple[str, list[str]]:
    """UTF-8 (with or without BOM) or UTF-16 with a BOM; line endings become ``\\n``."""
    for signature, description in _BINARY_SIGNATURES:
        if data.startswith(signature):
            raise ImportRejected("not_text", f"The file is {description}, not plain text.")
    encoding, skip = "utf-8", 0
    for bom, name in _BOMS:
        if data.startswith(bom):
            encoding, skip = name, len(bom)
            break
    try:
        text = data[skip:].decode(encoding)
    except UnicodeDecodeError as error:
        offset = skip + error.start
        raise ImportRejected(
            "bad_encoding",
            f"The file is not valid {encoding.upper()} (byte 0x{data[offset]:02x} at offset "
            f"{offset}). Save it as UTF-8 text and upload it again.",
        ) from None
    check_characters(text)
    return normalize_line_endings(text)


def check_characters(text: str) -> None:
    """Refuse what is not text: NUL and other control characters, lone surrogates."""
    if found := _NOT_TEXT.search(text):
        offset = found.start()
        line = text.count("\n", 0, offset) + 1
        hint = " (or is UTF-16 without a byte order mark)" if found.group() == "\0" else ""
        raise ImportRejected(
            "not_text",
            f"The file contains the control character U+{ord(found.group()):04X} (line "
            f"{line}, offset {offset}); it does not look like a text file{hint}.",
        )


def normalize_line_endings(text: str) -> tuple[str, list[str]]:
    crlf = text.count("\r\n")
    lone_cr = text.count("\r") - crlf
    if not crlf and not lone_cr:
        return text, []
    warnings = []
    if crlf:
        warnings.append(f"Windows line endings (CRLF) were converted to line feeds ({crlf}).")
    if lone_cr:
        warnings.append(f"Carriage returns were converted to line feeds ({lone_cr}).")
    return text.replace("\r\n", "\n").replace("\r", "\n"), warnings


# Markdown, undone line by line: a Markdown parser would read ``[a][b]`` as a link.
# Accord's own export escapes every literal ASCII punctuation character but [ ] \, so
# unescaped syntax there is always syntax.

_HEADING = re.compile(r"^ {0,3}#{1,6}(?:[ \t]+|$)")
_CLOSING_HASHES = re.compile(r"(?<=[ \t])#+[ \t]*$")
_QUOTES = re.compile(r"^(?: {0,3}>[ \t]?)+")
# * or _ (not escaped) around text that neither starts nor ends with a space, never
# inside a word, so snake_case and 2*3*4 stay. The text holds no other unescaped * or
# _ (nested emphasis goes in a later pass), which keeps matching linear.
_EMPHASIS = re.compile(
    r"(?<![\\\w*_])(?P<mark>\*{1,3}|_{1,3})(?=[^\s*_])"
    r"(?P<text>(?:\\.|[^\\*_])*?(?:\\.|[^\s\\*_]))(?P=mark)(?![\w*_])"
)
_EMPHASIS_PASSES = 3  # ***a***, **_a_**: deeper nesting is not Markdown people write
_HARD_BREAK = re.compile(r"(?<=\S) {2,}$")
_FOOTNOTE = re.compile(r"\[\^[0-9]+\]")  # a literal ^ would be escaped
_FOOTNOTE_DEFINITION = re.compile(r"^ {0,3}\[\^[0-9]+\]:")
_NOTICE = re.compile(r"^\*\*Not agreed: [0-9]+ brackets? remains?\*\*$")
# In one pass, so that an escaped "\&\#92\;" stays text: character references, and
# backslash escapes of ASCII punctuation other than the notation's own \[ \] \\.
_REFERENCE_OR_ESCAPE = re.compile(
    r"&#(?:([0-9]{1,7})|[xX]([0-9a-fA-F]{1,6}));|\\(?!&#[0-9xX])([!-/:-@^-`{-~])"
)
_ZERO_WIDTH_SPACE = 0x200B  # written by the exporter between marks and punctuation
_MARKDOWN_LABELS = {"notice": "export notices", "heading": "heading markers (#)",
                    "quote": "quote markers (>)", "emphasis": "emphasis markers (* or _)",
                    "break": "hard line breaks (trailing spaces)", "footnote": "footnotes",
                    "escape": "backslash escapes and character references"}  # fmt: skip


def _unescape(match: re.Match[str]) -> str:
    decimal, hexadecimal, punctuation = match.groups()
    if punctuation is not None:
        return str(punctuation)
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if code == _ZERO_WIDTH_SPACE:
        return ""
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return match.group()
    return chr(code)


_LINE_SUBSTITUTIONS: tuple[
    tuple[str, re.Pattern[str], str | Callable[[re.Match[str]], str]], ...
] = (
    ("break", _HARD_BREAK, ""),
    ("footnote", _FOOTNOTE, ""),
    ("escape", _REFERENCE_OR_ESCAPE, _unescape),
)


def strip_markdown(text: str) -> tuple[str, list[str]]:
    """The text under the Markdown syntax, and warnings counting what was removed."""
    counts: Counter[str] = Counter()
    lines = text.split("\n")
    first = next((n for n, line in enumerate(lines) if line.strip()), 0)
    if _NOTICE.match(lines[first]):
        del lines[first : first + 2]  # with the blank line after it
        counts["notice"] += 1
    kept: list[str] = []
    for line in lines:
        if _FOOTNOTE_DEFINITION.match(line):
            if kept and not kept[-1]:
                kept.pop()  # the blank line that separated it
            counts["footnote"] += 1
        else:
            kept.append(_strip_line(line, counts))
    warnings = [
        f"Markdown {label} were removed ({counts[key]})."
        for key, label in _MARKDOWN_LABELS.items()
        if counts[key]
    ]
    return "\n".join(kept), warnings


def _strip_line(line: str, counts: Counter[str]) -> str:
    if match := _QUOTES.match(line):
        line = line[match.end() :]
        counts["quote"] += match.group().count(">")
    if match := _HEADING.match(line):
        line = _CLOSING_HASHES.sub("", line[match.end() :]).rstrip(" \t")
        counts["heading"] += 1
    for _ in range(_EMPHASIS_PASSES):
        line, found = _EMPHASIS.subn(r"\g<text>", line)
        counts["emphasis"] += found
        if not found:
            break
    for key, pattern, replacement in _LINE_SUBSTITUTIONS:
        line, found = pattern.subn(replacement, line)
        counts[key] += found
    return line


# DOCX


def read_docx(data: bytes, *, max_unzipped_bytes: int = 50_000_000) -> ImportedText:
    """The body of a Word document, one line per paragraph, tracked changes accepted."""
    _check_zip(data, max_unzipped_bytes)
    try:  # python-docx parses without resolving entities or touching the network
        document = docx.Document(io.BytesIO(data))
    except Exception:  # a damaged package fails in many ways, all meaning the same
        raise ImportRejected("bad_docx", "The file is not a readable Word document.") from None
    reader = _BodyReader(document)
    text = "\n".join(reader.lines())
    check_characters(text)
    text, endings = normalize_line_endings(text)
    return ImportedText(text, "docx", (*reader.warnings(), *endings))


def _check_zip(data: bytes, max_unzipped_bytes: int) -> None:
    """Look at the archive's directory before anything is decompressed."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ImportRejected("bad_docx", "The file is not a valid .docx (zip) file.") from None
    if len(entries) > MAX_ZIP_ENTRIES:
        raise ImportRejected(
            "zip_bomb", f"The .docx holds {len(entries)} files; at most {MAX_ZIP_ENTRIES}."
        )
    if sum(entry.file_size for entry in entries) > max_unzipped_bytes:
        raise ImportRejected(
            "zip_bomb", f"The .docx unpacks to more than {max_unzipped_bytes:,} bytes."
        )
    for entry in entries:
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size >= _RATIO_CHECKED_FROM and ratio > MAX_COMPRESSION_RATIO:
            raise ImportRejected(
                "zip_bomb", f"The .docx entry {entry.filename!r} is compressed {ratio:.0f} times."
            )
    if "word/document.xml" not in {entry.filename for entry in entries}:
        raise ImportRejected("bad_docx", "The file is a zip archive but not a Word document.")


_W_CONTAINERS = frozenset(
    qn(tag)
    for tag in ("w:hyperlink", "w:ins", "w:moveTo", "w:smartTag", "w:customXml", "w:sdt",
                "w:sdtContent", "w:fldSimple", "w:dir", "w:bdo")
)  # fmt: skip
_W_DELETED = frozenset((qn("w:del"), qn("w:moveFrom")))
_TRACKED = _W_DELETED | {qn("w:ins"), qn("w:moveTo")}
_OBJECTS = frozenset(
    [
        *(qn(tag) for tag in ("w:drawing", "w:pict", "w:object", "m:oMath", "m:oMathPara")),
        "{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent",
    ]
)
# What a run may hold besides w:t and w:br: its text, and the warning it counts for.
_RUN_CONTENT: dict[str, tuple[str, str]] = {
    **{qn(tag): ("\t", "") for tag in ("w:tab", "w:ptab")},
    qn("w:noBreakHyphen"): ("-", ""),
    qn("w:cr"): ("\n", "break"),
    qn("w:sym"): ("", "symbol"),
    **{qn(tag): ("", "footnote") for tag in ("w:footnoteReference", "w:endnoteReference")},
    qn("w:commentReference"): ("", "comment"),
    **{tag: ("", "object") for tag in _OBJECTS},
}
_WARNINGS = {
    "tracked": "Tracked changes were accepted ({n}).",
    "numbered": "Automatic numbering was not imported ({n} paragraphs).",
    "table": "Tables were read cell by cell, one line per paragraph ({n} tables).",
    "break": "Line breaks inside paragraphs became new lines ({n}).",
    "symbol": "Symbol characters (Insert > Symbol) were left out ({n}).",
    "footnote": "Footnotes and endnotes were not imported ({n}).",
    "comment": "Comments were not imported ({n}).",
    "object": "Images, equations and text boxes were not imported ({n}).",
    "notice": "The export notice was left out ({n}).",
}


class _BodyReader:
    """Walks the body's XML: python-docx's ``Paragraph.text`` skips the runs of
    tracked insertions, and a deleted paragraph mark joins two paragraphs."""

    def __init__(self, document: Document) -> None:
        self._body = document.element.find(qn("w:body"))  # None in a document without one
        self._numbered_styles = _numbered_styles(document)
        self._counts: Counter[str] = Counter()

    def warnings(self) -> list[str]:
        return [_WARNINGS[key].format(n=n) for key, n in self._counts.items()]

    def lines(self) -> list[str]:
        lines: list[str] = []
        joined = False
        body = () if self._body is None else self._paragraphs(self._body)
        for paragraph in body:
            if _style_of(paragraph) == NOTICE_STYLE_ID:
                self._counts["notice"] += 1
                continue
            text = self._text(paragraph)
            if joined and lines:
                lines[-1] += text
            else:
                lines.append(text)
            joined = self._mark_deleted(paragraph)
            if self._is_numbered(paragraph):
                self._counts["numbered"] += 1
        return lines

    def _paragraphs(self, parent: etree._Element) -> Iterator[etree._Element]:
        for child in parent:
            if child.tag == qn("w:p"):
                yield child
            elif child.tag == qn("w:tbl"):
                self._counts["table"] += 1
                for cell in child.iterfind(f"{qn('w:tr')}/{qn('w:tc')}"):
                    yield from self._paragraphs(cell)  # nested tables included
            elif child.tag in (qn("w:sdt"), qn("w:sdtContent"), qn("w:customXml")):
                yield from self._paragraphs(child)

    def _text(self, element: etree._Element) -> str:
        parts: list[str] = []
        for child in element:
            if child.tag in _TRACKED:
                self._counts["tracked"] += 1
            if child.tag == qn("w:r"):
                parts.extend(self._run(child))
            elif child.tag in _W_CONTAINERS:
                parts.append(self._text(child))
            elif child.tag in _OBJECTS:
                self._counts["object"] += 1
        return "".join(parts)

    def _run(self, run: etree._Element) -> Iterator[str]:
        for child in run:
            if child.tag == qn("w:t"):  # unresolved entity references are children: drop
                yield "".join([child.text or "", *(node.tail or "" for node in child)])
            elif child.tag == qn("w:br"):  # page and column breaks are layout, not text
                if child.get(qn("w:type"), "textWrapping") == "textWrapping":
                    self._counts["break"] += 1
                    yield "\n"
            elif child.tag in _RUN_CONTENT:
                text, counted = _RUN_CONTENT[child.tag]
                if counted:
                    self._counts[counted] += 1
                yield text

    def _mark_deleted(self, paragraph: etree._Element) -> bool:
        """Whether the paragraph mark is a tracked deletion: the next paragraph joins."""
        marks = paragraph.find(f"{qn('w:pPr')}/{qn('w:rPr')}")
        if marks is None:
            return False
        self._counts["tracked"] += sum(marks.find(tag) is not None for tag in _TRACKED)
        return any(marks.find(tag) is not None for tag in _W_DELETED)

    def _is_numbered(self, paragraph: etree._Element) -> bool:
        numbering = paragraph.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
        if numbering is None:
            return _style_of(paragraph) in self._numbered_styles
        number = numbering.find(qn("w:numId"))
        return number is None or number.get(qn("w:val")) != "0"


def _style_of(paragraph: etree._Element) -> str | None:
    style = paragraph.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
    return None if style is None else style.get(qn("w:val"))


def _numbered_styles(document: Document) -> set[str]:
    """Ids of the styles that number their paragraphs (Word's List Number, outline
    headings); a style inheriting its numbering is not seen, a rare case."""
    path = f"{qn('w:pPr')}/{qn('w:numPr')}"
    return {
        style.get(qn("w:styleId")) or ""
        for style in document.styles.element.iterfind(qn("w:style"))
        if style.find(path) is not None
    }
