"""Conversion between UTF-16 code units (the wire and browser unit) and code points.

Python strings index by code point; browsers and CodeMirror count UTF-16 code units.
Characters beyond the Basic Multilingual Plane (most emoji) are one code point but two
UTF-16 units. Every conversion in Accord goes through this module.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


class PositionError(ValueError):
    """A UTF-16 offset is out of range or falls inside a surrogate pair."""


def utf16_length(text: str) -> int:
    """Length of ``text`` in UTF-16 code units."""
    return len(text) + sum(1 for _ in _ASTRAL.finditer(text))


class Utf16Index:
    """Maps offsets both ways for one string in O(log n) per lookup.

    Only astral characters break the identity mapping, so only their positions are
    stored: a text without emoji costs nothing beyond one regex scan.
    """

    __slots__ = ("_astral_cp", "_astral_u16", "length_cp", "length_u16")

    def __init__(self, text: str) -> None:
        self._astral_cp = [m.start() for m in _ASTRAL.finditer(text)]
        # UTF-16 offset of each astral character's first unit.
        self._astral_u16 = [cp + i for i, cp in enumerate(self._astral_cp)]
        self.length_cp = len(text)
        self.length_u16 = len(text) + len(self._astral_cp)

    def to_utf16(self, cp_offset: int) -> int:
        """Code point offset -> UTF-16 offset."""
        if not 0 <= cp_offset <= self.length_cp:
            raise PositionError(f"code point offset {cp_offset} outside 0..{self.length_cp}")
        return cp_offset + bisect_left(self._astral_cp, cp_offset)

    def to_codepoint(self, u16_offset: int) -> int:
        """UTF-16 offset -> code point offset; refuses an offset inside a surrogate pair."""
        if not 0 <= u16_offset <= self.length_u16:
            raise PositionError(f"UTF-16 offset {u16_offset} outside 0..{self.length_u16}")
        before = bisect_right(self._astral_u16, u16_offset - 1)
        if before and self._astral_u16[before - 1] == u16_offset - 1:
            raise PositionError(f"UTF-16 offset {u16_offset} splits a surrogate pair")
        return u16_offset - before


def to_utf16(text: str, cp_offset: int) -> int:
    """Code point offset in ``text`` -> UTF-16 offset (one-off lookups)."""
    return Utf16Index(text).to_utf16(cp_offset)


def to_codepoint(text: str, u16_offset: int) -> int:
    """UTF-16 offset in ``text`` -> code point offset (one-off lookups)."""
    return Utf16Index(text).to_codepoint(u16_offset)


def has_lone_surrogate(text: str) -> bool:
    """True when ``text`` holds a surrogate code point (unencodable as UTF-8)."""
    return any("\ud800" <= ch <= "\udfff" for ch in text)
