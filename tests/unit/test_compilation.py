"""Compilation of proposals: exact texts, errors, and the resolution property."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from app.engine.compilation import (
    Action,
    Compilation,
    CompilationError,
    CompiledOption,
    Place,
    Proposal,
    compile_proposals,
)
from app.engine.notation import DiagnosticKind, parse

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "negotiating-texts"
DRAFT = DATA / "unfccc-draft-agreement-2015-10-23.txt"

RESOLUTION = "1 that Member States shall publish the documents in the six official languages;"


def version(base: str, proposal: Proposal) -> str:
    return {"NOC": base, "SUP": ""}.get(proposal.action, proposal.text)


def resolve(compilation: Compilation, who: int) -> str:
    """The text as proposal ``who`` would have it: its option kept at every place, or
    the place dropped where it proposes nothing."""
    text = compilation.text
    for place in reversed(compilation.places):
        start, end = place.options[0].start, place.options[-1].end
        chosen = [option.text for option in place.options if who in option.proposers]
        if not chosen:
            assert who in place.omitted_by
            chosen = [""]
        text = text[:start] + chosen[0] + text[end:]
    return text


def check(base: str, proposals: Sequence[Proposal], compilation: Compilation) -> None:
    """Every property a compilation must have, whatever the input."""
    text = compilation.text
    result = parse(text)
    kinds = {d.kind for d in result.diagnostics}
    # An option spanning several paragraphs is a cross-paragraph bracket, nothing else.
    assert kinds <= {DiagnosticKind.CROSS_PARAGRAPH}
    texts = [base, *(version(base, p) for p in proposals)]
    if not any("\n" in t for t in texts):
        assert not kinds
    by_open = {bracket.open: bracket for bracket in result.brackets}
    previous_end = 0
    for place in compilation.places:
        assert place.options
        # Each proposer exactly once per place.
        attributed = sorted(
            [*(who for option in place.options for who in option.proposers), *place.omitted_by]
        )
        assert attributed == list(range(len(proposals)))
        assert len(place.options) >= 2 or place.omitted_by
        assert len({option.text for option in place.options}) == len(place.options)
        assert all(option.text for option in place.options)
        assert place.options[0].start >= previous_end
        previous_end = place.options[-1].end
        # The parser reads the place as exactly one lone bracket or one group.
        brackets = [by_open[option.start] for option in place.options]
        for bracket, option in zip(brackets, place.options, strict=True):
            assert (bracket.span.start, bracket.span.end) == (option.start, option.end)
            assert text[option.start + 1 : option.end - 1] == option.text
        if len(brackets) == 1:
            assert brackets[0].group is None
        else:
            group = brackets[0].group
            assert group is not None
            assert result.groups[group].members == tuple(b.index for b in brackets)
    # Nothing lost, nothing misattributed.
    for who, proposal in enumerate(proposals):
        assert resolve(compilation, who) == version(base, proposal)


def compiled(base: str, proposals: Sequence[Proposal]) -> Compilation:
    compilation = compile_proposals(base, proposals)
    check(base, proposals, compilation)
    return compilation


def option(compilation: Compilation, text: str, proposers: tuple[int, ...]) -> CompiledOption:
    start = compilation.text.index(f"[{text}]")
    return CompiledOption(start, start + len(text) + 2, text, proposers)


# --- exact compilations ---------------------------------------------------------------


def test_three_conflicting_proposals() -> None:
    proposals = [
        Proposal("EGY", "MOD", RESOLUTION.replace("shall", "should")),
        Proposal("USA", "MOD", RESOLUTION.replace("documents", "documents, where feasible,")),
        Proposal("CHN", "NOC"),
    ]
    result = compiled(RESOLUTION, proposals)
    assert result.text == (
        "1 that Member States [shall][should] publish the documents[, where feasible,] "
        "in the six official languages;"
    )
    assert result.places == (
        Place((option(result, "shall", (1, 2)), option(result, "should", (0,))), ()),
        Place((option(result, ", where feasible,", (1,)),), (0, 2)),
    )
    assert not result.coarse


def test_pivot_wording_comes_first_even_from_a_later_proposer() -> None:
    proposals = [
        Proposal("EGY", "MOD", RESOLUTION.replace("shall", "should")),
        Proposal("CHN", "NOC"),
        Proposal("ATU", "MOD", RESOLUTION.replace("shall", "may")),
        Proposal("ARB", "MOD", RESOLUTION.replace("shall", "should")),
    ]
    result = compiled(RESOLUTION, proposals)
    assert "Member States [shall][should][may] publish" in result.text
    (place,) = result.places
    assert [o.proposers for o in place.options] == [(1,), (0, 3), (2,)]


def test_suppression_makes_the_whole_text_optional() -> None:
    proposals = [Proposal("CHN", "NOC"), Proposal("RUS", "SUP")]
    result = compiled(RESOLUTION, proposals)
    assert result.text == f"[{RESOLUTION}]"
    assert result.places == (Place((option(result, RESOLUTION, (0,)),), (1,)),)


def test_suppression_against_modifications_gives_whole_alternatives() -> None:
    should = RESOLUTION.replace("shall", "should")
    proposals = [Proposal("EGY", "MOD", should), Proposal("CHN", "NOC"), Proposal("RUS", "SUP")]
    result = compiled(RESOLUTION, proposals)
    assert result.text == f"[{RESOLUTION}][{should}]"
    (place,) = result.places
    assert [o.proposers for o in place.options] == [(1,), (0,)]
    assert place.omitted_by == (2,)


def test_everyone_agrees_on_a_change() -> None:
    changed = RESOLUTION.replace("six official", "six official and working")
    proposals = [Proposal("EGY", "MOD", changed), Proposal("USA", "MOD", changed)]
    result = compiled(RESOLUTION, proposals)
    assert result == Compilation(changed, ())


def test_all_no_change_keeps_the_base() -> None:
    proposals = [Proposal("EGY", "NOC"), Proposal("USA", "NOC")]
    assert compiled(RESOLUTION, proposals) == Compilation(RESOLUTION, ())


def test_everyone_suppresses() -> None:
    proposals = [Proposal("EGY", "SUP"), Proposal("USA", "SUP")]
    assert compiled(RESOLUTION, proposals) == Compilation("", ())


def test_new_texts_keep_shared_words_clean() -> None:
    proposals = [
        Proposal("EGY", "ADD", "Member States shall cooperate"),
        Proposal("USA", "ADD", "Member States should cooperate closely"),
        Proposal("CHN", "ADD", "Member States shall cooperate"),
    ]
    result = compiled("", proposals)
    assert result.text == "Member States [shall][should] cooperate[ closely]"
    assert result.places == (
        Place((option(result, "shall", (0, 2)), option(result, "should", (1,))), ()),
        Place((option(result, " closely", (1,)),), (0, 2)),
    )


def test_whitespace_base_counts_as_empty() -> None:
    result = compiled("  \n", [Proposal("EGY", "ADD", "a b"), Proposal("USA", "ADD", "a c")])
    assert result.text == "a [b][c]"


def test_neighbouring_bracket_is_taken_in() -> None:
    # "x [a] [y][z]" would read as one group of three.
    result = compiled("x [a] y", [Proposal("EGY", "MOD", "x [a] z"), Proposal("USA", "NOC")])
    assert result.text == "x [[a] y][[a] z]"
    (place,) = result.places
    assert [(o.text, o.proposers) for o in place.options] == [("[a] y", (1,)), ("[a] z", (0,))]


def test_places_apart_only_by_space_or_slash_merge() -> None:
    for separator in (" ", " / "):
        base = f"p a{separator}b q"
        proposals = [
            Proposal("EGY", "MOD", f"p A{separator}B q"),
            Proposal("USA", "MOD", f"p a{separator}c q"),
        ]
        result = compiled(base, proposals)
        assert len(result.places) == 1
        assert len(parse(result.text).groups) == 1


def test_places_inside_an_existing_bracket_nest() -> None:
    base = "Parties [shall communicate] their contributions"
    proposals = [
        Proposal("EGY", "MOD", base.replace("shall", "should")),
        Proposal("USA", "NOC"),
    ]
    result = compiled(base, proposals)
    assert result.text == "Parties [[shall][should] communicate] their contributions"


def test_a_cut_bracket_widens_the_place() -> None:
    base = "Parties [shall communicate] their contributions"
    proposals = [
        Proposal("EGY", "MOD", "Parties shall communicate their contributions"),
        Proposal("USA", "MOD", "Parties [should communicate] their contributions"),
    ]
    result = compiled(base, proposals)
    assert result.text == ("Parties [shall communicate][[should communicate]] their contributions")


def test_nested_proposals_in_options() -> None:
    base = "Each Party shall report"
    proposals = [
        Proposal("EGY", "MOD", "Each Party [shall][should] report"),
        Proposal("USA", "MOD", "Each Party may report"),
    ]
    result = compiled(base, proposals)
    assert result.text == "Each Party [[shall][should]][may] report"


def test_line_break_parts_plain_brackets_but_not_labelled_ones() -> None:
    # Bracketed paragraphs one after another are independent...
    plain = compiled(
        "[a]\nend", [Proposal("EGY", "MOD", "[a]\nAlt 2: c end"), Proposal("USA", "NOC")]
    )
    assert plain.text == "[a]\n[Alt 2: c ]end"
    # ...but labelled brackets on consecutive lines are alternatives: take the first in.
    base = "[Alt 1: a]\nend"
    labelled = compiled(
        base, [Proposal("EGY", "MOD", "[Alt 1: a]\nAlt 2: c end"), Proposal("USA", "NOC")]
    )
    assert labelled.text == "[[Alt 1: a]\n][[Alt 1: a]\nAlt 2: c ]end"


def test_escaped_brackets_are_text() -> None:
    base = r"costs of US\$100 \[sic\] per page"
    proposals = [
        Proposal("EGY", "MOD", r"costs of US\$200 \[sic\] per page"),
        Proposal("USA", "MOD", r"costs of US\\[$100] \[sic\] per page"),
    ]
    compiled(base, proposals)


def test_unicode_texts() -> None:
    base = "يقرر أن الدول الأعضاء 应当 加强合作。 👨\u200d👩\u200d👧 café"
    proposals = [
        Proposal("EGY", "MOD", base.replace("يقرر", "يطلب")),
        Proposal("CHN", "MOD", base.replace("应当", "应该")),
        Proposal("FRA", "MOD", base.replace("café", "cafe\u0301 👍🏽")),
    ]
    result = compiled(base, proposals)
    assert "[يقرر][يطلب]" in result.text
    assert " 应[当][该] " in result.text  # each CJK character is a word of its own
    assert "[café][cafe\u0301 👍🏽]" in result.text
    assert len(result.places) == 3


def test_coarse_diff_is_still_exact() -> None:
    rng = random.Random(7)
    words = [f"w{rng.randrange(300)}" for _ in range(6000)]
    base = " ".join(words)
    other = " ".join(w if rng.random() < 0.5 else f"v{rng.randrange(300)}" for w in words)
    proposals = [Proposal("EGY", "MOD", other), Proposal("USA", "NOC")]
    result = compile_proposals(base, proposals, timeout_s=1e-6)
    assert result.coarse
    check(base, proposals, result)


# --- errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "proposals", "message"),
    [
        (RESOLUTION, [Proposal("EGY", "ADD", "x")], "EGY: ADD proposes a new text; use MOD"),
        ("", [Proposal("EGY", "MOD", "x")], "EGY: MOD needs an existing text"),
        (" ", [Proposal("EGY", "ADD", "x"), Proposal("USA", "NOC")], "USA: NOC needs"),
        ("", [Proposal("EGY", "SUP")], "EGY: SUP needs"),
        (RESOLUTION, [], "no proposals"),
        (RESOLUTION, [Proposal("EGY", "MOD", "a [b")], "EGY: unbalanced brackets"),
        (RESOLUTION, [Proposal("EGY", "NOC"), Proposal("USA", "MOD", "a] b")], "USA: unbal"),
        ("a [b", [Proposal("EGY", "NOC")], "the base text: unbalanced brackets"),
        (RESOLUTION, [Proposal("EGY", "DEL")], "EGY: unknown action"),  # type: ignore[arg-type]
        ("a b", [Proposal("EGY", "MOD", "a c\\"), Proposal("USA", "NOC")], "EGY: .*backslash"),
    ],
)
def test_errors(base: str, proposals: list[Proposal], message: str) -> None:
    with pytest.raises(CompilationError, match=message):
        compile_proposals(base, proposals)


# --- the resolution property ------------------------------------------------------------

WORDS = [
    "shall",
    "should",
    "Member",
    "States",
    "Parties",
    "developing",
    "countries",
    ",",
    ";",
    "/",
    "Alt 1:",
    "Option 2:",
    "يقرر",
    "الدول",
    "عَرَبِيّ",
    "各国",
    "应当",
    "合作。",
    "👍🏽",
    "👨\u200d👩\u200d👧",
    "🇫🇷",
    "e\u0301",
    "[a]",
    "[shall][should]",
    "[x] / [y]",
    "\\[",
    "\\]",
    "\\",
    "\\\\",
    "US\\$100",
]
SEPARATORS = [" ", " ", " ", "", "  ", "\n", " / "]


@st.composite
def word_lists(draw: st.DrawFn, min_size: int = 0) -> list[str]:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=min_size, max_size=14))
    if len(words) >= 2 and draw(st.booleans()):  # bracket a run of words
        i = draw(st.integers(0, len(words) - 1))
        j = draw(st.integers(i + 1, len(words)))
        words[i:j] = ["[" + " ".join(words[i:j]) + "]"]
    return words


def join(draw: st.DrawFn, words: list[str]) -> str:
    out: list[str] = []
    for k, word in enumerate(words):
        if k:
            out.append(draw(st.sampled_from(SEPARATORS)))
        out.append(word)
    return "".join(out)


@st.composite
def mutated(draw: st.DrawFn, words: list[str]) -> list[str]:
    words = list(words)
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["insert", "delete", "replace", "bracket"]))
        at = draw(st.integers(0, len(words)))
        if kind == "insert" or not words:
            words.insert(at, draw(st.sampled_from(WORDS)))
        elif kind == "delete":
            del words[min(at, len(words) - 1)]
        elif kind == "replace":
            words[min(at, len(words) - 1)] = draw(st.sampled_from(WORDS))
        else:
            at = min(at, len(words) - 1)
            words[at] = f"[{words[at]}]"
    return words


def balanced(text: str) -> bool:
    result = parse(text)
    return not result.unmatched_open and not result.unmatched_close


def ends_escaping(text: str) -> bool:
    return (len(text) - len(text.rstrip("\\"))) % 2 == 1


@st.composite
def cases(draw: st.DrawFn) -> tuple[str, list[Proposal]]:
    new_text = draw(st.booleans()) and draw(st.booleans())
    words = draw(word_lists(min_size=0 if new_text else 1))
    base = "" if new_text else join(draw, words)
    proposals: list[Proposal] = []
    for k in range(draw(st.integers(1, 5))):
        who = f"P{k}"
        if proposals and draw(st.integers(0, 5)) == 0:  # the same text as another
            proposals.append(replace(draw(st.sampled_from(proposals)), proposer=who))
            continue
        actions: list[Action] = ["ADD"] if new_text else ["MOD", "MOD", "MOD", "NOC", "SUP"]
        action = draw(st.sampled_from(actions))
        text = join(draw, draw(mutated(words))) if action in ("ADD", "MOD") else ""
        proposals.append(Proposal(who, action, text))
    return base, proposals


@settings(max_examples=600, deadline=None)
@given(cases())
def test_resolving_every_place_gives_each_proposal_back(
    case: tuple[str, list[Proposal]],
) -> None:
    base, proposals = case
    versions = [version(base, p) for p in proposals]
    assume(balanced(base) and all(balanced(v) for v in versions))
    try:
        compilation = compile_proposals(base, proposals)
    except CompilationError as error:
        # The only refusal left: an alternative ending in an escaping backslash.
        assert "backslash" in str(error)
        assert any(ends_escaping(v) for v in versions)
        return
    check(base, proposals, compilation)


# --- a real negotiating text ----------------------------------------------------------


def balanced_paragraphs(text: str, size: int) -> str:
    """Whole paragraphs that are balanced on their own, about ``size`` characters."""
    kept: list[str] = []
    total = 0
    for line in text.split("\n"):
        if total >= size:
            break
        if balanced(line):
            kept.append(line)
            total += len(line) + 1
    return "\n".join(kept)


@pytest.mark.needs_data
def test_real_draft() -> None:
    if not DRAFT.is_file():
        pytest.skip(f"shared test data not found at {DRAFT}")
    base = balanced_paragraphs(DRAFT.read_text(encoding="utf-8"), 8000)
    assert len(base) >= 8000 and balanced(base)

    def every_other(pattern: str, new: str) -> str:
        count = iter(range(10**6))
        return re.sub(pattern, lambda m: new if next(count) % 2 else m.group(0), base)

    proposals = [
        Proposal("EGY", "MOD", base.replace("shall", "should")),
        Proposal("USA", "MOD", every_other(r"\bParties\b", "Party")),
        Proposal("EU", "MOD", every_other(r"\bdeveloping\b", "developing and developed")),
        Proposal("CHN", "NOC"),
    ]
    result = compile_proposals(base, proposals)
    check(base, proposals, result)
    assert len(result.places) > 10
