"""The bracket linter report behind ``accord brackets FILE [--json]``."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from app.engine.report import bracket_report, format_report

FLAWED = "Each Party [shall][should] act ]\n[Alt 1: x] [Alt 2: y]\nOption 1: a\nOption 2: b\n[open"


def test_counts() -> None:
    report = bracket_report(FLAWED)
    assert report["brackets"] == 4
    assert (report["unmatched_open"], report["unmatched_close"]) == (1, 1)
    assert (report["groups"], report["alternatives"]) == (2, 4)
    assert (report["options"], report["option_groups"]) == (2, 1)
    assert (report["max_depth"], report["depth_limit"]) == (1, 32)


def test_diagnostics_are_plain_json() -> None:
    report = bracket_report(FLAWED)
    assert json.loads(json.dumps(report)) == report
    assert [(d["line"], d["column"], d["kind"]) for d in report["diagnostics"]] == [
        (1, 32, "unmatched_close"),
        (5, 1, "unmatched_open"),
    ]
    assert {"line", "column", "kind", "message"} <= set(report["diagnostics"][0])


def test_depth_limit_is_passed_on() -> None:
    report = bracket_report("[[[x]]]", max_depth=2)
    assert (report["max_depth"], report["depth_limit"]) == (3, 2)
    assert [d["kind"] for d in report["diagnostics"]] == ["max_depth_exceeded"]


def test_human_format() -> None:
    lines = format_report(FLAWED, "draft.txt").splitlines()
    assert lines[0] == (
        "draft.txt: 4 brackets, 2 groups of alternatives, 2 options in 1 group, max depth 1, "
        "1 unmatched '[', 1 unmatched ']', 2 diagnostics"
    )
    assert lines[1] == "draft.txt:1:32: unmatched_close: ']' has no matching '['"
    assert lines[2] == "draft.txt:5:1: unmatched_open: '[' is never closed"


def test_clean_text() -> None:
    assert format_report("Agreed text.", "clean.txt") == (
        "clean.txt: 0 brackets, 0 groups of alternatives, 0 options in 0 groups, max depth 0, "
        "0 unmatched '[', 0 unmatched ']', 0 diagnostics\n"
    )


@given(st.text(st.characters(codec=None, exclude_categories=())))
def test_never_raises(text: str) -> None:
    report = bracket_report(text)
    assert format_report(text, "f").count("\n") == 1 + len(report["diagnostics"])
