import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.engine.utf16 import (
    PositionError,
    Utf16Index,
    has_lone_surrogate,
    to_codepoint,
    to_utf16,
    utf16_length,
)

valid_text = st.text(st.characters(exclude_categories=["Cs"]))


def test_emoji_counts_two_units() -> None:
    text = "a😀b"
    assert utf16_length(text) == 4
    assert to_utf16(text, 2) == 3
    assert to_codepoint(text, 3) == 2


def test_offset_inside_surrogate_pair_is_refused() -> None:
    with pytest.raises(PositionError, match="surrogate"):
        to_codepoint("a😀b", 2)


def test_out_of_range_is_refused() -> None:
    with pytest.raises(PositionError):
        to_codepoint("abc", 4)
    with pytest.raises(PositionError):
        to_utf16("abc", -1)


def test_bmp_scripts_map_identically() -> None:
    text = "قرار 决议 резолюция é"
    index = Utf16Index(text)
    assert all(index.to_utf16(i) == i for i in range(len(text) + 1))


@given(valid_text)
def test_length_matches_encoder(text: str) -> None:
    assert utf16_length(text) == len(text.encode("utf-16-le")) // 2


@given(valid_text, st.data())
def test_round_trip(text: str, data: st.DataObject) -> None:
    cp = data.draw(st.integers(0, len(text)))
    index = Utf16Index(text)
    u16 = index.to_utf16(cp)
    assert u16 == utf16_length(text[:cp])
    assert index.to_codepoint(u16) == cp


def test_lone_surrogate_detection() -> None:
    assert has_lone_surrogate("a\ud800b")
    assert not has_lone_surrogate("a😀b")
