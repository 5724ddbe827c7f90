"""Word export in the layout of an ITU resolution.

Each block is one Word paragraph, written as its indent, its number as written and
its content, so that reading the body back (``app.exports.reading.read_docx``) gives
the draft's text again. Everything that is not the text lives outside the body: the
symbol and version in the page header, attributions in real footnotes. Revision marks
are formatting (underline, strikethrough), as in ITU MOD proposals, not Word's
tracked changes, which a reader would accept or reject.

Text only ever becomes ``w:t``/``w:tab`` through python-docx's run API: nothing in a
draft can turn into a field, a hyperlink or markup.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from typing import cast

import docx
from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import OxmlElement
from docx.oxml.ns import nsdecls, qn
from docx.oxml.parser import parse_xml
from docx.oxml.text.paragraph import CT_P
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Cm, Mm, Pt
from docx.styles.style import BaseStyle, ParagraphStyle
from docx.text.paragraph import Paragraph

from app.engine.layout_model import Block, BlockKind, BracketNode, ExportMeta, Inline, Layout, Run

FONT = "Times New Roman"
EAST_ASIAN_FONT = "SimSun"  # the font of ITU's Chinese texts
NOTICE_STYLE = "Accord Notice"
NOTICE_STYLE_ID = "AccordNotice"  # the reader leaves paragraphs of this style out
BRACKET_STYLE, BRACKET_STYLE_ID = "Accord Bracket", "AccordBracket"
# Word's built-in names and ids
FOOTNOTE_REFERENCE_STYLE, FOOTNOTE_REFERENCE_STYLE_ID = "footnote reference", "FootnoteReference"
FOOTNOTE_TEXT_STYLE, FOOTNOTE_TEXT_STYLE_ID = "footnote text", "FootnoteText"

# Style ids, set on the XML directly: python-docx looks a style name up among all the
# styles on every use, which a long draft with thousands of brackets feels.
_BLOCK_STYLES: dict[BlockKind, str | None] = {
    "title": "AccordTitle",
    "formula": "AccordFormula",
    "heading": "AccordHeading",
    "item": "AccordItem",
    "paragraph": None,  # Normal
    "blank": None,
}
# Characters XML 1.0 cannot hold; lxml would refuse the whole document.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_RTL = frozenset({"R", "AL"})
_LINE_BREAK = re.compile(r"\r?\n")
# Schema order of the elements after w:bidi in w:pPr, and after w:footnotePr in
# w:settings: Word refuses documents whose elements are out of order.
_AFTER_BIDI = (
    "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
    "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
    "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr",
    "w:pPrChange",
)  # fmt: skip
_AFTER_FOOTNOTE_PR = (
    "w:endnotePr", "w:compat", "w:docVars", "w:rsids", "m:mathPr", "w:attachedSchema",
    "w:themeFontLang", "w:clrSchemeMapping", "w:doNotIncludeSubdocsInStats",
    "w:doNotAutoCompressPictures", "w:forceUpgrade", "w:captions", "w:readModeInkLockDown",
    "w:smartTagType", "sl:schemaLibrary", "w:shapeDefaults", "w:doNotEmbedSmartTags",
    "w:decimalSymbol", "w:listSeparator",
)  # fmt: skip
_SEPARATORS = (
    f"<w:footnotes {nsdecls('w')}>"
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:before="0"'
    ' w:after="0" w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:separator/></w:r></w:p>'
    "</w:footnote>"
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing'
    ' w:before="0" w:after="0" w:line="240" w:lineRule="auto"/></w:pPr><w:r>'
    "<w:continuationSeparator/></w:r></w:p></w:footnote>"
    "</w:footnotes>"
)


def render_docx(layout: Layout) -> bytes:
    document = docx.Document()
    _set_up_page(document, layout)
    _set_up_styles(document, layout.meta)
    _set_properties(document, layout.meta)
    footnotes = _Footnotes(document, layout.notes) if layout.notes else None
    open_brackets = layout.meta.open_brackets
    if layout.view == "agreed" and open_brackets > 0:
        remain = "bracket remains" if open_brackets == 1 else "brackets remain"
        notice = document.add_paragraph(style=NOTICE_STYLE)
        notice.add_run(f"Not agreed: {open_brackets} {remain}")
    for block in layout.blocks:
        _add_block(document, block, footnotes)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _set_up_page(document: Document, layout: Layout) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(25)
    section.left_margin = section.right_margin = Mm(20)
    meta = layout.meta
    header = " ".join(part for part in (meta.symbol, meta.version) if part)
    if layout.view == "revision" and meta.compared_with:
        header += f" (revision marks against {meta.compared_with})"
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run(_clean(header))


def _set_up_styles(document: Document, meta: ExportMeta) -> None:
    styles = document.styles
    defaults = styles.element.find(qn("w:docDefaults"))
    if defaults is not None:  # theme fonts there would win over Times New Roman
        for fonts in defaults.iter(qn("w:rFonts")):
            for name in [name for name in fonts.attrib if name.lower().endswith("theme")]:
                del fonts.attrib[name]
    normal = cast(ParagraphStyle, styles["Normal"])
    _set_fonts(normal, meta.language, size=12)
    normal.paragraph_format.space_before, normal.paragraph_format.space_after = Pt(6), Pt(0)
    normal.paragraph_format.line_spacing = 1.0
    _add_paragraph_style(document, "Accord Title", bold=True, centred=True, before=12)
    _add_paragraph_style(document, "Accord Formula", before=12)
    _add_paragraph_style(document, "Accord Heading", italic=True, before=12, keep=True)
    # Article and chapter headings of a text that is not a resolution.
    _add_paragraph_style(document, "Accord Body Heading", bold=True, before=12, keep=True)
    item = _add_paragraph_style(document, "Accord Item")
    # A hanging indent: a number followed by a tab sits in the margin of its text.
    item.paragraph_format.left_indent = Cm(1.4)
    item.paragraph_format.first_line_indent = Cm(-1.4)
    _add_paragraph_style(document, NOTICE_STYLE, bold=True, after=12)
    bracket = styles.add_style(BRACKET_STYLE, WD_STYLE_TYPE.CHARACTER)
    bracket.style_id = BRACKET_STYLE_ID
    bracket.font.bold = True
    _insert_rpr(bracket, "w:bCs")
    reference = styles.add_style(FOOTNOTE_REFERENCE_STYLE, WD_STYLE_TYPE.CHARACTER)
    reference.style_id = FOOTNOTE_REFERENCE_STYLE_ID
    reference.font.superscript = True
    footnote = _add_paragraph_style(document, FOOTNOTE_TEXT_STYLE, FOOTNOTE_TEXT_STYLE_ID, before=0)
    _set_fonts(footnote, None, size=10)


def _add_paragraph_style(
    document: Document,
    name: str,
    style_id: str | None = None,
    *,
    bold: bool = False,
    italic: bool = False,
    centred: bool = False,
    keep: bool = False,
    before: int | None = None,
    after: int | None = None,
) -> ParagraphStyle:
    style = cast(ParagraphStyle, document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH))
    style.style_id = style_id or name.replace(" ", "")  # "Accord Title": AccordTitle
    style.base_style = document.styles["Normal"]
    # Word draws Arabic with the complex-script twins of bold and italic (w:bCs, w:iCs).
    if bold:
        style.font.bold = True
        _insert_rpr(style, "w:bCs")
    if italic:
        style.font.italic = True
        _insert_rpr(style, "w:iCs")
    if centred:
        style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if keep:
        style.paragraph_format.keep_with_next = True
    if before is not None:
        style.paragraph_format.space_before = Pt(before)
    if after is not None:
        style.paragraph_format.space_after = Pt(after)
    return style


# Schema order of w:rPr, for inserting the elements python-docx has no API for.
_RPR_ORDER = (
    "w:rStyle", "w:rFonts", "w:b", "w:bCs", "w:i", "w:iCs", "w:caps", "w:smallCaps",
    "w:strike", "w:dstrike", "w:outline", "w:shadow", "w:emboss", "w:imprint", "w:noProof",
    "w:snapToGrid", "w:vanish", "w:webHidden", "w:color", "w:spacing", "w:w", "w:kern",
    "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd",
    "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout",
    "w:specVanish", "w:oMath",
)  # fmt: skip


def _insert_rpr(style: BaseStyle, tag: str, attributes: dict[str, str] | None = None) -> None:
    rpr = style.element.get_or_add_rPr()
    for old in rpr.findall(qn(tag)):
        rpr.remove(old)
    successors = _RPR_ORDER[_RPR_ORDER.index(tag) + 1 :]
    rpr.insert_element_before(OxmlElement(tag, attributes), *successors)


def _set_fonts(style: ParagraphStyle, language: str | None, *, size: int) -> None:
    """Fonts, sizes and languages for Chinese and Arabic, which Word takes from
    w:rFonts/@eastAsia and @cs and from w:szCs rather than from the Latin settings."""
    style.font.name, style.font.size = FONT, Pt(size)
    fonts = {qn("w:ascii"): FONT, qn("w:hAnsi"): FONT, qn("w:cs"): FONT,
             qn("w:eastAsia"): EAST_ASIAN_FONT}  # fmt: skip
    _insert_rpr(style, "w:rFonts", fonts)
    _insert_rpr(style, "w:szCs", {qn("w:val"): str(size * 2)})
    if language is not None:
        lang = {
            qn("w:val"): _clean(language) or "en",
            qn("w:eastAsia"): "zh-CN",
            qn("w:bidi"): "ar-SA",
        }
        _insert_rpr(style, "w:lang", lang)


def _set_properties(document: Document, meta: ExportMeta) -> None:
    properties = document.core_properties
    # python-docx refuses core properties longer than 255 characters.
    properties.title = _clean(meta.title)[:255]
    properties.subject = _clean(meta.symbol)[:255]
    properties.language = _clean(meta.language)[:255]
    properties.author = properties.last_modified_by = "Accord"
    properties.comments = properties.keywords = ""
    when = _parse_date(meta.date)
    if when is not None:
        properties.created = properties.modified = when
    package = document.part.package
    for rid, rel in list(package.rels.items()):  # the template's thumbnail is not this text
        if rel.reltype == RELATIONSHIP_TYPE.THUMBNAIL:
            del package.rels[rid]


def _parse_date(text: str) -> datetime | None:
    try:
        day = date.fromisoformat(text[:10])
    except ValueError:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _add_block(document: Document, block: Block, footnotes: _Footnotes | None) -> None:
    paragraph = document.add_paragraph()
    body_heading = block.kind == "heading" and block.part == "body"
    paragraph._p.style = "AccordBodyHeading" if body_heading else _BLOCK_STYLES[block.kind]
    lead = block.indent + (block.number or "")
    if lead:
        paragraph.add_run(_clean(lead))
    _add_inlines(paragraph, block.content, footnotes)
    if _mainly_right_to_left(lead + "".join(_texts(block.content))):
        _make_right_to_left(paragraph)


def _texts(inlines: Iterable[Inline]) -> Iterator[str]:
    for inline in inlines:
        if isinstance(inline, Run):
            yield inline.text
        elif isinstance(inline, BracketNode):
            yield from _texts(inline.children)


def _add_inlines(
    paragraph: Paragraph, inlines: Iterable[Inline], footnotes: _Footnotes | None
) -> None:
    for inline in inlines:
        if isinstance(inline, Run):
            # A line break inside a block is a deleted one (revision view): shown as ¶,
            # as in the other formats, since a struck-through break is invisible.
            run = paragraph.add_run(_clean(_LINE_BREAK.sub("¶", inline.text)))
            if inline.mark == "ins":
                run.font.underline = True
            elif inline.mark == "del":
                run.font.strike = True
        elif isinstance(inline, BracketNode):
            if inline.opens:
                paragraph.add_run("[")._r.style = BRACKET_STYLE_ID
            _add_inlines(paragraph, inline.children, footnotes)
            if inline.closes:
                paragraph.add_run("]")._r.style = BRACKET_STYLE_ID
        elif footnotes is not None:
            footnotes.reference(paragraph, inline.number)


def _mainly_right_to_left(text: str) -> bool:
    right_to_left = left_to_right = 0
    for char in text:
        direction = unicodedata.bidirectional(char)
        right_to_left += direction in _RTL
        left_to_right += direction == "L"
    return right_to_left > left_to_right


def _make_right_to_left(paragraph: Paragraph) -> None:
    """A right-to-left paragraph (w:bidi); runs of Arabic letters only also get w:rtl
    so Word places their punctuation and digits the Arabic way."""
    bidi = cast(BaseOxmlElement, OxmlElement("w:bidi"))
    paragraph._p.get_or_add_pPr().insert_element_before(bidi, *_AFTER_BIDI)
    for run in paragraph.runs:
        directions = {unicodedata.bidirectional(char) for char in run.text}
        if directions & _RTL and "L" not in directions:
            run.font.rtl = True


class _Footnotes:
    """The footnotes part python-docx does not provide: Word's two separator
    footnotes (ids -1 and 0), then footnote ``n`` holding ``notes[n - 1]``."""

    def __init__(self, document: Document, notes: tuple[str, ...]) -> None:
        self._count = len(notes)
        element = parse_xml(_SEPARATORS)
        for number, note in enumerate(notes, start=1):
            element.append(self._footnote(number, note))
        package = document.part.package
        part = XmlPart(PackURI("/word/footnotes.xml"), CONTENT_TYPE.WML_FOOTNOTES, element,
                       package)  # fmt: skip
        document.part.relate_to(part, RELATIONSHIP_TYPE.FOOTNOTES)
        # Word names its separator footnotes in the settings too.
        properties = parse_xml(
            f'<w:footnotePr {nsdecls("w")}><w:footnote w:id="-1"/><w:footnote w:id="0"/>'
            "</w:footnotePr>"
        )
        document.settings.element.insert_element_before(properties, *_AFTER_FOOTNOTE_PR)

    @staticmethod
    def _footnote(number: int, note: str) -> BaseOxmlElement:
        footnote = parse_xml(
            f'<w:footnote {nsdecls("w")} w:id="{number}"><w:p><w:pPr>'
            f'<w:pStyle w:val="{FOOTNOTE_TEXT_STYLE_ID}"/></w:pPr><w:r><w:rPr>'
            f'<w:rStyle w:val="{FOOTNOTE_REFERENCE_STYLE_ID}"/></w:rPr><w:footnoteRef/></w:r>'
            "</w:p>"
            "</w:footnote>"
        )
        cast(CT_P, footnote[0]).add_r().text = " " + _clean(note)
        return footnote

    def reference(self, paragraph: Paragraph, number: int) -> None:
        if not 1 <= number <= self._count:  # a reference to no footnote breaks the file
            return
        run = paragraph.add_run()
        run._r.style = FOOTNOTE_REFERENCE_STYLE_ID
        run._r.append(OxmlElement("w:footnoteReference", {qn("w:id"): str(number)}))
