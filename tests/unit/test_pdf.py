"""PDF export: every script comes out as text, and nothing is ever fetched."""

from __future__ import annotations

import base64
import io
import unicodedata
import urllib.request
from pathlib import Path
from typing import cast

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream, DictionaryObject

try:
    import weasyprint  # type: ignore[import-untyped]
except (ImportError, OSError) as error:  # OSError: Pango is missing
    pytest.skip(f"WeasyPrint cannot load ({error})", allow_module_level=True)

from app.engine.layout import build_layout
from app.engine.layout_model import ExportMeta
from app.exports.formats.pdf import html_to_pdf, render_pdf

ARABIC_WORDS = ("الفجوة", "الرقمية", "للاتصالات")
CHINESE = "国际电信联盟"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def pdf_text(pdf: bytes) -> str:
    """The extracted text, NFKC-normalized (Arabic may come back as presentation
    forms) and without whitespace, which line wrapping moves around."""
    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() for page in reader.pages)
    return squeeze(unicodedata.normalize("NFKC", text))


def squeeze(text: str) -> str:
    return "".join(text.split())


def has_arabic_word(text: str, word: str) -> bool:
    """In logical order, or in the visual order some extractors give."""
    return word in text or word[::-1] in text


def image_count(pdf: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)


def font_names(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources = cast(DictionaryObject, page["/Resources"].get_object())
        fonts = cast(DictionaryObject, resources["/Font"].get_object())
        for font in fonts.values():
            names.add(str(cast(DictionaryObject, font.get_object())["/BaseFont"]))
    return names


def html_page(body: str) -> str:
    head = '<head><meta charset="utf-8"></head>'
    return f'<!DOCTYPE html><html lang="en">{head}<body>{body}</body></html>'


MULTILINGUAL = html_page(
    "<p>The International Telecommunication Union</p>"
    f"<p>{CHINESE} 数字鸿沟</p>"
    f'<p dir="rtl" lang="ar">{" ".join(ARABIC_WORDS)}</p>'
    "<p>Emoji 🌍🤝</p>"
)


def test_every_script_is_text_in_the_pdf() -> None:
    pdf = html_to_pdf(MULTILINGUAL)
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    assert squeeze("The International Telecommunication Union") in text
    assert CHINESE in text and "数字鸿沟" in text
    for word in ARABIC_WORDS:
        assert has_arabic_word(text, word), (word, text)
    assert "🌍🤝" in text


def glyph_codes(pdf: bytes) -> list[bytes]:
    """The glyph codes the first page shows, in order (WeasyPrint writes glyph ids)."""
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    codes: list[bytes] = []
    for operands, operator in ContentStream(page.get_contents(), page.pdf).operations:
        if operator == b"TJ":  # [string, kerning, string, ...]
            shown = operands[0]
        elif operator == b"Tj":
            shown = operands
        else:
            continue
        codes.extend(item.original_bytes for item in shown if hasattr(item, "original_bytes"))
    return codes


def test_arabic_is_shaped() -> None:
    """One letter three times takes its initial, medial and final forms: three
    different glyphs, where Latin repeats one."""
    assert len(set(glyph_codes(html_to_pdf(html_page('<p lang="ar" dir="rtl">ببب</p>'))))) == 3
    assert len(set(glyph_codes(html_to_pdf(html_page("<p>bbb</p>"))))) == 1


def test_fontconfig_finds_fonts_for_chinese_and_emoji() -> None:
    names = " ".join(font_names(html_to_pdf(MULTILINGUAL)))
    assert "CJK" in names and "Emoji" in names, names


@pytest.fixture
def image_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.png"
    path.write_bytes(PNG)
    return path


def hostile_page(image: Path) -> str:
    data_uri = "data:image/png;base64," + base64.b64encode(PNG).decode()
    stylesheet = image.with_suffix(".css")
    stylesheet.write_text(f"body {{ background: url({image.as_uri()}) }}")
    return html_page(
        f'<link rel="stylesheet" href="{stylesheet.as_uri()}">'
        f'<img src="{image.as_uri()}"><img src="{data_uri}">'
        '<img src="http://127.0.0.1:9/x.png"><img src="relative.png">'
        f"<style>p {{ background: url({image.as_uri()}) }}</style><p>text</p>"
    )


def test_no_url_is_fetched(image_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[object] = []
    monkeypatch.setattr(
        urllib.request.OpenerDirector, "open", lambda self, *a, **k: opened.append(a)
    )
    pdf = html_to_pdf(hostile_page(image_file))
    assert opened == []
    assert image_count(pdf) == 0
    assert "text" in pdf_text(pdf)


def test_the_same_page_would_load_images_without_the_refusal(image_file: Path) -> None:
    """The check above is meaningful: WeasyPrint's default fetcher loads them."""
    pdf = weasyprint.HTML(string=hostile_page(image_file), base_url=None).write_pdf()
    assert image_count(pdf) > 0


def test_markup_in_text_stays_text() -> None:
    payload = "<img src=\"file:///etc/passwd\"> =cmd|' /C calc'!A0 &amp;"
    escaped = payload.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = pdf_text(html_to_pdf(html_page(f"<p>{escaped}</p>")))
    assert squeeze(payload) in text


DEMO = (Path(__file__).parents[2] / "app/demo/texts/multilingualism.txt").read_text("utf-8")
META = ExportMeta(symbol="PP-26/DT/12", title="Multilingualism", version="Rev.2")


def test_the_demo_resolution_prints_in_every_script() -> None:
    layout = build_layout(DEMO, META, "compilation", notes={"b0": "Proposed by Egypt"})
    text = pdf_text(render_pdf(layout))
    assert squeeze("RESOLUTION 246 (REV. DOHA, 2026)") in text
    assert squeeze("Multilingualism in ITU documents and meetings") in text
    assert "国际电信联盟" in text and "数字鸿沟" in text
    for word in ("الاتحاد", "للاتصالات", "الفجوة", "الرقمية", "المحاضر"):
        assert has_arabic_word(text, word), word
    assert squeeze("Proposed by Egypt") in text


def test_a_payload_in_the_draft_is_printed_not_fetched(
    image_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[object] = []
    monkeypatch.setattr(
        urllib.request.OpenerDirector, "open", lambda self, *a, **k: opened.append(a)
    )
    payload = f'<img src="{image_file.as_uri()}"> <img src="file:///etc/passwd"> 😀 中文'
    layout = build_layout(f"1 to publish [{payload}]", META, "agreed")
    text = pdf_text(render_pdf(layout))
    assert squeeze(payload) in text
    assert opened == []
