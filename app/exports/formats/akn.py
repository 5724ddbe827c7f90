"""Akoma Ntoso 3.0 export in the UN's profile (AKN4UN), valid against the OASIS schema.

A resolution laid out with an enacting formula becomes::

    <statement name="resolutionDraft">
      <meta>                identification (FRBR work, expression, manifestation)
      <preface>             <p><docNumber>…</docNumber></p> <p><docTitle>…</docTitle></p>
      <preamble>            <formula name="enactingFormula"><p>…</p></formula>
                            <container name="considering">
                              <p class="heading">considering</p>
                              <blockContainer><num>a)</num><p>…</p></blockContainer>
      <mainBody>            <hcontainer name="resolves"><heading>resolves</heading>
                              <paragraph><num>1</num><content><p>…</p></content></paragraph>

A text without that layout (``body``) is a ``mainBody`` of numbered ``paragraph``s and
``p``s. Blank lines and indentation are not kept.

The schema has no bracket element. A lone bracket is ``<inline name="bracket">``; every
member of a group of alternatives is ``<inline name="alternative">``, and the later
members carry ``alternativeTo="#<eId of the first member>"`` (the attribute belongs to
the ``coreopt`` attributes ``inline`` accepts). The brackets stay as text inside the
element (``<inline …>[shall]</inline>``): readers see them, and the text content of the
document is the draft's. A bracket running across paragraphs is one ``inline`` per
paragraph; the later pieces get the eId of the first plus ``__cont_<n>``, and
``class`` says ``continued-before`` / ``continued-after``. eIds of brackets are
``br_`` plus the bracket's id, characters outside an NCName replaced by ``_``.
Attributions are ``<authorialNote marker="n" placement="bottom" eId="fn_n">`` right
after their bracket; revision marks are ``ins`` and ``del``. Characters XML 1.0 cannot
hold (control characters other than tab, line feed and carriage return) become U+FFFD.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from lxml import etree

from app.engine.layout_model import Block, BracketNode, ExportMeta, Inline, Layout, Run

__all__ = ["AKN_NAMESPACE", "render_akn"]

AKN_NAMESPACE = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
_NS = f"{{{AKN_NAMESPACE}}}"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_NOT_NCNAME = re.compile(r"[^A-Za-z0-9._-]")
_NOT_URI = re.compile(r"[^A-Za-z0-9._~-]+")
_WORD = re.compile(r"[^\W\d_]+")
_ADVERBS = frozenset({"further", "also", "furthermore", "moreover", "additionally", "finally"})
_LANGUAGES = {
    "ar": "ara", "zh": "zho", "en": "eng", "fr": "fra", "ru": "rus", "es": "spa",
    "de": "deu", "pt": "por", "it": "ita", "ja": "jpn",
}  # fmt: skip
# Elements whose content is other elements: a line break after each keeps the file
# readable without touching mixed content.
_STRUCTURE = frozenset({
    "meta", "identification", "FRBRWork", "FRBRExpression", "FRBRManifestation",
    "references", "preface", "preamble", "formula", "container", "blockContainer",
    "mainBody", "hcontainer", "paragraph", "content", "heading", "p",
})  # fmt: skip
_NSMAP: dict[str | None, str] = {None: AKN_NAMESPACE}


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _el(parent: etree._Element | None, tag: str, **attributes: str) -> etree._Element:
    values = {key: _clean(value) for key, value in attributes.items()}
    if parent is None:
        # lxml-stubs type nsmap without the None key lxml uses for the default namespace.
        return etree.Element(_NS + tag, values, nsmap=_NSMAP)  # type: ignore[arg-type]
    return etree.SubElement(parent, _NS + tag, values)


def _append_text(parent: etree._Element, text: str) -> None:
    if not text:
        return
    if len(parent):
        last = parent[-1]
        last.tail = (last.tail or "") + _clean(text)
    else:
        parent.text = (parent.text or "") + _clean(text)


def render_akn(layout: Layout) -> bytes:
    root = _el(None, "akomaNtoso")
    kind = _NOT_NCNAME.sub("", layout.meta.kind)
    document = _el(root, "statement", name=f"{kind}Draft" if kind not in ("", "other") else "draft")
    _meta(document, layout.meta)
    _Body(document, layout).build()
    for element in root.iter(*(_NS + name for name in _STRUCTURE)):
        parent = element.getparent()
        if element.tail is None and etree.QName(parent).localname != "authorialNote":
            element.tail = "\n"  # the note's <p> sits inside running text
    root.text = "\n"
    xml: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return xml + b"\n"


# --- metadata --------------------------------------------------------------------------


def _iso_date(value: str) -> str:
    try:
        return date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        return date.today().isoformat()


def _slug(value: str, default: str) -> str:
    return _NOT_URI.sub("-", value).strip("-") or default


def _meta(document: etree._Element, meta: ExportMeta) -> None:
    day = _iso_date(meta.date)
    day_name = "version" if meta.date else "export"
    language = meta.language.lower()
    code = _LANGUAGES.get(language, language if re.fullmatch("[a-z]{2,3}", language) else "und")
    work = f"/akn/un/statement/{_slug(meta.kind, 'draft')}/{day}/{_slug(meta.symbol, 'draft')}"
    expression = f"{work}/{code}@{_slug(meta.version, '')}"
    identification = _el(_el(document, "meta"), "identification", source="#secretariat")
    levels = (
        ("FRBRWork", f"{work}/!main", work),
        ("FRBRExpression", f"{expression}/!main", expression),
        ("FRBRManifestation", f"{expression}/!main.xml", f"{expression}.akn"),
    )
    for tag, this, uri in levels:
        level = _el(identification, tag)
        _el(level, "FRBRthis", value=this)
        _el(level, "FRBRuri", value=uri)
        _el(level, "FRBRdate", date=day, name=day_name)
        _el(level, "FRBRauthor", href="#secretariat")
        if tag == "FRBRWork":
            _el(level, "FRBRcountry", value="un")
            if meta.symbol:
                _el(level, "FRBRnumber", value=meta.symbol)
            if meta.title:
                _el(level, "FRBRname", value=meta.title)
        elif tag == "FRBRExpression":
            if meta.version:
                _el(level, "FRBRversionNumber", value=meta.version)
            _el(level, "FRBRlanguage", language=code)
        else:
            _el(level, "FRBRformat", value="application/akn+xml")
    _references(document[0], meta)


def _references(meta_element: etree._Element, meta: ExportMeta) -> None:
    references = _el(meta_element, "references", source="#secretariat")
    ontology = "/akn/ontology"
    _el(
        references,
        "TLCOrganization",
        eId="secretariat",
        href=f"{ontology}/organization/un/secretariat",
        showAs="Secretariat",
    )
    if meta.working_group:
        href = f"{ontology}/organization/un/{_slug(meta.working_group, 'group')}"
        _el(references, "TLCOrganization", eId="workingGroup", href=href, showAs=meta.working_group)
    if meta.conference:
        href = f"{ontology}/event/un/{_slug(meta.conference, 'conference')}"
        _el(references, "TLCEvent", eId="conference", href=href, showAs=meta.conference)


# --- document ----------------------------------------------------------------------------


class _Ids:
    """Unique eIds: a taken one gets a numbered suffix."""

    def __init__(self) -> None:
        self.taken: set[str] = {"secretariat", "workingGroup", "conference"}
        self.counters: dict[str, int] = {}

    def claim(self, wanted: str) -> str:
        eid, suffix = wanted, 1
        while eid in self.taken:
            suffix += 1
            eid = f"{wanted}_{suffix}"
        self.taken.add(eid)
        return eid

    def next(self, prefix: str) -> str:
        self.counters[prefix] = self.counters.get(prefix, 0) + 1
        return self.claim(f"{prefix}_{self.counters[prefix]}")


class _Body:
    """Walks the blocks once, opening the AKN parts and containers as it goes."""

    def __init__(self, document: etree._Element, layout: Layout) -> None:
        self.document = document
        self.layout = layout
        self.ids = _Ids()
        self.first_piece: dict[str, str] = {}  # bracket id -> eId of its first piece
        self.pieces: dict[str, int] = {}
        self.parts: dict[str, etree._Element] = {}
        self.section: etree._Element | None = None  # open container or hcontainer
        self.titles = [b for b in layout.blocks if b.kind == "title"]

    def build(self) -> None:
        for block in self.layout.blocks:
            if block.kind != "blank":
                self._block(block)
        if "mainBody" not in self.parts:
            _el(self._part("mainBody"), "p")

    def _part(self, name: str) -> etree._Element:
        if name not in self.parts:
            self.parts[name] = _el(self.document, name)
            self.section = None
        return self.parts[name]

    def _block(self, block: Block) -> None:
        if block.kind == "title":
            self._title(block)
        elif block.kind == "formula":
            formula = _el(self._part("preamble"), "formula", name="enactingFormula")
            formula.set("eId", self.ids.next("formula"))
            self._inlines(_el(formula, "p"), block.content)
        elif block.part == "preamble":
            self._preamble(block)
        elif block.part == "operative":
            self._operative(block)
        else:
            self._body(block)

    def _title(self, block: Block) -> None:
        tag = "docNumber" if len(self.titles) > 1 and block is self.titles[0] else "docTitle"
        self._inlines(_el(_el(self._part("preface"), "p"), tag), block.content)

    def _preamble(self, block: Block) -> None:
        preamble = self._part("preamble")
        if block.kind == "heading":
            self.section = _el(preamble, "container", name=_section_name(block))
            self.section.set("eId", self.ids.next("container"))
            self._inlines(_el(self.section, "p", **{"class": "heading"}), block.content)
            return
        parent = self.section if self.section is not None else preamble
        if block.kind == "item":
            item = _el(parent, "blockContainer", eId=self.ids.next("item"))
            _el(item, "num").text = _clean((block.number or "").strip())
            parent = item
        self._inlines(_el(parent, "p"), block.content)

    def _operative(self, block: Block) -> None:
        body = self._part("mainBody")
        if block.kind == "heading":
            self.section = _el(body, "hcontainer", name=_section_name(block))
            self.section.set("eId", self.ids.next("hcontainer"))
            self._inlines(_el(self.section, "heading"), block.content)
            return
        self._paragraph(self.section if self.section is not None else body, block)

    def _body(self, block: Block) -> None:
        body = self._part("mainBody")
        if block.kind == "item":
            self._paragraph(body, block)
        else:
            attributes = {"class": "heading"} if block.kind == "heading" else {}
            self._inlines(_el(body, "p", **attributes), block.content)

    def _paragraph(self, parent: etree._Element, block: Block) -> None:
        paragraph = _el(parent, "paragraph", eId=self.ids.next("para"))
        if block.number:
            _el(paragraph, "num").text = _clean(block.number.strip())
        self._inlines(_el(_el(paragraph, "content"), "p"), block.content)

    def _inlines(self, parent: etree._Element, inlines: Iterable[Inline]) -> None:
        for inline in inlines:
            if isinstance(inline, Run):
                if inline.mark is None:
                    _append_text(parent, inline.text)
                else:
                    _el(parent, inline.mark).text = _clean(inline.text)
            elif isinstance(inline, BracketNode):
                self._bracket(parent, inline)
            else:
                number = inline.number
                note = _el(parent, "authorialNote", marker=str(number), placement="bottom")
                note.set("eId", self.ids.claim(f"fn_{number}"))
                _el(note, "p").text = _clean(self.layout.notes[number - 1])

    def _bracket(self, parent: etree._Element, node: BracketNode) -> None:
        element = _el(parent, "inline", name="alternative" if node.group else "bracket")
        element.set("eId", self._piece_eid(node))
        if node.alternative_to and node.alternative_to in self.first_piece:
            element.set("alternativeTo", "#" + self.first_piece[node.alternative_to])
        continued = [
            name
            for name, flag in (("continued-before", node.opens), ("continued-after", node.closes))
            if not flag
        ]
        if continued:
            element.set("class", " ".join(continued))
        _append_text(element, "[" if node.opens else "")
        self._inlines(element, node.children)
        _append_text(element, "]" if node.closes else "")

    def _piece_eid(self, node: BracketNode) -> str:
        first = self.first_piece.get(node.id)
        if node.opens or first is None:
            first = self.ids.claim("br_" + _NOT_NCNAME.sub("_", node.id))
            self.first_piece[node.id], self.pieces[node.id] = first, 1
            return first
        self.pieces[node.id] += 1
        return self.ids.claim(f"{first}__cont_{self.pieces[node.id]}")


def _section_name(block: Block) -> str:
    """``considering``, ``resolves``, ``instructs``: the heading's first word that is not
    an adverb (``further resolves``), for the container's ``name``."""
    words = _WORD.findall("".join(_plain(block.content)).lower())
    return next((word for word in words if word not in _ADVERBS), "section")


def _plain(inlines: Iterable[Inline]) -> Iterable[str]:
    for inline in inlines:
        if isinstance(inline, Run):
            yield inline.text
        elif isinstance(inline, BracketNode):
            yield " "
            yield from _plain(inline.children)
            yield " "
