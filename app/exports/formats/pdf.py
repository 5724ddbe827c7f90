"""PDF export: the HTML export, printed by WeasyPrint.

Fonts come from fontconfig (the Noto families cover Arabic, Chinese and emoji);
Pango and HarfBuzz shape Arabic and lay out right-to-left text. Nothing is ever
fetched: the document has no base URL and every URL (file:, http:, data:) is refused,
so no text in a draft can make the server read a file or reach the network.

Importing this module loads Pango (WeasyPrint raises OSError where it is missing):
import it where a PDF is asked for, not at start-up.
"""

from __future__ import annotations

import weasyprint  # type: ignore[import-untyped]
from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

from app.engine.layout_model import Layout
from app.exports.formats.html import render_html


def render_pdf(layout: Layout) -> bytes:
    return html_to_pdf(render_html(layout))


def html_to_pdf(html: str) -> bytes:
    document = weasyprint.HTML(string=html, base_url=None, url_fetcher=refusing_fetcher())
    pdf: bytes = document.write_pdf()
    return pdf


def refusing_fetcher() -> URLFetcher:
    """WeasyPrint's fetcher with no protocol allowed: every URL raises ValueError,
    which WeasyPrint logs before going on without the resource."""
    return URLFetcher(allowed_protocols=frozenset(), allow_redirects=False)
