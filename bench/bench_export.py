"""Exporting the 117 KB UNFCCC draft to every format, next to a bare reference per format.

Each row times the whole export of the compilation view (parse, layout, render) and,
in the same run, the least the format's library needs to write the same text as plain
paragraphs: the ratio is what Accord's layout (brackets, numbering, footnotes) costs on
top of the library. Medians of ``--repeat`` runs after one warm-up.

Run: ``.venv/bin/python bench/bench_export.py [--repeat N] [--formats txt,md,...]``.
Reads the shared test data at ``<repo>/../shared/data``; prints a note and exits when
it is absent.
"""

from __future__ import annotations

import argparse
import html
import io
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from app.engine.layout_model import ExportMeta
from app.exports.render import FORMATS
from app.exports.service import ExportOptions, export_text

DRAFT = (
    Path(__file__).resolve().parents[1]
    / ".."
    / "shared"
    / "data"
    / "negotiating-texts"
    / "unfccc-draft-agreement-2015-10-23.txt"
)


def median_ms(run: Callable[[], object], repeat: int) -> tuple[float, object]:
    result = run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, result


def _html_reference(text: str) -> str:
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in text.split("\n"))
    return f"<!doctype html><meta charset=utf-8><body>{paragraphs}</body>"


def references(text: str) -> dict[str, Callable[[], object]]:
    """The bare minimum per format: the same text, one plain paragraph per line."""

    def txt() -> bytes:
        return text.encode("utf-8")

    def docx() -> bytes:
        from docx import Document

        document = Document()
        for line in text.split("\n"):
            document.add_paragraph(line)
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()

    def pdf() -> bytes:
        from weasyprint import HTML  # type: ignore[import-untyped]

        return bytes(HTML(string=_html_reference(text)).write_pdf())

    def akn() -> bytes:
        from lxml import etree

        root = etree.Element("akomaNtoso")
        body = etree.SubElement(root, "mainBody")
        for line in text.split("\n"):
            etree.SubElement(body, "p").text = line
        return bytes(etree.tostring(root, encoding="UTF-8"))

    return {
        "txt": txt,
        "md": txt,
        "html": lambda: _html_reference(text).encode("utf-8"),
        "docx": docx,
        "pdf": pdf,
        "akn": akn,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--formats", default=",".join(FORMATS))
    args = parser.parse_args()
    if not DRAFT.is_file():
        print(f"test data not found at {DRAFT.resolve()}: nothing to measure")
        return 0
    text = DRAFT.read_text(encoding="utf-8")
    meta = ExportMeta(symbol="FCCC/ADP/2015/L.6/Rev.1", title="Draft Paris Outcome")
    refs = references(text)
    print(f"{DRAFT.name}: {len(text):,} code points; compilation view; median of {args.repeat}")
    print(f"{'format':<6} {'export ms':>10} {'reference ms':>13} {'ratio':>7} {'bytes':>10}")
    for output in args.formats.split(","):
        options = ExportOptions(view="compilation", format=output)

        def export(options: ExportOptions = options) -> object:
            return export_text(text, meta, options, 1.0)

        export_ms, exported = median_ms(export, args.repeat)
        reference_ms, _ = median_ms(refs[output], args.repeat)
        size = len(exported.content)  # type: ignore[attr-defined]
        ratio = export_ms / reference_ms if reference_ms else float("nan")
        print(f"{output:<6} {export_ms:>10.1f} {reference_ms:>13.1f} {ratio:>6.1f}x {size:>10,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
