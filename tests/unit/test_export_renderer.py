"""Heavy export formats render in worker processes, never holding the server's GIL."""

from __future__ import annotations

import io

import pytest
from docx import Document as DocxDocument

from app.engine.layout import build_layout
from app.engine.layout_model import ExportMeta, Layout
from app.errors import Unavailable
from app.exports.render import ExportRenderer

TEXT = "RESOLUTION 1\n\nMember States [shall][should] act. 中文 العربية 🎉\n"


def _layout() -> Layout:
    return build_layout(TEXT, ExportMeta("S/1", "Title"), "compilation")


def test_word_and_pdf_render_in_a_worker_process_and_text_in_the_caller() -> None:
    renderer = ExportRenderer(workers=1, timeout_s=120)
    try:
        assert renderer(_layout(), "txt").decode() == TEXT
        assert renderer._pool is None  # light formats never start the pool
        docx = DocxDocument(io.BytesIO(renderer(_layout(), "docx")))
        assert "Member States [shall][should] act. 中文 العربية 🎉" in [
            p.text for p in docx.paragraphs
        ]
        assert renderer._pool is not None
        assert renderer(_layout(), "pdf").startswith(b"%PDF")
    finally:
        renderer.close()


def test_an_export_past_its_time_limit_is_refused_clearly() -> None:
    renderer = ExportRenderer(workers=1, timeout_s=0.001)
    try:
        with pytest.raises(Unavailable, match="longer than"):
            renderer(_layout(), "pdf")
    finally:
        renderer.close()
