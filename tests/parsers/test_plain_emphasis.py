"""Emphasis in plain text: `_italics_` and `*bold*` where the markers hug words."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.parsers.plain_emphasis import emphasis_runs
from bot.text.story import Run, Style


def _unmarked(value: str) -> str:
    return value.replace("_", "").replace("*", "")


@pytest.mark.parametrize(
    ("source", "runs"),
    [
        ("a _word_ here", [Run("a "), Run("word", Style.ITALIC), Run(" here")]),
        ("_a few words_.", [Run("a few words", Style.ITALIC), Run(".")]),
        ("it was *very* late", [Run("it was "), Run("very", Style.BOLD), Run(" late")]),
        ("(“_quoted_”)", [Run("(“"), Run("quoted", Style.ITALIC), Run("”)")]),
        ("_*both*_", [Run("both", Style.ITALIC | Style.BOLD)]),
        ("snake_case_name", [Run("snake_case_name")]),
        ("2*3*4 = 24", [Run("2*3*4 = 24")]),
        ("__init__ and **kw", [Run("__init__ and **kw")]),
        ("* item", [Run("* item")]),
        ("a _ b _ c", [Run("a _ b _ c")]),
        ("_never closed", [Run("_never closed")]),
        ("file_ and _x", [Run("file_ and _x")]),
    ],
)
def test_emphasis_markers_that_hug_words(source, runs):
    assert list(emphasis_runs(source)) == runs


_PLAIN_WORD = st.text(
    st.characters(whitelist_categories=("L", "N", "P"), blacklist_characters="_*"),
    min_size=1,
    max_size=8,
)
_LITERAL = st.sampled_from(["snake_case", "2*3*4", "__init__", "**", "_", "*", "a*b"])


@st.composite
def _emphasised(draw: st.DrawFn) -> tuple[str, list[tuple[str, Style]]]:
    """A paragraph of words, literal markers and hugged phrases, with the runs it means."""
    pieces: list[tuple[str, Style]] = []
    for _ in range(draw(st.integers(1, 10))):
        kind = draw(st.sampled_from(["word", "literal", "italic", "bold"]))
        if kind == "word":
            pieces.append((draw(_PLAIN_WORD), Style.NONE))
        elif kind == "literal":
            pieces.append((draw(_LITERAL), Style.NONE))
        else:
            words = " ".join(draw(st.lists(_PLAIN_WORD, min_size=1, max_size=4)))
            pieces.append((words, Style.ITALIC if kind == "italic" else Style.BOLD))
    return " ".join(
        {Style.ITALIC: f"_{t}_", Style.BOLD: f"*{t}*"}.get(style, t) for t, style in pieces
    ), pieces


@given(_emphasised())
def test_emphasis_keeps_every_word_and_drops_only_its_markers(case):
    source, pieces = case
    runs = emphasis_runs(source)
    assert "".join(run.text for run in runs) == " ".join(t for t, _ in pieces)
    styled = [(run.text, run.style) for run in runs if run.style]
    assert styled == [(t, style) for t, style in pieces if style]


@given(st.text(st.sampled_from("ab _*.\n"), max_size=40))
def test_emphasis_drops_nothing_but_the_markers_of_its_styles(source):
    runs = emphasis_runs(source)
    plain = "".join(run.text for run in runs)
    assert _unmarked(plain) == _unmarked(source)
    # Each styled stretch lost exactly its two markers: what is left is the source with
    # those characters deleted, in order.
    removed = len(source) - len(plain)
    assert removed % 2 == 0
    # A pair of markers styles at least one run, and one run carries at most both styles.
    assert removed // 2 <= 2 * sum(1 for run in runs if run.style)
    iterator = iter(source)
    assert all(char in iterator for char in plain)


