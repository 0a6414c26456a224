"""The full-text index kept in the database: offsets, snippets, literal queries, filters,
and updating it story by story."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.library.catalogue import Entry, Library
from bot.library.search import SNIPPET_CHARS, SearchIndex, places, snippet, spans
from bot.storage.database import Database
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



async def build(database: Database, *stories: Story) -> SearchIndex:
    """The index in `database` brought to a library of `stories`."""
    index = SearchIndex(database.search)
    await index.update(make_library(*stories))
    return index


@pytest.fixture
async def index(database: Database, harbour: Story, ferry: Story) -> SearchIndex:
    return await build(database, harbour, ferry)


async def test_phrase_offset_points_at_the_match_and_its_page(index, harbour):
    hits = await index.search("silver kettle sang", story_id="harbour")
    assert len(hits) == 1
    hit = hits[0]
    assert hit.chapter == 1
    assert harbour.plain[hit.offset:].startswith("silver kettle sang")
    # The match is deep in a long paragraph: the page opened for it must show it.
    paged = paginate(harbour, 500)
    page = paged.page_at(hit.offset)
    assert "silver kettle sang" in paged.text(page)
    assert page.start > harbour.plain.index("The Café")


async def test_a_phrase_is_marked_where_it_stands_not_at_its_words_elsewhere(database):
    early = story("early", ("One", [paragraph(
        "The kettle was cold. " + FILLER + "Then the silver kettle sang.")]))
    (hit,) = await (await build(database, early)).search("the silver kettle")
    assert early.plain[hit.offset:].startswith("the silver kettle")
    assert [hit.snippet[a:b] for a, b in hit.marks] == ["the silver kettle"]


async def test_snippet_is_around_the_match_with_it_marked(index):
    hit = (await index.search("silver kettle sang"))[0]
    assert len(hit.snippet) <= SNIPPET_CHARS + 2
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert [hit.snippet[a:b] for a, b in hit.marks] == ["silver kettle sang"]
    start = hit.marks[0][0]
    assert start >= 30, "some context comes before the match"


async def test_offsets_in_second_story_and_story_order_for_ties(index, ferry):
    hits = await index.search("silver kettle")
    assert {h.story_id for h in hits} == {"harbour", "ferry"}
    for hit in hits:
        if hit.story_id == "ferry":
            assert ferry.plain[hit.offset:].startswith("silver kettle")


async def test_diacritics_are_ignored_both_ways(index, harbour, ferry):
    cafe = await index.search("cafe")
    assert {(h.story_id, h.chapter) for h in cafe} == {("harbour", 1), ("ferry", 0)}
    accented = await index.search("CAFÉ on rue ecluse")
    assert len(accented) == 1
    assert harbour.plain[accented[0].offset:].startswith("Café on Rue Écluse")


@pytest.mark.parametrize("query", [
    "AND (then) what",
    '"AND (then) what?"',
    "not looking up",
    "-with- brackets*",
    "she said: “AND",
])
async def test_fts_syntax_in_a_query_is_literal_text(index, harbour, query):
    hits = await index.search(query)
    assert hits, query
    assert harbour.plain[hits[0].offset:].startswith(
        ("AND", "Not looking", "with", "looking", "she said"))


async def test_operators_do_not_act_as_operators(index, ferry):
    # As FTS5 syntax these would be a prefix query, a NOT and a NEAR group; as literal
    # words nothing has them.
    assert await index.search("kett*") == []
    assert await index.search("silver NOT kettle") == []
    assert await index.search("NEAR(looking up)") == []
    # And an operator's name is an ordinary word.
    hits = await index.search("OR")
    assert [h.story_id for h in hits] == ["ferry"]
    assert ferry.plain[hits[0].offset:].startswith("or otherwise")


async def test_words_anywhere_in_a_paragraph_when_the_phrase_is_nowhere(index, ferry):
    hits = await index.search("kettle otherwise")
    assert [(h.story_id, h.chapter) for h in hits] == [("ferry", 0)]
    assert ferry.plain[hits[0].offset:].startswith("kettle at all")


@pytest.mark.parametrize("query", ["", "   ", "...", "“ ” — * ( ) \"", "-"])
async def test_nothing_searchable_gives_no_hits(index, query):
    assert await index.search(query) == []


async def test_story_filter_and_limit(index):
    assert {h.story_id for h in await index.search("kettle", story_id="ferry")} == {"ferry"}
    assert await index.search("kettle", story_id="no-such-story") == []
    assert len(await index.search("the", limit=2)) == 2
    assert await index.search("the", limit=0) == []


async def test_accept_drops_stories_without_shortening_the_list(index):
    hits = await index.search("the", limit=3, accept=lambda sid: sid == "ferry")
    assert hits and {h.story_id for h in hits} == {"ferry"}


async def test_accept_reaches_past_a_batch_of_better_rejected_hits(database):
    crowded = story("crowded", ("One", [paragraph("kettle kettle.") for _ in range(60)]))
    lone = story("lone", ("One", [paragraph(FILLER + "one kettle " + FILLER)]))
    index = await build(database, crowded, lone)
    hits = await index.search("kettle", limit=2, accept=lambda sid: sid == "lone")
    assert [h.story_id for h in hits] == ["lone"]
    assert lone.plain[hits[0].offset:].startswith("kettle")


async def test_notes_and_breaks_are_not_indexed(index):
    assert await index.search("secret recipe") == []
    assert await index.search("⁂") == []


async def test_headings_are_indexed_with_their_offset(index, harbour):
    hit = (await index.search("Rue Écluse"))[0]
    assert harbour.plain[hit.offset:].startswith("Rue Écluse")


async def test_italic_runs_are_searched_as_plain_text(index, harbour):
    hit = (await index.search("said nothing at all"))[0]
    assert harbour.plain[hit.offset:].startswith("said nothing at all")


async def test_ranking_prefers_the_better_match_then_story_order(database):
    a = story("a", ("One", [paragraph("kettle " + FILLER)]))
    b = story("b", ("One", [paragraph("kettle kettle kettle, kettle.")]))
    c = story("c", ("One", [paragraph("kettle " + FILLER)]))
    index = await build(database, a, b, c)
    assert [h.story_id for h in await index.search("kettle")] == ["b", "a", "c"]


async def test_control_characters_do_not_shift_offsets(database):
    odd = story("odd", ("One", [paragraph("before \x01marker\x02 the kettle")]))
    hit = (await (await build(database, odd)).search("kettle"))[0]
    assert odd.plain[hit.offset:].startswith("kettle")


async def test_empty_library_and_reusing_blocks(database):
    assert await (await build(database)).search("anything") == []
    twice = story("twice", ("One", [paragraph("same words"), paragraph("same words")]))
    hits = await (await build(database, twice)).search("same words")
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
async def far_shores(database: Database) -> SearchIndex:
    zh = story("zh", ("一", [paragraph(FILLER), paragraph(HARBOUR_ZH)]))
    ja = story("ja", ("一", [paragraph(HARBOUR_JA)]))
    th = story("th", ("หนึ่ง", [paragraph(HARBOUR_TH)]))
    plain = story("plain", ("One", [paragraph("A sailing ship came in at last.")]))
    return await build(database, zh, ja, th, plain)


def _points_at(index_stories: dict[str, Story], hit, query: str) -> bool:
    return index_stories[hit.story_id].plain[hit.offset:hit.offset + len(query)] == query


@pytest.mark.parametrize("query, story_id", [
    ("灰色的帆船", "zh"),        # inside a run of Chinese with no spaces
    ("チョーク", "ja"),          # katakana inside a Japanese sentence
    ("กลับบ้าน", "th"),          # Thai
    ("三天", "zh"),              # two characters: shorter than a trigram
    ("港", "zh"),                # one character
])
async def test_a_phrase_inside_unspaced_text_is_found(database, query, story_id):
    stories = {
        "zh": story("zh", ("一", [paragraph(FILLER), paragraph(HARBOUR_ZH)])),
        "ja": story("ja", ("一", [paragraph(HARBOUR_JA)])),
        "th": story("th", ("หนึ่ง", [paragraph(HARBOUR_TH)])),
    }
    index = await build(database, *stories.values())
    hits = await index.search(query)
    assert [h.story_id for h in hits] == [story_id]
    assert _points_at(stories, hits[0], query)
    (mark,) = hits[0].marks
    assert hits[0].snippet[mark[0]:mark[1]] == query


async def test_a_phrase_in_two_unspaced_stories_comes_in_story_order(far_shores):
    assert [h.story_id for h in await far_shores.search("帆船")] == ["zh", "ja"]
    assert [h.story_id for h in await far_shores.search("帆船", story_id="ja")] == ["ja"]
    not_zh = await far_shores.search("帆船", accept=lambda s: s != "zh")
    assert [h.story_id for h in not_zh] == ["ja"]
    assert len(await far_shores.search("帆船", limit=1)) == 1


async def test_unspaced_search_takes_like_wildcards_literally(far_shores):
    assert await far_shores.search("帆%") == []
    assert await far_shores.search("帆_") == []
    assert await far_shores.search("灰色_帆船") == []


async def test_spaced_text_does_not_fall_back_to_substrings(far_shores):
    # "ailing" is inside "sailing" but is not a word of the story.
    assert await far_shores.search("ailing") == []
    assert [h.story_id for h in await far_shores.search("sailing ship")] == ["plain"]


async def search_in(target: Path | str, stories: list[Story], query: str) -> list:
    database = await Database.open(target)
    try:
        return await (await build(database, *stories)).search(query, limit=100)
    finally:
        await database.close()


# One database for the many examples: each indexes its story in place of the last one's.
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet="港口帆船灯台守扉夜明けのチョーク三天色", min_size=1, max_size=60),
       st.data())
def test_any_piece_of_unspaced_text_is_found_where_it_is(database_target, text, data):
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    query = text[start:end]
    only = story("only", ("一", [paragraph(text)]))
    hits = asyncio.run(search_in(database_target, [only], query))
    assert hits, query
    assert all(only.plain[h.offset:h.offset + len(query)] == query for h in hits)


async def test_only_passages_in_unspaced_scripts_are_indexed_by_trigrams(database, far_shores,
                                                                        harbour, ferry):
    # The Chinese, Japanese and Thai passages, of the five.
    assert await far_shores.counts() == (5, 3)
    index = await build(database, harbour, ferry)
    assert (await index.counts())[1] == 0


# --- keeping the index up to date --------------------------------------------------------------


def counting_writes(database: Database, monkeypatch) -> list[str]:
    """The ids of the stories written to the index from now on."""
    written: list[str] = []
    replace = database.search.replace

    async def counted(story_id, *args, **kwargs):
        written.append(story_id)
        await replace(story_id, *args, **kwargs)

    monkeypatch.setattr(database.search, "replace", counted)
    return written


async def test_a_restart_with_the_same_library_writes_nothing(database_target, harbour, ferry,
                                                              monkeypatch):
    database = await Database.open(database_target)
    first = await SearchIndex(database.search).update(make_library(harbour, ferry))
    assert (first.reindexed, first.kept, first.removed) == (2, 0, 0)
    indexed = await database.search.indexed()
    await database.close()

    database = await Database.open(database_target)
    try:
        written = counting_writes(database, monkeypatch)
        index = SearchIndex(database.search)
        again = await index.update(make_library(harbour, ferry))
        assert (again.reindexed, again.kept, again.removed) == (0, 2, 0)
        assert written == []
        assert await database.search.indexed() == indexed
        (hit,) = await index.search("silver kettle sang")
        assert harbour.plain[hit.offset:].startswith("silver kettle sang")
    finally:
        await database.close()


async def test_an_edited_story_is_reindexed_and_a_removed_one_disappears(database, index,
                                                                         harbour, monkeypatch):
    written = counting_writes(database, monkeypatch)
    ferry = story("ferry", ("Only", [paragraph("A copper kettle now, and a new ferrywoman.")]))
    done = await index.update(make_library(ferry))
    assert (done.reindexed, done.kept, done.removed) == (1, 0, 1)
    assert written == ["ferry"]
    assert await index.search("silver kettle") == []  # neither the old ferry nor the harbour
    assert await index.search("ferrywoman's one treasure") == []
    (hit,) = await index.search("copper kettle")
    assert (hit.story_id, ferry.plain[hit.offset:hit.offset + 13]) == ("ferry", "copper kettle")
    assert await index.search("kettle", story_id="harbour") == []


async def test_ties_stay_in_story_order_as_stories_come_and_move(database, monkeypatch):
    def alike(story_id: str) -> Story:
        return story(story_id, ("One", [paragraph("kettle " + FILLER)]))

    a, b, c, d = (alike(sid) for sid in "abcd")
    index = await build(database, a, c)
    written = counting_writes(database, monkeypatch)
    await index.update(make_library(a, b, c))  # b sorts between a and c
    assert written == ["b"]
    assert [h.story_id for h in await index.search("kettle")] == ["a", "b", "c"]
    done = await index.update(make_library(c, a, b, d))  # c retitled to the front, d new
    assert (done.reindexed, done.kept) == (2, 2)
    assert written[1:] == ["c", "d"]
    assert [h.story_id for h in await index.search("kettle")] == ["c", "a", "b", "d"]


async def test_a_pass_stopped_for_a_newer_library_leaves_a_usable_index(database, index,
                                                                      harbour, ferry):
    late = story("late", ("One", [paragraph("A brass weathervane creaked.")]))
    later = story("later", ("One", [paragraph("A brass bell rang.")]))
    asked = []

    def abandoned() -> bool:
        asked.append(True)
        return len(asked) > 1  # after the first story

    assert await index.update(make_library(harbour, late, later, ferry),
                              abandoned=abandoned) is None
    assert len(await index.search("brass")) == 1
    done = await index.update(make_library(harbour, late, later, ferry))
    assert done.reindexed == 1
    assert {h.story_id for h in await index.search("brass")} == {"late", "later"}


# --- places ------------------------------------------------------------------------------------


def test_places_spread_a_new_library_evenly():
    assert places(["a", "b", "c"], {}, limit=100) == {"a": 25, "b": 50, "c": 75}
    assert places([], {}, limit=100) == {}


def test_places_keep_what_the_order_allows_and_fit_the_rest_between():
    current = {"a": 10, "b": 20, "c": 30}
    assert places(["a", "x", "b", "c"], current, limit=100) == {"a": 10, "x": 15, "b": 20,
                                                                 "c": 30}
    moved = places(["c", "a", "b"], current, limit=100)
    assert (moved["a"], moved["b"]) == (10, 20) and moved["c"] < 10
    # No room between 1 and 2: the next story gives up its place too.
    assert places(["a", "x", "b"], {"a": 1, "b": 2}, limit=100) == {"a": 1, "x": 34, "b": 67}
    # None after the last one either: the stories before it make room.
    crowded = places(["a", "b", "x"], {"a": 8, "b": 9}, limit=10)
    assert list(crowded.values()) == sorted(crowded.values()) and crowded["x"] < 10


def test_more_stories_than_places_is_refused():
    with pytest.raises(ValueError, match="do not fit"):
        places(list("abcd"), {}, limit=4)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 30), unique=True, max_size=12), st.integers(0, 6),
       st.sampled_from([1, 2, 1000]), st.randoms(use_true_random=False))
def test_places_always_increase_and_keep_the_longest_ordered_run(known, new, scale, rng):
    current = {f"s{n}": place * scale for n, place in enumerate(known)}
    order = [*current, *(f"new{n}" for n in range(new))]
    rng.shuffle(order)
    limit = 32 * scale
    placed = places(order, current, limit=limit)
    values = [placed[sid] for sid in order]
    assert values == sorted(set(values)) and all(0 < v < limit for v in values)
    if scale == 1000:  # room everywhere: every story of the longest ordered run stays
        stayed = [sid for sid in order if placed[sid] == current.get(sid)]
        assert len(stayed) == longest_increasing([current[s] for s in order if s in current])


def longest_increasing(values: list[int]) -> int:
    best = [1] * len(values)
    for i in range(len(values)):
        for j in range(i):
            if values[j] < values[i]:
                best[i] = max(best[i], best[j] + 1)
    return max(best, default=0)
