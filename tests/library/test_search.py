"""The full-text index: offsets, snippets, literal queries, filters."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.library.catalogue import Entry, Library
from bot.library.search import SNIPPET_CHARS, SearchIndex, snippet, spans
from bot.text.pagination import paginate
from bot.text.story import (
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

FILLER = ("The tide went out over the flats and the gulls argued about it for an hour. " * 6)


def make_library(*stories: Story) -> Library:
    entries = {}
    for story in stories:
        entries[story.id] = Entry.of(story, f"{story.id}.md")
    return Library(Path("."), entries, [], [])


def story(story_id: str, *chapters: tuple[str, list[Block]], title: str = "") -> Story:
    return Story(
        meta=Metadata(title=title or story_id.title()),
        chapters=tuple(Chapter(name, tuple(blocks)) for name, blocks in chapters),
        id=story_id,
    )


@pytest.fixture
def harbour() -> Story:
    return story(
        "harbour",
        ("One", [
            paragraph(FILLER),
            Block(BlockKind.NOTE, (Run("Author's note: the secret recipe is in chapter two."),)),
            paragraph("She said ", Run("nothing", Style.ITALIC), " at all, and the lamp burned."),
        ]),
        ("Two", [
            Block(BlockKind.HEADING, (Run("The Café on Rue Écluse"),)),
            paragraph(FILLER + "Then the silver kettle sang on the stove, "
                      "and nobody moved to take it off. " + FILLER),
            SCENE_BREAK_BLOCK,
            paragraph("Not looking up, she said: “AND (then) what?” — a question -with- "
                      "brackets* and stars."),
        ]),
    )


@pytest.fixture
def ferry() -> Story:
    return story(
        "ferry",
        ("Only", [paragraph("The silver kettle was the ferrywoman's one treasure."),
                  paragraph("Her cafe had no kettle at all, silver or otherwise.")]),
    )


@pytest.fixture
def index(harbour: Story, ferry: Story) -> SearchIndex:
    return SearchIndex.build(make_library(harbour, ferry))


def test_phrase_offset_points_at_the_match_and_its_page(index, harbour):
    hits = index.search("silver kettle sang", story_id="harbour")
    assert len(hits) == 1
    hit = hits[0]
    assert hit.chapter == 1
    assert harbour.plain[hit.offset:].startswith("silver kettle sang")
    # The match is deep in a long paragraph: the page opened for it must show it.
    paged = paginate(harbour, 500)
    page = paged.page_at(hit.offset)
    assert "silver kettle sang" in paged.text(page)
    assert page.start > harbour.plain.index("The Café")


def test_snippet_is_around_the_match_with_it_marked(index):
    hit = index.search("silver kettle sang")[0]
    assert len(hit.snippet) <= SNIPPET_CHARS + 2
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert [hit.snippet[a:b] for a, b in hit.marks] == ["silver kettle sang"]
    start = hit.marks[0][0]
    assert start >= 30, "some context comes before the match"


def test_offsets_in_second_story_and_story_order_for_ties(index, ferry):
    hits = index.search("silver kettle")
    assert {h.story_id for h in hits} == {"harbour", "ferry"}
    for hit in hits:
        if hit.story_id == "ferry":
            assert ferry.plain[hit.offset:].startswith("silver kettle")


def test_diacritics_are_ignored_both_ways(index, harbour, ferry):
    cafe = index.search("cafe")
    assert {(h.story_id, h.chapter) for h in cafe} == {("harbour", 1), ("ferry", 0)}
    accented = index.search("CAFÉ on rue ecluse")
    assert len(accented) == 1
    assert harbour.plain[accented[0].offset:].startswith("Café on Rue Écluse")


@pytest.mark.parametrize("query", [
    "AND (then) what",
    '"AND (then) what?"',
    "not looking up",
    "-with- brackets*",
    "she said: “AND",
])
def test_fts_syntax_in_a_query_is_literal_text(index, harbour, query):
    hits = index.search(query)
    assert hits, query
    assert harbour.plain[hits[0].offset:].startswith(
        ("AND", "Not looking", "with", "looking", "she said"))


def test_operators_do_not_act_as_operators(index, ferry):
    # As FTS5 syntax these would be a prefix query, a NOT and a NEAR group; as literal
    # words nothing has them.
    assert index.search("kett*") == []
    assert index.search("silver NOT kettle") == []
    assert index.search("NEAR(looking up)") == []
    # And an operator's name is an ordinary word.
    hits = index.search("OR")
    assert [h.story_id for h in hits] == ["ferry"]
    assert ferry.plain[hits[0].offset:].startswith("or otherwise")


def test_words_anywhere_in_a_paragraph_when_the_phrase_is_nowhere(index, ferry):
    hits = index.search("kettle otherwise")
    assert [(h.story_id, h.chapter) for h in hits] == [("ferry", 0)]
    assert ferry.plain[hits[0].offset:].startswith("kettle at all")


@pytest.mark.parametrize("query", ["", "   ", "...", "“ ” — * ( ) \"", "-"])
def test_nothing_searchable_gives_no_hits(index, query):
    assert index.search(query) == []


def test_story_filter_and_limit(index):
    assert {h.story_id for h in index.search("kettle", story_id="ferry")} == {"ferry"}
    assert index.search("kettle", story_id="no-such-story") == []
    assert len(index.search("the", limit=2)) == 2
    assert index.search("the", limit=0) == []


def test_accept_drops_stories_without_shortening_the_list(index):
    hits = index.search("the", limit=3, accept=lambda sid: sid == "ferry")
    assert hits and {h.story_id for h in hits} == {"ferry"}


def test_accept_reaches_past_a_batch_of_better_rejected_hits():
    crowded = story("crowded", ("One", [paragraph("kettle kettle.") for _ in range(60)]))
    lone = story("lone", ("One", [paragraph(FILLER + "one kettle " + FILLER)]))
    index = SearchIndex.build(make_library(crowded, lone))
    hits = index.search("kettle", limit=2, accept=lambda sid: sid == "lone")
    assert [h.story_id for h in hits] == ["lone"]
    assert lone.plain[hits[0].offset:].startswith("kettle")


def test_notes_and_breaks_are_not_indexed(index):
    assert index.search("secret recipe") == []
    assert index.search("⁂") == []


def test_headings_are_indexed_with_their_offset(index, harbour):
    hit = index.search("Rue Écluse")[0]
    assert harbour.plain[hit.offset:].startswith("Rue Écluse")


def test_italic_runs_are_searched_as_plain_text(index, harbour):
    hit = index.search("said nothing at all")[0]
    assert harbour.plain[hit.offset:].startswith("said nothing at all")


def test_ranking_prefers_the_better_match_then_story_order():
    a = story("a", ("One", [paragraph("kettle " + FILLER)]))
    b = story("b", ("One", [paragraph("kettle kettle kettle, kettle.")]))
    c = story("c", ("One", [paragraph("kettle " + FILLER)]))
    index = SearchIndex.build(make_library(a, b, c))
    assert [h.story_id for h in index.search("kettle")] == ["b", "a", "c"]


def test_control_characters_do_not_shift_offsets():
    odd = story("odd", ("One", [paragraph("before \x01marker\x02 the kettle")]))
    hit = SearchIndex.build(make_library(odd)).search("kettle")[0]
    assert odd.plain[hit.offset:].startswith("kettle")


def test_empty_library_and_reusing_blocks():
    assert SearchIndex.build(make_library()).search("anything") == []
    twice = story("twice", ("One", [paragraph("same words"), paragraph("same words")]))
    hits = SearchIndex.build(make_library(twice)).search("same words")
    assert sorted(h.offset for h in hits) == [0, len("same words") + 2]


def test_snippet_helpers():
    text, marks = spans("a \x01b\x02 c \x01d e\x02")
    assert text == "a b c d e"
    assert marks == [(2, 3), (6, 9)]
    long = " ".join(f"word{i}" for i in range(100))
    start = long.index("word50")
    shown, inside = snippet(long, [(start, start + 6)])
    assert shown.startswith("…word") and shown.endswith("…")
    assert [shown[a:b] for a, b in inside] == ["word50"]
    whole, inside = snippet("short text", [(6, 10)])
    assert whole == "short text" and inside == ((6, 10),)



# --- scripts written without spaces ------------------------------------------------------------

HARBOUR_ZH = "他们在港口等了三天，直到那艘灰色的帆船终于靠岸。"
HARBOUR_JA = "灯台守は毎晩、帆船の数を扉にチョークで書き留めた。"
HARBOUR_TH = "ชาวประมงกลับบ้านตอนเย็นพร้อมปลาเต็มเรือ"


@pytest.fixture
def far_shores() -> SearchIndex:
    zh = story("zh", ("一", [paragraph(FILLER), paragraph(HARBOUR_ZH)]))
    ja = story("ja", ("一", [paragraph(HARBOUR_JA)]))
    th = story("th", ("หนึ่ง", [paragraph(HARBOUR_TH)]))
    plain = story("plain", ("One", [paragraph("A sailing ship came in at last.")]))
    return SearchIndex.build(make_library(zh, ja, th, plain))


def _points_at(index_stories: dict[str, Story], hit, query: str) -> bool:
    return index_stories[hit.story_id].plain[hit.offset:hit.offset + len(query)] == query


@pytest.mark.parametrize("query, story_id", [
    ("灰色的帆船", "zh"),        # inside a run of Chinese with no spaces
    ("チョーク", "ja"),          # katakana inside a Japanese sentence
    ("กลับบ้าน", "th"),          # Thai
    ("三天", "zh"),              # two characters: shorter than a trigram
    ("港", "zh"),                # one character
])
def test_a_phrase_inside_unspaced_text_is_found(query, story_id):
    stories = {
        "zh": story("zh", ("一", [paragraph(FILLER), paragraph(HARBOUR_ZH)])),
        "ja": story("ja", ("一", [paragraph(HARBOUR_JA)])),
        "th": story("th", ("หนึ่ง", [paragraph(HARBOUR_TH)])),
    }
    index = SearchIndex.build(make_library(*stories.values()))
    hits = index.search(query)
    assert [h.story_id for h in hits] == [story_id]
    assert _points_at(stories, hits[0], query)
    (mark,) = hits[0].marks
    assert hits[0].snippet[mark[0]:mark[1]] == query


def test_a_phrase_in_two_unspaced_stories_comes_in_story_order(far_shores):
    assert [h.story_id for h in far_shores.search("帆船")] == ["zh", "ja"]
    assert [h.story_id for h in far_shores.search("帆船", story_id="ja")] == ["ja"]
    assert [h.story_id for h in far_shores.search("帆船", accept=lambda s: s != "zh")] == ["ja"]
    assert len(far_shores.search("帆船", limit=1)) == 1


def test_unspaced_search_takes_like_wildcards_literally(far_shores):
    assert far_shores.search("帆%") == []
    assert far_shores.search("帆_") == []
    assert far_shores.search("灰色_帆船") == []


def test_spaced_text_does_not_fall_back_to_substrings(far_shores):
    # "ailing" is inside "sailing" but is not a word of the story.
    assert far_shores.search("ailing") == []
    assert [h.story_id for h in far_shores.search("sailing ship")] == ["plain"]


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="港口帆船灯台守扉夜明けのチョーク三天色", min_size=1, max_size=60),
       st.data())
def test_any_piece_of_unspaced_text_is_found_where_it_is(text, data):
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    query = text[start:end]
    only = story("only", ("一", [paragraph(text)]))
    hits = SearchIndex.build(make_library(only)).search(query, limit=100)
    assert hits, query
    assert all(only.plain[h.offset:h.offset + len(query)] == query for h in hits)


def test_only_passages_in_unspaced_scripts_are_indexed_by_trigrams(far_shores, index):
    assert far_shores.unspaced_size == 3  # the Chinese, Japanese and Thai passages
    assert index.unspaced_size == 0
