"""One entry point for every export format. Renderers are imported on first use:
WeasyPrint and python-docx take a noticeable moment to load."""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
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


# Seconds of pure-Python work that would hold the GIL, stalling every live document of
# the server process while it runs.
HEAVY: frozenset[ExportFormat] = frozenset({"pdf", "docx"})


class ExportRenderer:
    """Renders heavy formats in a small pool of worker processes, started on first use;
    the others in the caller's thread."""

    def __init__(self, workers: int, timeout_s: float) -> None:
        self._workers = workers
        self._timeout_s = timeout_s
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def __call__(self, layout: Layout, output: ExportFormat) -> bytes:
        if output not in HEAVY or self._workers <= 0:
            return render(layout, output)
        future = self._get_pool().submit(render, layout, output)
        try:
            return future.result(timeout=self._timeout_s)
        except FutureTimeout:
            future.cancel()
            raise Unavailable(f"the export took longer than {self._timeout_s:g} s") from None
        except BrokenProcessPool:
            self._discard()
            raise Unavailable("the export worker stopped; try again") from None

    def close(self) -> None:
        self._discard(wait=True)

    def _get_pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                context = multiprocessing.get_context("spawn")  # no forked server state
                self._pool = ProcessPoolExecutor(self._workers, mp_context=context)
            return self._pool

    def _discard(self, *, wait: bool = False) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=wait, cancel_futures=True)


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
