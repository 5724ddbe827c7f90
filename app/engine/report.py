"""Bracket linter report: counts and diagnostics of one text, for machines and humans."""

from __future__ import annotations

from typing import TypedDict

from app.engine.notation import DEFAULT_MAX_DEPTH, ParseResult, parse


class DiagnosticEntry(TypedDict):
    line: int
    column: int
    column_u16: int
    offset: int
    kind: str
    message: str


class BracketReport(TypedDict):
    """JSON-ready summary. ``groups`` counts groups of two or more alternatives and
    ``alternatives`` their members; ``options`` counts paragraph-level option labels
    and ``option_groups`` their sequences; ``max_depth`` is the deepest nesting found."""

    brackets: int
    unmatched_open: int
    unmatched_close: int
    groups: int
    alternatives: int
    options: int
    option_groups: int
    max_depth: int
    depth_limit: int
    diagnostics: list[DiagnosticEntry]


def bracket_report(text: str, *, max_depth: int = DEFAULT_MAX_DEPTH) -> BracketReport:
    """Counts and diagnostics of ``text``; never raises."""
    return report_of(parse(text, max_depth=max_depth))


def report_of(result: ParseResult) -> BracketReport:
    """The report of an existing parse."""
    return BracketReport(
        brackets=len(result.brackets),
        unmatched_open=len(result.unmatched_open),
        unmatched_close=len(result.unmatched_close),
        groups=len(result.groups),
        alternatives=sum(len(group.members) for group in result.groups),
        options=len(result.options),
        option_groups=len({option.group for option in result.options}),
        max_depth=result.max_depth,
        depth_limit=result.depth_limit,
        diagnostics=[
            DiagnosticEntry(
                line=diagnostic.line,
                column=diagnostic.column,
                column_u16=diagnostic.column_u16,
                offset=diagnostic.offset,
                kind=diagnostic.kind.value,
                message=diagnostic.message,
            )
            for diagnostic in result.diagnostics
        ],
    )


def format_report(text: str, filename: str, *, max_depth: int = DEFAULT_MAX_DEPTH) -> str:
    """Human-readable report: a summary line, then ``file:line:column: kind: message``."""
    report = bracket_report(text, max_depth=max_depth)
    lines = [f"{filename}: {_summary(report)}"]
    lines.extend(
        f"{filename}:{entry['line']}:{entry['column']}: {entry['kind']}: {entry['message']}"
        for entry in report["diagnostics"]
    )
    return "\n".join(lines) + "\n"


def _summary(report: BracketReport) -> str:
    parts = [
        _count(report["brackets"], "bracket"),
        _count(report["groups"], "group") + " of alternatives",
        _count(report["options"], "option") + f" in {_count(report['option_groups'], 'group')}",
        f"max depth {report['max_depth']}",
        f"{report['unmatched_open']} unmatched '['",
        f"{report['unmatched_close']} unmatched ']'",
        _count(len(report["diagnostics"]), "diagnostic"),
    ]
    return ", ".join(parts)


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"
