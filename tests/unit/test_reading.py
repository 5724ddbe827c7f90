"""Import of uploaded drafts: every refusal with a real bad file, and what each
format keeps, drops and reports."""

from __future__ import annotations

import codecs
import io
import re
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from docx.oxml.parser import parse_xml

from app.engine.layout import build_layout
from app.engine.layout_model import ExportMeta, View
from app.exports.formats.plain import render_markdown
from app.exports.reading import (
    ImportedText,
    ImportRejected,
    read_docx,
    read_upload,
    strip_markdown,
)

LIMITS = {"max_bytes": 1_000_000, "max_chars": 100_000}
DRAFT = "Each Party [shall][should] report\n\ta) العربية 中文 🌍 \\[sic\\]\n"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def read(filename: str, data: bytes, **limits: int) -> ImportedText:
    return read_upload(filename, data, **{**LIMITS, **limits})


def rejected(filename: str, data: bytes, **limits: int) -> ImportRejected:
    with pytest.raises(ImportRejected) as caught:
        read(filename, data, **limits)
    assert caught.value.message == str(caught.value)
    return caught.value


def docx_bytes(build: Callable[[docx.document.Document], object]) -> bytes:
    document = docx.Document()
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def with_body_xml(data: bytes, edit: Callable[[str], str]) -> bytes:
    """The same package with word/document.xml rewritten."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "word/document.xml":
                content = edit(content.decode()).encode()
            target.writestr(item, content)
    return out.getvalue()


# Formats and sizes


@pytest.mark.parametrize("name", ["draft.pdf", "draft", "draft.odt", "draft.txt.exe"])
def test_unsupported_formats(name: str) -> None:
    assert rejected(name, b"text").code == "unsupported_format"


def test_legacy_doc_is_told_to_save_as_docx() -> None:
    error = rejected("Draft.DOC", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    assert error.code == "unsupported_format" and ".docx" in error.message


def test_extension_case_and_windows_paths() -> None:
    assert read("C:\\drafts\\Res 246.TXT", b"text").format == "txt"
    assert read("notes.markdown", b"text").format == "md"


def test_too_many_bytes_says_the_limit() -> None:
    error = rejected("big.txt", b"a" * 101, max_bytes=100)
    assert error.code == "too_large" and "100" in error.message


def test_too_many_characters() -> None:
    assert rejected("big.txt", "中".encode() * 11, max_chars=10).code == "too_large"
    assert read("ok.txt", "中".encode() * 10, max_chars=10).text == "中" * 10


@pytest.mark.parametrize("data", [b"", b"  \n\t\r\n", codecs.BOM_UTF8])
def test_empty(data: bytes) -> None:
    assert rejected("empty.txt", data).code == "empty"


def test_empty_docx() -> None:
    assert rejected("empty.docx", docx_bytes(lambda d: None)).code == "empty"


# Text


def test_utf8_text_is_kept_as_written() -> None:
    decomposed = "e\u0301 Cafe\u0301"  # not normalized: the text is the source of truth
    imported = read("draft.txt", (DRAFT + decomposed).encode())
    assert imported == ImportedText(DRAFT + decomposed, "txt", ())


def test_utf8_bom_is_stripped() -> None:
    assert read("draft.txt", codecs.BOM_UTF8 + DRAFT.encode()).text == DRAFT


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom(encoding: str) -> None:
    bom = codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE
    assert read("draft.txt", bom + DRAFT.encode(encoding)).text == DRAFT


def test_latin1_is_refused_with_the_offset_of_the_bad_byte() -> None:
    error = rejected("draft.txt", "Référence".encode("latin-1"))
    assert error.code == "bad_encoding"
    assert "offset 1" in error.message and "0xe9" in error.message


def test_truncated_utf16_is_refused() -> None:
    error = rejected("draft.txt", codecs.BOM_UTF16_LE + "ab".encode("utf-16-le") + b"a")
    assert error.code == "bad_encoding" and "offset 6" in error.message


def test_png_renamed_txt_is_not_text() -> None:
    error = rejected("draft.txt", PNG)
    assert error.code == "not_text" and "PNG" in error.message


def test_docx_renamed_txt_is_not_text() -> None:
    data = docx_bytes(lambda d: d.add_paragraph("x"))
    assert rejected("draft.md", data).code == "not_text"


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85"])
def test_control_characters_are_refused(char: str) -> None:
    error = rejected("draft.txt", f"line one\nbad {char} here".encode())
    assert error.code == "not_text" and "line 2" in error.message


def test_line_endings_become_line_feeds_with_a_warning() -> None:
    imported = read("draft.txt", b"one\r\ntwo\rthree\n")
    assert imported.text == "one\ntwo\nthree\n"
    assert len(imported.warnings) == 2
    assert any("CRLF" in warning for warning in imported.warnings)


# Markdown


def test_markdown_syntax_is_undone_line_by_line() -> None:
    source = (
        "# RESOLUTION 246 #\n"
        "> ## considering\n"
        "a) that *the* **six** languages __are__ _equal_  \n"
        "b) [shall][should] [Alt 1: text] / [x](y)\n"
        "snake_case and 2*3*4 stay"
    )
    imported = read("draft.md", source.encode())
    assert imported.text == (
        "RESOLUTION 246\n"
        "considering\n"
        "a) that the six languages are equal\n"
        "b) [shall][should] [Alt 1: text] / [x](y)\n"
        "snake_case and 2*3*4 stay"
    )
    joined = " ".join(imported.warnings)
    for expected in ("heading markers (#) were removed (2)", "quote markers (>) were removed (1)",
                     "emphasis markers (* or _) were removed (4)", "hard line breaks"):  # fmt: skip
        assert expected in joined


def escape_like_the_exporter(text: str) -> str:
    """Every ASCII punctuation character but the notation's own [ ] \\ gets a backslash."""
    return re.sub(r"([!-/:-@^-`{-~])", r"\\\1", text)


def test_escaped_markdown_reads_back_as_the_text() -> None:
    text = (
        "# not a heading\n"
        "> not a quote\n"
        "1. *not emphasis* and _not_ either, 2*3\n"
        "US\\$100 and\\ guidelines, a literal \\[ and \\\\[x] and \\*\n"
        "[shall][should] <b>&amp;</b> `code` ~~x~~ | a | b | العربية «中文» 🌍🇺🇳 *粗体*"
    )
    markdown = escape_like_the_exporter(text)
    assert "\\#" in markdown and "\\\\$" in markdown and "\\[" in markdown
    imported = read("draft.md", markdown.encode())
    assert imported.text == text


def test_markdown_character_references_footnotes_and_notice() -> None:
    source = (
        "**Not agreed: 2 brackets remain**\n\n"
        "&#32;&#9;indented, a CR&#13; here, a\\\\&#92;[x] and \\&\\#92\\; as text&#8203;\n\n"
        "[shall][^1][should][^2] \\[\\^3\\]\n\n"
        "[^1]: Egypt\n\n"
        "[^2]: China\n"
    )
    imported = read("draft.md", source.encode())
    assert imported.text == (
        " \tindented, a CR\r here, a\\\\\\[x] and &#92; as text\n\n[shall][should] \\[^3\\]\n"
    )
    joined = " ".join(imported.warnings)
    assert "export notices were removed (1)" in joined
    assert "footnotes were removed (4)" in joined


@pytest.mark.parametrize("line", ["*a " * 100_000, "_a " * 100_000, "> " * 100_000,
                                  "# a" + " " * 100_000 + "x", "*" + "\\" * 100_000])  # fmt: skip
def test_markdown_stripping_stays_linear(line: str) -> None:
    started = time.perf_counter()
    strip_markdown(line)
    assert time.perf_counter() - started < 5  # quadratic matching took minutes


def test_control_characters_from_references_are_refused() -> None:
    assert rejected("draft.md", b"a &#0; b").code == "not_text"
    assert read("draft.md", b"&#xD800; &#99999999;").text == "&#xD800; &#99999999;"


@pytest.mark.parametrize("view", ["compilation", "agreed"])
def test_accord_markdown_export_reads_back(view: View) -> None:
    text = (Path(__file__).parents[2] / "app/demo/texts/multilingualism.txt").read_text()
    meta = ExportMeta(symbol="S", title="T", open_brackets=3)
    layout = build_layout(text, meta, view, notes={"b0": "Egypt", "b4": "中国 🇨🇳"})
    assert read("draft.md", render_markdown(layout).encode()).text == text


# DOCX


def test_docx_text_with_every_script_brackets_and_tabs() -> None:
    lines = ["RESOLUTION 1", "", "  a)\tArabic العربية, Chinese 中文, emoji 🌍🇺🇳", "[x] \\[y\\] "]

    def build(document: docx.document.Document) -> None:
        for line in lines:
            document.add_paragraph(line)

    imported = read("draft.docx", docx_bytes(build))
    assert imported == ImportedText("\n".join(lines), "docx", ())


def test_docx_tracked_changes_are_accepted() -> None:
    data = docx_bytes(lambda d: (d.add_paragraph("keep "), d.add_paragraph("second")))

    def track(xml: str) -> str:
        author = 'w:id="{}" w:author="A" w:date="2026-01-01T00:00:00Z"'
        inserted = f"<w:ins {author.format(1)}><w:r><w:t>inserted</w:t></w:r></w:ins>"
        deleted = f"<w:del {author.format(2)}><w:r><w:delText>deleted</w:delText></w:r></w:del>"
        mark = f"<w:pPr><w:rPr><w:del {author.format(3)}/></w:rPr></w:pPr>"
        kept = '<w:t xml:space="preserve">keep </w:t></w:r>'
        assert kept in xml
        xml = xml.replace(kept, kept + inserted + deleted, 1)
        return xml.replace("<w:p>", f"<w:p>{mark}", 1)  # first paragraph mark deleted

    imported = read("draft.docx", with_body_xml(data, track))
    assert imported.text == "keep insertedsecond"
    assert any("Tracked changes were accepted" in warning for warning in imported.warnings)


def test_docx_hyperlinks_and_line_breaks() -> None:
    def build(document: docx.document.Document) -> None:
        paragraph = document.add_paragraph("see ")
        link = parse_xml(
            '<w:hyperlink xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
            ' w:anchor="x"><w:r><w:t>the annex</w:t></w:r></w:hyperlink>'
        )
        paragraph._p.append(link)
        run = document.add_paragraph("one").runs[0]
        run.add_break()
        run.add_text("two")

    imported = read("draft.docx", docx_bytes(build))
    assert imported.text == "see the annex\none\ntwo"
    assert any("Line breaks" in warning for warning in imported.warnings)


def test_docx_fields_give_their_result_not_their_code() -> None:
    data = docx_bytes(lambda d: d.add_paragraph("PLACEHOLDER"))
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    field = (
        '<w:fldSimple w:instr="PAGE"><w:r><w:t>7</w:t></w:r></w:fldSimple>'
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText xml:space="preserve"> HYPERLINK "http://example.com" '
        "</w:instrText></w:r>"
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>link</w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )

    def edit(xml: str) -> str:
        assert f'xmlns:w="{w}"' in xml
        return xml.replace("<w:r><w:t>PLACEHOLDER</w:t></w:r>", field)

    assert read("draft.docx", with_body_xml(data, edit)).text == "7link"


def test_docx_tables_numbering_and_footnotes_are_reported() -> None:
    def build(document: docx.document.Document) -> None:
        document.add_paragraph("first", style="List Number")
        table = document.add_table(rows=1, cols=2)
        table.cell(0, 0).text = "cell 1"
        table.cell(0, 1).text = "cell 2"
        document.add_paragraph("after")
        reference = parse_xml(
            '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            '<w:footnoteReference w:id="1"/></w:r>'
        )
        document.paragraphs[-1]._p.append(reference)

    imported = read("draft.docx", docx_bytes(build))
    assert imported.text == "first\ncell 1\ncell 2\nafter"
    joined = " ".join(imported.warnings)
    assert "Automatic numbering was not imported (1 paragraphs)" in joined
    assert "Tables" in joined and "Footnotes" in joined


def test_docx_external_entities_are_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    data = docx_bytes(lambda d: d.add_paragraph("PLACEHOLDER"))

    def inject(xml: str) -> str:
        doctype = f'<!DOCTYPE w:document [<!ENTITY x SYSTEM "{secret.as_uri()}">]>'
        return xml.replace("?>", "?>" + doctype, 1).replace("PLACEHOLDER", "before &x; after")

    imported = read("draft.docx", with_body_xml(data, inject))
    assert "TOP-SECRET" not in imported.text
    assert imported.text == "before  after"


def test_text_file_named_docx_is_bad_docx() -> None:
    assert rejected("draft.docx", DRAFT.encode()).code == "bad_docx"


def test_zip_without_document_is_bad_docx() -> None:
    data = zip_bytes({"[Content_Types].xml": b"<Types/>", "word/other.xml": b"<x/>"})
    error = rejected("draft.docx", data)
    assert error.code == "bad_docx" and "not a Word document" in error.message


def test_broken_document_xml_is_bad_docx() -> None:
    data = with_body_xml(docx_bytes(lambda d: d.add_paragraph("x")), lambda xml: xml[:-20])
    assert rejected("draft.docx", data).code == "bad_docx"


def test_docx_without_a_body_is_empty() -> None:
    data = with_body_xml(
        docx_bytes(lambda d: d.add_paragraph("x")),
        lambda xml: re.sub(r"<w:body>.*</w:body>", "", xml, flags=re.DOTALL),
    )
    assert rejected("draft.docx", data).code == "empty"


def test_zip_bomb_is_refused_before_decompression() -> None:
    data = zip_bytes({"word/document.xml": b"\0" * 100_000_000})
    assert len(data) < 200_000
    error = rejected("draft.docx", data)
    assert error.code == "zip_bomb" and "50,000,000" in error.message


def test_extreme_compression_ratio_is_refused() -> None:
    data = zip_bytes({"word/document.xml": b"<w/>", "word/media/x.bin": b"\0" * 5_000_000})
    error = rejected("draft.docx", data)
    assert error.code == "zip_bomb" and "compressed" in error.message


def test_too_many_entries_is_refused() -> None:
    data = zip_bytes({f"word/media/{n}.xml": b"<x/>" for n in range(1001)})
    assert rejected("draft.docx", data).code == "zip_bomb"


def test_read_docx_keeps_the_line_structure() -> None:
    data = docx_bytes(lambda d: [d.add_paragraph(t) for t in ("a", "", "", "b")])
    assert read_docx(data).text == "a\n\n\nb"
