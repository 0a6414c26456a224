"""Hypothesis strategies that build stories for the core's property tests."""

from __future__ import annotations

from hypothesis import strategies as st

from bot.text.story import (
    SCENE_BREAK_BLOCK,
    Block,
    BlockKind,
    Chapter,
    Metadata,
    Run,
    Story,
    Style,
)

# Prose characters plus everything that is markdown to Discord, CJK without spaces,
# no-break spaces, combining marks and emoji joined by zero-width joiners.
ALPHABET = (
    "abcdefghijklmnopqrstuvwxyz ABCXYZ .,;:!?…“”‘’—–-()[]'\"\n"
    "*_~`|<>#+1234567890\\"
    "\u00a0你好世界。！？「」"
    "e\u0301\u200d\U0001f469\U0001f1eb\U0001f1f7"
)

styles = st.sampled_from(
    [Style.NONE] * 4
    + [Style.ITALIC, Style.BOLD, Style.ITALIC | Style.BOLD, Style.UNDERLINE, Style.STRIKE]
)


@st.composite
def run_lists(draw, max_runs: int = 6) -> tuple[Run, ...]:
    """Runs whose joined text is non-empty and has no whitespace at either edge."""
    runs = draw(
        st.lists(
            st.builds(Run, st.text(ALPHABET, min_size=1, max_size=40), styles),
            min_size=1,
            max_size=max_runs,
        )
    )
    # Parsers trim paragraphs; build the same shape.
    while runs and not runs[0].text.lstrip():
        runs.pop(0)
    while runs and not runs[-1].text.rstrip():
        runs.pop()
    if not runs:
        return (Run("x"),)
    runs[0] = Run(runs[0].text.lstrip(), runs[0].style)
    runs[-1] = Run(runs[-1].text.rstrip(), runs[-1].style)
    return tuple(r for r in runs if r.text)


@st.composite
def long_run_lists(draw) -> tuple[Run, ...]:
    """A paragraph long enough to need cutting: a short pattern repeated many times."""
    runs = draw(run_lists(max_runs=4))
    times = draw(st.integers(min_value=20, max_value=160))
    repeated = []
    for _ in range(times):
        repeated.extend(runs)
        repeated.append(Run(draw(st.sampled_from([" ", ". ", "", "! ", "。", "\n"]))))
    while repeated and not repeated[-1].text.strip():
        repeated.pop()
    last = repeated[-1]
    repeated[-1] = Run(last.text.rstrip(), last.style)
    return tuple(r for r in repeated if r.text) or (Run("x"),)


WORD_ALPHABET = "abcdefghijklmnopqrstuvwxyz*_~`|<>#1234567890\\你好。“”—"


@st.composite
def word_aligned_run_lists(draw) -> tuple[Run, ...]:
    """Runs whose styles change only between words, as they do in prose.

    Discord markdown cannot express every style change inside a word unambiguously
    (bold, then italic, then both, in one word); prose does not ask it to.
    """
    chunks = draw(
        st.lists(
            st.tuples(
                st.lists(st.text(WORD_ALPHABET, min_size=1, max_size=8), min_size=1, max_size=5),
                styles,
            ),
            min_size=1,
            max_size=6,
        )
    )
    runs: list[Run] = []
    for k, (words, style) in enumerate(chunks):
        if k:
            runs.append(Run(draw(st.sampled_from([" ", ", ", " — ", "\n"]))))
        runs.append(Run(" ".join(words), style))
    return tuple(runs)


blocks = st.one_of(
    st.builds(lambda runs: Block(BlockKind.PARAGRAPH, runs), run_lists()),
    st.builds(lambda runs: Block(BlockKind.PARAGRAPH, runs), long_run_lists()),
    st.builds(lambda runs: Block(BlockKind.HEADING, runs), run_lists(max_runs=2)),
    st.builds(lambda runs: Block(BlockKind.NOTE, runs), run_lists(max_runs=3)),
    st.just(SCENE_BREAK_BLOCK),
)

chapters = st.builds(
    lambda title, bs: Chapter(title, tuple(bs)),
    st.text("abc ", max_size=8),
    st.lists(blocks, min_size=0, max_size=25),
)

stories = st.builds(
    lambda chs: Story(Metadata("Test"), tuple(chs)),
    st.lists(chapters, min_size=1, max_size=4),
)


def _repeat(runs: tuple[Run, ...], times: int) -> tuple[Run, ...]:
    return (*runs, Run(" ")) * (times - 1) + runs


prose_blocks = st.one_of(
    st.builds(lambda runs: Block(BlockKind.PARAGRAPH, runs), word_aligned_run_lists()),
    st.builds(
        lambda runs, times: Block(BlockKind.PARAGRAPH, _repeat(runs, times)),
        word_aligned_run_lists(),
        st.integers(min_value=1, max_value=80),
    ),
    st.just(SCENE_BREAK_BLOCK),
)

prose_stories = st.builds(
    lambda chs: Story(Metadata("Prose"), tuple(Chapter("", tuple(c)) for c in chs)),
    st.lists(st.lists(prose_blocks, min_size=1, max_size=20), min_size=1, max_size=3),
)
