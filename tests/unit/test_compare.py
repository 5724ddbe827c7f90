import html
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.compare import Comparison, Segment, compare, new_text, old_text, to_html, tokens

TIMEOUT = 1.0

# Pieces of negotiating text in several scripts, with markup-looking and joined characters.
PIECES = [
    "shall",
    "should",
    "Member States",
    "[",
    "]",
    " ",
    "  ",
    "\n",
    "\r\n",
    ",",
    ".",
    "'",
    "l'Union",
    "يقرر",
    "الدول الأعضاء",
    "عَرَبِيّ",
    "各国",
    "应当",
    "加强合作。",
    "👍🏽",
    "👨\u200d👩\u200d👧",
    "🇫🇷",
    "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
    "<script>alert('x')</script>",
    '"&amp;<b>',
    "é",
    "e\u0301",
]
negotiation_text = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)
any_text = st.text(max_size=200)
texts = st.one_of(negotiation_text, any_text)
ALLOWED_TAGS = re.compile(r"</?(?:ins|del)>|<br>")


def _check_exact(old: str, new: str, result: Comparison) -> None:
    assert old_text(result) == old
    assert new_text(result) == new
    assert all(s.text for s in result.segments)


@given(texts, texts)
def test_segments_rebuild_both_texts(old: str, new: str) -> None:
    _check_exact(old, new, compare(old, new, timeout_s=TIMEOUT))


@given(negotiation_text, st.data())
def test_edits_of_one_text_rebuild_both(old: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(old)))
    end = data.draw(st.integers(start, len(old)))
    new = old[:start] + data.draw(negotiation_text) + old[end:]
    _check_exact(old, new, compare(old, new, timeout_s=TIMEOUT))


@given(texts)
def test_tokens_cover_the_text(text: str) -> None:
    assert "".join(tokens(text)) == text


@given(texts, texts)
@settings(max_examples=200)
def test_html_escapes_all_input(old: str, new: str) -> None:
    markup = to_html(compare(old, new, timeout_s=TIMEOUT))
    leftover = ALLOWED_TAGS.sub("", markup)
    assert "<" not in leftover
    assert ">" not in leftover
    assert '"' not in leftover
    assert "'" not in leftover
    # Dropping deletions and tags gives the new text back (line breaks normalised).
    shown = re.sub(r"<del>.*?</del>", "", markup, flags=re.DOTALL)
    shown = shown.replace("<br>\n", "\n").replace("<ins>", "").replace("</ins>", "")
    assert html.unescape(shown) == re.sub("\r\n|\r", "\n", new)


def test_words_are_the_units() -> None:
    result = compare(
        "The Conference [shall][should] invite Member States to cooperate.",
        "The Conference shall invite Member States and Sector Members to cooperate closely.",
        timeout_s=TIMEOUT,
    )
    assert result.segments == (
        Segment("equal", "The Conference "),
        Segment("delete", "[shall][should]"),
        Segment("insert", "shall"),
        Segment("equal", " invite Member States "),
        Segment("insert", "and Sector Members "),
        Segment("equal", "to cooperate"),
        Segment("insert", " closely"),
        Segment("equal", "."),
    )
    assert (result.inserted_words, result.deleted_words) == (5, 2)


def test_a_changed_word_is_replaced_whole() -> None:
    result = compare("Member States shall act", "Member States should act", timeout_s=TIMEOUT)
    assert [s for s in result.segments if s.kind != "equal"] == [
        Segment("delete", "shall"),
        Segment("insert", "should"),
    ]


def test_chinese_compares_character_by_character() -> None:
    result = compare("各国应当加强合作。", "各国必须加强国际合作。", timeout_s=TIMEOUT)
    _check_exact("各国应当加强合作。", "各国必须加强国际合作。", result)
    assert result.segments[0] == Segment("equal", "各国")
    assert result.segments[-1] == Segment("equal", "合作。")
    assert "国际" in "".join(s.text for s in result.segments if s.kind == "insert")


def test_arabic_words_keep_their_marks() -> None:
    assert tokens("عَرَبِيّ الدول") == ["عَرَبِيّ", " ", "الدول"]
    result = compare("يقرر أن الدول", "يقرر أن جميع الدول", timeout_s=TIMEOUT)
    assert Segment("insert", "جميع ") in result.segments
    assert result.inserted_words == 1


def test_emoji_sequences_stay_whole() -> None:
    assert tokens("👨\u200d👩\u200d👧🇫🇷👍🏽") == ["👨\u200d👩\u200d👧", "🇫🇷", "👍🏽"]
    result = compare("family 👨\u200d👩\u200d👧", "family 👨\u200d👩\u200d👦", timeout_s=TIMEOUT)
    assert Segment("delete", "👨\u200d👩\u200d👧") in result.segments
    assert Segment("insert", "👨\u200d👩\u200d👦") in result.segments


def test_identical_and_empty_texts() -> None:
    same = compare("a [b] c", "a [b] c", timeout_s=TIMEOUT)
    assert same.segments == (Segment("equal", "a [b] c"),)
    assert not same.changed
    assert compare("", "", timeout_s=TIMEOUT).segments == ()
    added = compare("", "new text", timeout_s=TIMEOUT)
    assert added.segments == (Segment("insert", "new text"),)
    assert added.inserted_words == 2


def test_html_marks_changes_and_escapes_text() -> None:
    result = compare("a <b>\nc", "a <i>\nc & d", timeout_s=TIMEOUT)
    assert to_html(result) == "a &lt;<del>b</del><ins>i</ins>&gt;<br>\nc<ins> &amp; d</ins>"


def test_script_payload_is_inert() -> None:
    markup = to_html(compare("x", "x <script>alert('1')</script>", timeout_s=TIMEOUT))
    assert "<script" not in markup
    assert "&lt;script&gt;alert(&#x27;1&#x27;)&lt;/script&gt;" in markup


@given(texts, texts)
@settings(max_examples=50)
def test_exact_when_distinct_tokens_run_out(old: str, new: str) -> None:
    _check_exact(old, new, compare(old, new, timeout_s=TIMEOUT, capacity=6))


def test_exact_when_time_runs_out() -> None:
    old = " ".join(f"w{i * 7 % 1009}" for i in range(20_000))
    new = " ".join(f"w{i * 11 % 1013}" for i in range(20_000))
    result = compare(old, new, timeout_s=0.001)
    _check_exact(old, new, result)
    assert result.coarse
