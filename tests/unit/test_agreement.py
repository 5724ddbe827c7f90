"""What remains open in a draft, and where."""

from __future__ import annotations

from app.engine.agreement import remaining

TEXT = (
    "1 Parties [shall][should] report.\n"
    "2 [below 1.5 °C [or] [well] below 2 °C] and \\[not a bracket\\].\n"
    "Option 1: one way\n"
    "Option 2: another\n"
    "3 a stray ] and an open [ here"
)


def test_every_open_place_is_listed_once_with_its_line_and_column() -> None:
    left = remaining(TEXT)
    assert not left.agreed
    kinds = [(item.kind, item.line, item.column) for item in left.items]
    assert kinds == [
        ("group", 1, 11),
        ("bracket", 2, 3),
        ("option", 3, 1),
        ("option", 4, 1),
        ("unmatched_close", 5, 11),
        ("unmatched_open", 5, 25),
    ]
    assert left.brackets == 5  # shall, should, the outer one and its two nested ones
    assert left.open_count == 5 + 2 + 2  # brackets, options, stray delimiters
    assert left.items[0].excerpt == "[shall][should]"


def test_a_clean_text_with_escaped_brackets_is_agreed() -> None:
    left = remaining("DRAFT NEW RESOLUTION \\[ACD-1\\] (DOHA, 2026)\n\nresolves 😀 中文 العربية")
    assert left.agreed and left.open_count == 0 and left.brackets == 0


def test_server_ids_name_the_outer_bracket_of_each_place() -> None:
    text = "a [b] c [d][e]"
    left = remaining(text, ids={(2, 4): "id-b", (8, 10): "id-d"})
    assert [item.bracket_id for item in left.items] == ["id-b", "id-d"]


def test_long_excerpts_are_shortened_on_one_line() -> None:
    text = "[" + "word\n" * 40 + "]"
    (item,) = remaining(text).items
    assert "\n" not in item.excerpt and len(item.excerpt) <= 60 and item.excerpt.endswith("…")
