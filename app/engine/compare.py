"""Word-level comparison of two texts, for showing what changed between revisions.

diff-match-patch compares characters. Comparing words reads better for negotiators, so
each token (a word, a run of whitespace, a punctuation mark or symbol) is mapped to one
character, the encoded strings are diffed, and the result is decoded: the "line mode"
trick applied to words. Chinese and Japanese are written without spaces, so each CJK
character is a token of its own. The diff is exact; past ``timeout_s`` it is coarser.
"""

from __future__ import annotations

import html
import re
import sys
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Literal, TypeAlias

from diff_match_patch import diff_match_patch

SegmentKind: TypeAlias = Literal["equal", "insert", "delete"]

_KINDS: dict[int, SegmentKind] = {0: "equal", 1: "insert", -1: "delete"}


@dataclass(frozen=True, slots=True)
class Segment:
    kind: SegmentKind
    text: str


@dataclass(frozen=True, slots=True)
class Comparison:
    segments: tuple[Segment, ...]
    inserted_words: int
    deleted_words: int
    coarse: bool = False  # the time limit cut the diff short: exact, but less minimal

    @property
    def changed(self) -> bool:
        return any(s.kind != "equal" for s in self.segments)


def _class_ranges(ranges: Iterable[tuple[int, int]]) -> str:
    return "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges)


def _mark_ranges() -> list[tuple[int, int]]:
    """Combining marks (Unicode M*) up to U+1FFFF, plus the supplementary variation
    selectors: Arabic harakat, Devanagari vowel signs and the like belong to their word."""
    ranges: list[tuple[int, int]] = []
    for cp in range(0x20000):
        if unicodedata.category(chr(cp)).startswith("M"):
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1] = (ranges[-1][0], cp)
            else:
                ranges.append((cp, cp))
    return [*ranges, (0xE0100, 0xE01EF)]


_CJK_RANGES = (
    (0x2E80, 0x2FDF),  # radicals
    (0x3001, 0x303F),  # CJK punctuation (not U+3000, the ideographic space)
    (0x3040, 0x30FF),  # hiragana, katakana
    (0x3100, 0x312F),  # bopomofo
    (0x31A0, 0x31FF),
    (0x3400, 0x4DBF),  # extension A
    (0x4E00, 0x9FFF),  # unified ideographs
    (0xF900, 0xFAFF),  # compatibility ideographs
    (0xFF00, 0xFFEF),  # full-width forms
    (0x20000, 0x3134F),  # extensions B-G
)


@cache
def _token_pattern() -> re.Pattern[str]:
    """Built on first use: scanning the Unicode tables takes a noticeable moment."""
    cjk, marks = _class_ranges(_CJK_RANGES), _class_ranges(_mark_ranges())
    # What stays attached to the character before it: marks, emoji skin tones and tags.
    extend = marks + _class_ranges([(0x1F3FB, 0x1F3FF), (0xE0020, 0xE007F)])
    letter = f"(?:[^\\W{cjk}]|[{marks}\u200c\u200d])"  # word characters, marks, joiners
    return re.compile(
        "\r\n|\n|\r"  # line breaks are tokens of their own, so paragraphs align
        r"|[^\S\r\n]+"
        f"|[{cjk}][{extend}]*"  # Chinese and Japanese: one character at a time
        f"|{letter}+(?:['\u2019]{letter}+)*"  # a word; apostrophes inside keep it whole
        "|[\U0001f1e6-\U0001f1ff]{2}"  # a flag: two regional indicators
        f"|.[{extend}]*(?:\u200d.[{extend}]*)*",  # anything else; ZWJ sequences whole
        re.DOTALL,
    )


_MAX_TOKENS = sys.maxunicode + 1  # one code point per distinct token


def tokens(text: str) -> list[str]:
    """The text split into comparison units; joined, they give the text back."""
    return _token_pattern().findall(text)


def is_word(token: str) -> bool:
    return any(c.isalnum() for c in token)


class _Codec:
    """Maps distinct tokens to distinct characters, shared by both texts."""

    def __init__(self, capacity: int = _MAX_TOKENS) -> None:
        self.table: list[str] = []
        self._index: dict[str, int] = {}
        # Two code points stay free for the remainders of the two texts.
        self._limit = capacity - 2

    def encode(self, text: str) -> str:
        chars: list[str] = []
        parts = tokens(text)
        for i, token in enumerate(parts):
            if len(self.table) >= self._limit and token not in self._index:
                # Out of code points: the rest becomes one token, still exact.
                chars.append(self._char("".join(parts[i:])))
                break
            chars.append(self._char(token))
        return "".join(chars)

    def decode(self, encoded: str) -> list[str]:
        return [self.table[ord(c)] for c in encoded]

    def _char(self, token: str) -> str:
        index = self._index.get(token)
        if index is None:
            index = self._index[token] = len(self.table)
            self.table.append(token)
        return chr(index)


def compare(old: str, new: str, *, timeout_s: float, capacity: int = _MAX_TOKENS) -> Comparison:
    """The word-level differences turning ``old`` into ``new``.

    ``capacity`` bounds the distinct tokens (tests lower it to reach the limit).
    """
    codec = _Codec(capacity)
    encoded_old, encoded_new = codec.encode(old), codec.encode(new)
    dmp = diff_match_patch()
    dmp.Diff_Timeout = timeout_s
    started = time.monotonic()
    # checklines=False: the encoded strings have no lines; the tokens already are units.
    diffs: list[tuple[int, str]] = dmp.diff_main(encoded_old, encoded_new, False)
    coarse = timeout_s > 0 and time.monotonic() - started >= timeout_s
    # Whole-token cleanup: small equalities between changes fold into them.
    dmp.diff_cleanupSemantic(diffs)
    return _decode(codec, diffs, coarse)


def _decode(codec: _Codec, diffs: Sequence[tuple[int, str]], coarse: bool) -> Comparison:
    segments: list[Segment] = []
    counts = {"insert": 0, "delete": 0, "equal": 0}
    for op, encoded in diffs:
        if not encoded:
            continue
        kind = _KINDS[op]
        parts = codec.decode(encoded)
        counts[kind] += sum(1 for t in parts if is_word(t))
        segments.append(Segment(kind, "".join(parts)))
    return Comparison(tuple(segments), counts["insert"], counts["delete"], coarse)


def old_text(comparison: Comparison) -> str:
    return "".join(s.text for s in comparison.segments if s.kind != "insert")


def new_text(comparison: Comparison) -> str:
    return "".join(s.text for s in comparison.segments if s.kind != "delete")


_TAGS: dict[SegmentKind, tuple[str, str]] = {
    "equal": ("", ""),
    "insert": ("<ins>", "</ins>"),
    "delete": ("<del>", "</del>"),
}
_NEWLINE = re.compile("\r\n|\n|\r")


def to_html(comparison: Comparison) -> str:
    """``<ins>``/``<del>`` markup; every piece of text escaped, line breaks as ``<br>``."""
    out: list[str] = []
    for segment in comparison.segments:
        start, end = _TAGS[segment.kind]
        body = _NEWLINE.sub("<br>\n", html.escape(segment.text, quote=True))
        out.append(f"{start}{body}{end}")
    return "".join(out)
