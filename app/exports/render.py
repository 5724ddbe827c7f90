"""One entry point for every export format. Renderers are imported on first use:
WeasyPrint and python-docx take a noticeable moment to load."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from app.engine.layout_model import Layout
from app.errors import Unavailable

ExportFormat = Literal["txt", "md", "html", "docx", "pdf", "akn"]
FORMATS: tuple[ExportFormat, ...] = get_args(ExportFormat)


@dataclass(frozen=True, slots=True)
class FormatInfo:
    media_type: str
    extension: str


FORMAT_INFO: dict[ExportFormat, FormatInfo] = {
    "txt": FormatInfo("text/plain; charset=utf-8", "txt"),
    "md": FormatInfo("text/markdown; charset=utf-8", "md"),
    "html": FormatInfo("text/html; charset=utf-8", "html"),
    "docx": FormatInfo(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"
    ),
    "pdf": FormatInfo("application/pdf", "pdf"),
    "akn": FormatInfo("application/akn+xml", "akn.xml"),
}


def render(layout: Layout, output: ExportFormat) -> bytes:
    if output == "txt":
        from app.exports.formats.plain import render_text

        return render_text(layout).encode("utf-8")
    if output == "md":
        from app.exports.formats.plain import render_markdown

        return render_markdown(layout).encode("utf-8")
    if output == "html":
        from app.exports.formats.html import render_html

        return render_html(layout).encode("utf-8")
    if output == "docx":
        from app.exports.formats.docx import render_docx

        return render_docx(layout)
    if output == "pdf":
        return _pdf(layout)
    from app.exports.formats.akn import render_akn

    return render_akn(layout)


def _pdf(layout: Layout) -> bytes:
    try:
        from app.exports.formats.pdf import render_pdf
    except OSError as exc:  # WeasyPrint loads Pango when imported
        raise Unavailable(
            "PDF export needs the Pango library (Debian: libpango-1.0-0, libpangoft2-1.0-0)"
        ) from exc
    return render_pdf(layout)
