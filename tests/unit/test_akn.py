"""Akoma Ntoso export, validated against the OASIS Akoma Ntoso 3.0 schema."""

from __future__ import annotations

import re
from pathlib import Path
from typing import cast

import pytest
from lxml import etree

from app.engine.compare import compare
from app.engine.layout import build_layout
from app.engine.layout_model import ExportMeta, Layout, Mark, View
from app.exports.formats.akn import AKN_NAMESPACE, render_akn

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_DIR = ROOT.parent / "shared" / "data" / "akoma-ntoso"
UNFCCC = ROOT.parent / "shared" / "data" / "negotiating-texts"
UNFCCC_DRAFT = UNFCCC / "unfccc-draft-agreement-2015-10-23.txt"
DEMO_TEXTS = sorted((ROOT / "app" / "demo" / "texts").glob("*.txt"))
META = ExportMeta(
    symbol="PP-26/DT/12(Rev.1)",
    title="Multilingualism <in> ITU & co",
    conference="Plenipotentiary Conference (PP-26)",
    working_group="Committee 5 / WG-PL",
    version="Rev.1",
    date="2026-11-02",
    language="en",
)
NS = {"a": AKN_NAMESPACE}
NCNAME = re.compile(r"[A-Za-z_][A-Za-z0-9._-]*")
KINDS: dict[str, Mark | None] = {"equal": None, "insert": "ins", "delete": "del"}

pytestmark = [
    pytest.mark.needs_data,
    pytest.mark.skipif(
        not (SCHEMA_DIR / "akomantoso30.xsd").is_file(),
        reason=f"Akoma Ntoso schema not found in {SCHEMA_DIR}",
    ),
]


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / "akomantoso30.xsd")))


def xp(node: etree._Element, path: str) -> list[etree._Element]:
    return cast(list[etree._Element], node.xpath(path, namespaces=NS))


def strings(node: etree._Element, path: str) -> list[str]:
    return [str(value) for value in cast(list[str], node.xpath(path, namespaces=NS))]


def one(node: etree._Element, path: str) -> etree._Element:
    found = node.find(path, NS)
    assert found is not None, path
    return found


def text_of(node: etree._Element) -> str:
    return "".join(str(t) for t in node.itertext())


def valid(schema: etree.XMLSchema, layout: Layout) -> etree._Element:
    document = etree.fromstring(render_akn(layout))
    assert schema.validate(document), schema.error_log
    eids = strings(document, "//@eId")
    assert len(eids) == len(set(eids))
    assert all(NCNAME.fullmatch(eid) for eid in eids)
    for reference in strings(document, "//@alternativeTo"):
        assert reference[1:] in eids
    return document


def revision(old: str, new: str) -> Layout:
    comparison = compare(old, new, timeout_s=2)
    segments = [(s.text, KINDS[s.kind]) for s in comparison.segments]
    return build_layout(new, META, "revision", segments=segments)


def body_text(document: etree._Element) -> str:
    """Text of the document body, attributions and numbers left out."""
    parts = []
    for part in xp(document, "//a:preface|//a:preamble|//a:mainBody"):
        copy = etree.fromstring(etree.tostring(part))
        for element in xp(copy, ".//a:authorialNote|.//a:num"):
            tail = element.tail or ""
            parent = element.getparent()
            assert parent is not None
            previous = element.getprevious()
            if previous is not None:
                previous.tail = (previous.tail or "") + tail
            else:
                parent.text = (parent.text or "") + tail
            parent.remove(element)
        parts.append(text_of(copy))
    return "".join(parts)


@pytest.mark.parametrize("path", DEMO_TEXTS, ids=lambda p: p.name)
@pytest.mark.parametrize("view", ["compilation", "agreed"])
def test_demo_texts_are_valid(schema: etree.XMLSchema, path: Path, view: View) -> None:
    text = path.read_text(encoding="utf-8")
    document = valid(schema, build_layout(text, META, view, notes={"b0": "Egypt"}))
    statement = document[0]
    assert statement.get("name") == "resolutionDraft"
    assert [etree.QName(e).localname for e in statement] == [
        "meta",
        "preface",
        "preamble",
        "mainBody",
    ]
    assert one(statement, "a:preamble/a:formula").get("name") == "enactingFormula"
    one(statement, "a:preface/a:p/a:docNumber")
    assert xp(statement, "a:preamble/a:container[@name='considering']")
    paragraphs = xp(statement, "a:mainBody/a:hcontainer/a:paragraph")
    assert paragraphs and one(paragraphs[0], "a:num").text == "1"
    source = re.sub(r"\\([\\\[\]])", r"\1", text) if view == "agreed" else text
    assert body_text(document).count("[") == source.count("[")


@pytest.mark.parametrize("path", DEMO_TEXTS, ids=lambda p: p.name)
def test_demo_revisions_are_valid(schema: etree.XMLSchema, path: Path) -> None:
    old = path.read_text(encoding="utf-8")
    new = old.replace("shall", "should").replace("\n\nnoting\n", "\n\nnoting with concern\n")
    new = new.replace("[", "", 3)
    document = valid(schema, revision(old, new))
    assert xp(document, "//a:ins")
    assert xp(document, "//a:del")


def test_meta(schema: etree.XMLSchema) -> None:
    document = valid(schema, build_layout("x", META, "compilation"))
    work = one(document, ".//a:FRBRWork")
    assert one(work, "a:FRBRnumber").get("value") == META.symbol
    assert one(work, "a:FRBRname").get("value") == META.title
    assert one(work, "a:FRBRdate").get("date") == "2026-11-02"
    language = one(document, ".//a:FRBRExpression/a:FRBRlanguage")
    assert language.get("language") == "eng"
    shown = strings(document, "//a:references/*/@showAs")
    assert META.conference in shown and META.working_group in shown
    undated = build_layout("x", ExportMeta("S", "T", date="", language="??"), "agreed")
    valid(schema, undated)


def test_brackets_notes_and_alternatives(schema: etree.XMLSchema) -> None:
    text = "Each Party [shall][should] act [now [or later]]\n[chapeau:\n1. item]"
    notes = {"b0": "Egypt <EG>", "b2": "Chile & co", "b4": "across"}
    document = valid(schema, build_layout(text, META, "compilation", notes=notes))
    inlines = xp(document, "//a:inline")
    assert [(i.get("name"), i.get("eId"), i.get("alternativeTo")) for i in inlines[:2]] == [
        ("alternative", "br_b0", None),
        ("alternative", "br_b1", "#br_b0"),
    ]
    assert text_of(inlines[2]) == "[now [or later]]"
    chapeau, item = inlines[4:]
    assert (chapeau.get("class"), item.get("class")) == ("continued-after", "continued-before")
    assert item.get("eId") == "br_b4__cont_2"
    notes_found = xp(document, "//a:authorialNote")
    assert [(n.get("marker"), n.get("eId"), text_of(n)) for n in notes_found] == [
        ("1", "fn_1", "Egypt <EG>"),
        ("2", "fn_2", "Chile & co"),
        ("3", "fn_3", "across"),
    ]
    assert notes_found[0].getprevious() is inlines[0]
    assert notes_found[0].get("placement") == "bottom"


def test_server_ids_become_ncnames(schema: etree.XMLSchema) -> None:
    ids = {(0, 2): "7:a b", (3, 5): "7:a_b"}
    document = valid(schema, build_layout("[x][y]", META, "compilation", bracket_ids=ids))
    assert strings(document, "//a:inline/@eId") == ["br_7_a_b", "br_7_a_b_2"]


WORLD = (
    "RESOLUTION 1 😀\n\nThe Conference of the Parties 🌍,\n\nconsidering\n\n"
    "a) [قرار الأطراف] / [缔约方[会议]] 🇶🇦;\n\nresolves\n\n"
    "1 that <b>bold</b> ]]> &amp; <![CDATA[x]]> \x01\x0b\ufffe [stay]"
)


@pytest.mark.parametrize("view", ["compilation", "agreed", "revision"])
def test_scripts_markup_and_control_characters(schema: etree.XMLSchema, view: View) -> None:
    if view == "revision":
        layout = revision(WORLD.replace("قرار", "مشروع"), WORLD)
    else:
        layout = build_layout(WORLD, META, view, notes={"b1": "<script>&</script>"})
    document = valid(schema, layout)
    text = body_text(document)
    for fragment in ("😀", "🌍", "قرار الأطراف", "[缔约方[会议]]", "🇶🇦", "<b>bold</b> ]]> &amp;"):
        assert fragment in text
    assert "\ufffd\ufffd\ufffd [stay]" in text


@pytest.mark.parametrize("text", ["", "\n\n", "Just a sentence.", "1. one\n2. two", "Article 1"])
def test_bodies_are_valid(schema: etree.XMLSchema, text: str) -> None:
    document = valid(schema, build_layout(text, ExportMeta("S", "T", kind="other"), "agreed"))
    assert [etree.QName(e).localname for e in document[0]] == ["meta", "mainBody"]
    assert document[0].get("name") == "draft"


@pytest.mark.skipif(not UNFCCC_DRAFT.is_file(), reason=f"{UNFCCC_DRAFT} not found")
@pytest.mark.parametrize("view", ["compilation", "agreed"])
def test_unfccc_draft(schema: etree.XMLSchema, view: View) -> None:
    text = UNFCCC_DRAFT.read_text(encoding="utf-8")
    notes = {f"b{n}": f"Party {n}" for n in range(0, 1000, 7)}
    document = valid(schema, build_layout(text, META, view, notes=notes))
    written = body_text(document)
    assert written.count("[") == text.count("[")
    assert written.count("]") == text.count("]")
    assert len(xp(document, "//a:authorialNote")) == len(notes)


@pytest.mark.skipif(not UNFCCC_DRAFT.is_file(), reason=f"{UNFCCC_DRAFT} not found")
def test_unfccc_revision(schema: etree.XMLSchema) -> None:
    old = UNFCCC_DRAFT.read_text(encoding="utf-8")
    paris = UNFCCC / "unfccc-paris-agreement-2015-12-12-clean.txt"
    new = paris.read_text(encoding="utf-8") if paris.is_file() else old.replace("[", "")
    valid(schema, revision(old, new))
