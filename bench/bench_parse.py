"""Median parse time of the UNFCCC draft, next to a bare regex scan of its brackets.

Run: ``.venv/bin/python bench/bench_parse.py [--repeat N]``. Reads the shared test data
at ``<repo>/../shared/data``; prints a note and exits when it is absent.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from app.engine.notation import parse

DRAFT = (
    Path(__file__).resolve().parents[1]
    / ".."
    / "shared"
    / "data"
    / "negotiating-texts"
    / "unfccc-draft-agreement-2015-10-23.txt"
)
_BRACKETS = re.compile(r"[\[\]]")


def median_ms(run: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``run`` in milliseconds, after one warm-up call."""
    run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    if not DRAFT.is_file():
        print(f"test data not found at {DRAFT.resolve()}: nothing to measure")
        return 0
    text = DRAFT.read_text(encoding="utf-8")
    result = parse(text)
    parse_ms = median_ms(lambda: parse(text), args.repeat)
    findall_ms = median_ms(lambda: _BRACKETS.findall(text), args.repeat)
    print(f"{DRAFT.name}: {len(text):,} code points, {len(result.brackets):,} brackets")
    print(f"parse()              median {parse_ms:8.3f} ms")
    print(f"re.findall brackets  median {findall_ms:8.3f} ms")
    print(f"ratio parse/findall  {parse_ms / findall_ms:8.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
