"""The quote pool rules and picking, on original fixtures."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.markup import to_plain
from bot.pagination import Layout
from bot.quotes import (
    MAX_CHARS,
    MAX_PER_STORY,
    MIN_CHARS,
    QuotePools,
    StoryPool,
    pick,
    render_quote,
    story_quotes,
)
from bot.story import (
    SCENE_BREAK_BLOCK,
    Block,
    BlockKind,
    Chapter,
    Metadata,
    Run,
    Story,
    Style,
    paragraph,
)
from tests.strategies import run_lists

LONG = "The ferry crossed the bay before dawn, its lamps swinging over the black water."
DIALOGUE = "“You’re late,” said the ferrywoman, not looking up from her rope."


def make_story(*chapters: tuple[Block, ...], story_id: str = "tide") -> Story:
    return Story(Metadata(title="Tide", author="Ada Moss",
                          summary=(paragraph(LONG),), notes=(paragraph(DIALOGUE),)),
                 tuple(Chapter(f"C{i}", blocks) for i, blocks in enumerate(chapters)),
                 id=story_id)


def texts(story: Story) -> list[str]:
    return [q.text for q in story_quotes(story)]


def test_whole_sentences_and_dialogue_are_quoted():
    story = make_story((paragraph(f"{LONG} {DIALOGUE}"),))
    assert texts(story) == [LONG, DIALOGUE]


def test_headings_notes_breaks_and_metadata_are_never_quoted():
    story = make_story((
        Block(BlockKind.HEADING, (Run(LONG),)),
        Block(BlockKind.NOTE, (Run(DIALOGUE),)),
        SCENE_BREAK_BLOCK,
        paragraph("Nothing here is long."),
    ))
    assert texts(story) == []


def test_short_sentences_join_until_readable_and_long_ones_are_left_out():
    story = make_story((
        paragraph("It rained. It rained again. Then the wind came up from the south."),
        paragraph("A" + " very" * 80 + " long sentence that goes on and on."),
    ))
    assert texts(story) == ["It rained. It rained again. Then the wind came up from the south."]


def test_no_fragment_starts_or_ends_mid_sentence():
    story = make_story((
        paragraph("and then it was over, whatever it had been, and nobody said a word"),
        paragraph("“Stop!” Tobin said, and the whole harbour seemed to stop with him."),
        paragraph("Mr. Hale kept the lighthouse for forty years without a single night off."),
        paragraph("“I came back. I came back for you, whatever they say in the village.”"),
    ))
    found = texts(story)
    assert "Tobin said, and the whole harbour seemed to stop with him." not in found
    assert "“Stop!” Tobin said, and the whole harbour seemed to stop with him." in found
    assert "Hale kept the lighthouse for forty years without a single night off." not in found
    assert "Mr. Hale kept the lighthouse for forty years without a single night off." in found
    assert all(not t.startswith("and") for t in found)
    assert all(t.count("“") == t.count("”") for t in found)


def test_offsets_point_into_the_story_text_and_ids_are_stable():
    story = make_story((paragraph(LONG), SCENE_BREAK_BLOCK, paragraph(f"{DIALOGUE} {LONG}")),
                       (paragraph(LONG),))
    quotes = story_quotes(story)
    plain = story.plain
    for quote in quotes:
        assert plain[quote.offset : quote.offset + len(quote.text)] == quote.text
    assert [q.chapter for q in quotes] == [0, 0, 0, 1]
    assert [q.id for q in quotes] == [q.id for q in story_quotes(story)]
    assert len({q.id for q in quotes}) == len(quotes)  # the same text twice differs by offset


def test_formatting_stays_balanced():
    story = make_story((Block(BlockKind.PARAGRAPH, (
        Run("The storm broke over the harbour at "), Run("exactly midnight. Nobody ", Style.ITALIC),
        Run("slept that night, not even the old keeper in his tower."),
    )),))
    (first, second) = story_quotes(story)
    assert render_quote(story, first) == "The storm broke over the harbour at _exactly midnight._"
    assert render_quote(story, second).startswith("_Nobody_ slept")


def test_mentions_in_the_text_are_escaped():
    story = make_story((paragraph("Then <@123> and @everyone were asked to the harbour at dawn."),))
    (quote,) = story_quotes(story)
    assert render_quote(story, quote).startswith("Then \\<@123>")


@settings(max_examples=150, deadline=None)
@given(st.lists(run_lists(), min_size=1, max_size=4))
def test_property_quotes_are_in_range_and_render_back_to_their_text(paragraph_runs):
    story = make_story(tuple(Block(BlockKind.PARAGRAPH, runs) for runs in paragraph_runs))
    for quote in story_quotes(story):
        assert MIN_CHARS <= len(quote.text) <= MAX_CHARS
        assert story.plain[quote.offset : quote.offset + len(quote.text)] == quote.text
        rendered = render_quote(story, quote)
        assert " ".join(to_plain(rendered).split()) == " ".join(quote.text.split())


def test_a_long_story_contributes_a_capped_pool_spread_over_it():
    blocks = tuple(paragraph(f"{LONG} {DIALOGUE}") for _ in range(3000))
    story = make_story(blocks[:1500], blocks[1500:])
    pool = StoryPool(story, Layout(story))
    assert len(pool) == MAX_PER_STORY
    assert {pool.chapter[0], pool.chapter[len(pool) - 1]} == {0, 1}


class FakeLibrary:
    """Just what `QuotePools` reads from a library."""

    def __init__(self, stories: list[Story]) -> None:
        self._stories = {s.id: s for s in stories}

    def __contains__(self, sid):
        return sid in self._stories

    def __iter__(self):
        return iter(self._stories.values())

    def entry(self, sid):
        story = self._stories[sid]
        return type("Entry", (), {"story": story, "layout": Layout(story)})()


def library_of(count: int, per_story: int = 10) -> FakeLibrary:
    stories = []
    for n in range(count):
        blocks = tuple(paragraph(f"Story {n} line {k}: {LONG}") for k in range(per_story))
        stories.append(make_story(blocks, story_id=f"s{n}"))
    return FakeLibrary(stories)


def test_pick_uses_every_quote_once_before_repeating():
    library = library_of(3)  # pools hold their library weakly
    pools = QuotePools(library)
    rng = random.Random(5)
    ids = ["s0", "s1", "s2"]
    seen: set[str] = set()
    for _ in range(30):
        quote = pick(pools, rng, story_ids=ids, exclude=seen)
        assert quote is not None and quote.id not in seen
        seen.add(quote.id)
    assert pick(pools, rng, story_ids=ids, exclude=seen) is None


def test_pick_filters_by_story_and_phrase():
    library = library_of(3)
    pools = QuotePools(library)
    rng = random.Random(1)
    assert {pick(pools, rng, story_ids=["s1"]).story_id for _ in range(20)} == {"s1"}
    quote = pick(pools, rng, story_ids=["s0", "s1", "s2"], containing="STORY 2 LINE 7")
    assert quote.text.startswith("Story 2 line 7")
    assert pick(pools, rng, story_ids=["s0"], containing="no such words") is None
    assert pick(pools, rng, story_ids=["missing"]) is None


def test_pick_from_a_large_pool_skips_what_was_posted():
    # Its speed is measured by bench/quotes.py; here, that it stays correct at size.
    library = library_of(100, per_story=1000)
    pools = QuotePools(library)
    ids = [f"s{n}" for n in range(100)]
    rng = random.Random(2)
    exclude = {pick(pools, rng, story_ids=ids).id for _ in range(1000)}
    for _ in range(2000):
        quote = pick(pools, rng, story_ids=ids, exclude=exclude)
        assert quote is not None and quote.id not in exclude
